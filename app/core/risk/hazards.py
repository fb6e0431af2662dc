"""Hazards as the route check sees them: an area, an altitude band, a validity window, and what
the layers say about it."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shapely.geometry.base import BaseGeometry

from app.core.layers.lifecycle import Lifecycle
from app.core.layers.vocabulary import Status


class HazardLayer(StrEnum):
    """Which layer a hazard comes from."""

    CONFLICT_ZONE = "conflict_zones"
    ENGAGEMENT_AREA = "engagement_areas"
    INCIDENT = "incidents"


@dataclass(frozen=True)
class Hazard:
    """One thing that may make part of a route dangerous.

    The area is a (Multi)Polygon in lon/lat with straight edges, split at 180°. lower_ft None
    means from the surface, upper_ft None unlimited; valid_from/valid_to are when it counts
    (its counting window as known at `as_of`, see `layers.lifecycle`), None open ends.
    """

    layer: HazardLayer
    id: str
    name: str
    area: BaseGeometry
    lower_ft: float | None = None
    upper_ft: float | None = None
    # The instrument itself permits flight at and above upper_ft: no fade above it.
    upper_sharp: bool = False
    # Engagement areas: the highest published ceiling of the system (upper_ft the lowest).
    ceiling_spread_ft: float | None = None
    # Engagement areas: which ring around the site this hazard is (inner and outer NM; the
    # disc's inner is 0), the share of the score kept there, and where the score fades
    # outwards, from (full) to (zero) NM (see ScoringModel.range_rings).
    range_band_nm: tuple[float, float] | None = None
    range_factor: float = 1.0
    range_fade_nm: tuple[float, float] | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    level: int | None = None
    issuer: str | None = None
    instrument: str | None = None
    reference: str | None = None
    binding_for: tuple[str, ...] = ()
    threat: str | None = None
    published_at: datetime | None = None
    # The record's lifecycle as known at `as_of`, and when a known successor replaces it.
    lifecycle: Lifecycle | None = None
    replaced_at: datetime | None = None
    as_of: datetime | None = None
    system: str | None = None
    system_name: str | None = None
    site_basis: str | None = None
    operator: str | None = None
    certainty: str | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)
    # Incidents: the point, when it happened, and which ring around it this hazard is.
    occurred_at: datetime | None = None
    ring_nm: float | None = None
    summary: str | None = None
    # Further facts to show with the hazard (incidents: event, kind, fatalities, weapon).
    details: tuple[tuple[str, object], ...] = ()


def status_at(hazard: Hazard, at: datetime) -> Status | None:
    """A zone's or engagement area's status at `at`, as known when its checker was built."""
    if hazard.lifecycle is None:
        return None
    return hazard.lifecycle.status_at(at, hazard.as_of, hazard.replaced_at)
