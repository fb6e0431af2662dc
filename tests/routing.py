"""Helpers for route-check tests: hazards from plain shapes, plans from plain points, and an
independent way to find where a geodesic route crosses a boundary."""

from collections.abc import Callable
from datetime import datetime

from pyproj import Geod
from shapely.geometry import box

from app.core.risk.check import FlightPlan, RouteCheck, RouteChecker, plan_flight
from app.core.risk.hazards import Hazard, HazardLayer
from app.core.routes.waypoints import Waypoint

GEOD = Geod(ellps="WGS84")
NM = 1852.0


def zone(
    area: object,
    level: int = 1,
    lower_ft: float | None = None,
    upper_ft: float | None = None,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
    zone_id: str = "zone",
) -> Hazard:
    """A conflict-zone hazard over an area."""
    return Hazard(
        layer=HazardLayer.CONFLICT_ZONE,
        id=zone_id,
        name=zone_id,
        area=area,
        lower_ft=lower_ft,
        upper_ft=upper_ft,
        valid_from=valid_from,
        valid_to=valid_to,
        level=level,
        issuer="TEST",
        reference="T-1",
    )


def rectangle(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> object:
    """A lon/lat rectangle: its edges are meridians and parallels."""
    return box(min_lon, min_lat, max_lon, max_lat)


def plan(
    points: list[tuple[float, float]] | list[tuple[float, float, float]],
    cruise_ft: float | None = 35_000.0,
    departure: datetime | None = None,
) -> FlightPlan:
    """A plan through plain (lon, lat[, alt_ft]) points."""
    waypoints = [Waypoint(p[0], p[1], p[2] if len(p) == 3 else None) for p in points]
    return plan_flight(waypoints, cruise_ft, departure, None)


def check(hazards: list[Hazard], flight: FlightPlan, **kwargs: object) -> RouteCheck:
    """Run the checker over the given hazards."""
    return RouteChecker(hazards).check(flight, **kwargs)  # type: ignore[arg-type]


def along(
    start: tuple[float, float], end: tuple[float, float], distance_m: float
) -> tuple[float, float]:
    """The point distance_m along the geodesic from start towards end (Geod.fwd)."""
    azimuth, _, _ = GEOD.inv(start[0], start[1], end[0], end[1])
    lon, lat, _ = GEOD.fwd(start[0], start[1], azimuth, distance_m)
    return float(lon), float(lat)


def crossing(
    inside: Callable[[float, float], bool],
    start: tuple[float, float],
    end: tuple[float, float],
    low_m: float,
    high_m: float,
) -> float:
    """Bisect for where `inside` changes between two distances along the geodesic, to 0.01 m.

    Independent of the engine: it uses only Geod.fwd from the route's start and a plain
    predicate, no polygons, no densification.
    """
    state_low = inside(*along(start, end, low_m))
    assert state_low != inside(*along(start, end, high_m)), "no crossing in the bracket"
    while high_m - low_m > 0.01:
        middle = (low_m + high_m) / 2.0
        if inside(*along(start, end, middle)) == state_low:
            low_m = middle
        else:
            high_m = middle
    return (low_m + high_m) / 2.0


def length_m(start: tuple[float, float], end: tuple[float, float]) -> float:
    """Geodesic length between two points (Geod.inv)."""
    return float(GEOD.inv(start[0], start[1], end[0], end[1])[2])
