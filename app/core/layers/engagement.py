"""An engagement area's envelope: the system's reach around its site, as a geodesic circle."""

from collections.abc import Mapping
from dataclasses import dataclass

from shapely.geometry import MultiPolygon, Point

from app.core.geodesy.circle import geodesic_circle
from app.core.layers.records import AirDefenceSystem, EngagementArea


class UnknownSystem(ValueError):
    """The area names a system that the catalogue does not hold."""


@dataclass(frozen=True)
class Envelope:
    """Where and up to what height a system can engage."""

    radius_nm: float
    lower_ft: int | None
    upper_ft: int | None
    circle: MultiPolygon
    # Where the system's published ceilings differ, the lowest (upper_ft is the highest).
    ceiling_low_ft: int | None = None
    # Where the system's published ranges differ, the shortest (radius_nm is the longest).
    radius_low_nm: float | None = None


def resolve_envelope(
    area: EngagementArea, site: Point, catalogue: Mapping[str, AirDefenceSystem]
) -> Envelope:
    """Fill in radius and ceiling from the catalogue where the area leaves them out."""
    system = catalogue.get(area.system)
    if system is None:
        known = ", ".join(sorted(catalogue)) or "none"
        raise UnknownSystem(f"unknown system {area.system!r}; the catalogue holds: {known}")
    radius_nm = area.radius_nm if area.radius_nm is not None else system.range_nm
    upper_ft = area.upper_ft if area.upper_ft is not None else system.ceiling_ft
    if area.lower_ft is not None and area.lower_ft >= upper_ft:
        raise ValueError(f"lower_ft ({area.lower_ft}) must be below the ceiling ({upper_ft})")
    circle = geodesic_circle(site.x, site.y, radius_nm)
    return Envelope(
        radius_nm,
        area.lower_ft,
        upper_ft,
        circle,
        ceiling_low(upper_ft, system),
        range_low(radius_nm, system),
    )


def ceiling_low(upper_ft: int | None, system: AirDefenceSystem | None) -> int | None:
    """The lowest of the system's published ceilings, where the envelope's ceiling is the
    catalogue's highest and the figures differ (an area's own ceiling is one figure)."""
    if system is None or upper_ft != system.ceiling_ft or system.ceiling_ft_low is None:
        return None
    return system.ceiling_ft_low if system.ceiling_ft_low < upper_ft else None


def range_low(radius_nm: float, system: AirDefenceSystem | None) -> float | None:
    """The shortest of the system's published ranges, where the envelope's radius is the
    catalogue's longest and the figures differ (an area's own radius is one figure)."""
    if system is None or radius_nm != system.range_nm or system.range_nm_low is None:
        return None
    return system.range_nm_low if system.range_nm_low < radius_nm else None
