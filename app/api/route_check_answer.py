"""The route check's answer as pydantic models: what the OpenAPI document shows for
POST /v1/route-checks (JSON and GeoJSON) and for each line of the batch. The answer itself is
built by core/risk/report.py; tests validate real answers against these models and against the
served document, with unknown members refused, so the two cannot drift apart silently."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.openapi_doc import FieldProblem
from app.core.layers.vocabulary import (
    Certainty,
    EndBasis,
    IncidentKind,
    SiteBasis,
    Status,
    WeaponClass,
)

Category = Literal["none", "low", "moderate", "high", "critical"]
Time = Annotated[str | None, Field(description="RFC 3339, UTC (Z); null without times.")]


class _Strict(BaseModel):
    """Members are exactly these: an undocumented member fails the contract tests."""

    model_config = ConfigDict(extra="forbid")


class Position(_Strict):
    """A point along the route with its planned altitude and time."""

    lon: float
    lat: float
    alt_ft: int
    time: Time


class _HazardCommon(_Strict):
    """What every hazard of a segment says."""

    id: str
    name: str | None
    position: Literal["inside", "above_ceiling"] = Field(
        description="Inside the band, or above its ceiling within the fading margin."
    )
    lower_ft: int | None = Field(description="Floor, feet; null = surface.")
    upper_ft: int | None = Field(description="Ceiling, feet; null = unlimited.")
    raw_score: float = Field(description="The hazard's own score here, 0–100.")
    contribution: float = Field(description="What it adds to the segment's score.")
    counted: bool = Field(description="Whether it counts (one record per threat is counted).")
    certainty: Certainty
    sources: list[str]
    explanation: str = Field(description="Why it scores what it scores, in words.")
    threat: str | None = Field(description="Key shared by every issuer's records of a threat.")


class _AdvisoryCommon(_HazardCommon):
    """The lifecycle of a zone or engagement area at the segment's time."""

    status: Status | None = Field(description="At the time the segment is flown.")
    published_at: Time
    valid_from: Time
    valid_to: Time
    end_basis: EndBasis | None
    issuer: str | None
    instrument: str | None
    reference: str | None
    binding_for: list[str]
    binding: bool | None = Field(
        description="Whether it binds the operator given (null without an operator)."
    )


class ZoneHazard(_AdvisoryCommon):
    """A conflict zone on the segment."""

    layer: Literal["conflict_zones"]
    level: int = Field(description="1 do not fly, 2 high risk, 3 caution.")


class EngagementHazard(_AdvisoryCommon):
    """An air-defence engagement area (or one ring of its range fade) on the segment."""

    layer: Literal["engagement_areas"]
    system: str | None
    system_name: str | None
    site_basis: SiteBasis | None
    operator: str | None
    radius_nm: float | None
    range_band_nm: list[float] | None = Field(description="[inner, outer] NM of this ring.")
    range_factor: float | None = Field(description="Share of the score this ring keeps.")
    range_fade_nm: list[float] | None = Field(description="[shortest, longest] published range.")


class _IncidentFacts(_Strict):
    """The facts of an incident as its record gives them."""

    occurred_at: Time
    published_at: Time
    after_departure: bool = Field(description="It happened after departure: it never scores.")
    event: str
    kind: IncidentKind
    flight: str | None
    fatalities: int | None
    weapon: str | None
    weapon_class: WeaponClass
    weapon_system: str | None
    altitude_ft: int | None


class IncidentHazard(_HazardCommon, _IncidentFacts):
    """An incident's ring on the segment."""

    layer: Literal["incidents"]
    ring_nm: float | None
    distance_nm: float | None = Field(description="Closest approach to the incident, NM.")


SegmentHazard = Annotated[
    ZoneHazard | EngagementHazard | IncidentHazard, Field(discriminator="layer")
]


class LineGeometry(_Strict):
    """The segment's path: a MultiLineString where it crosses the antimeridian."""

    type: Literal["LineString", "MultiLineString"]
    coordinates: list[Any]


class Segment(_Strict):
    """A stretch of the route over which the same hazards apply."""

    index: int
    start: Position
    end: Position
    start_nm: float
    end_nm: float
    length_nm: float
    score: float = Field(ge=0, le=100)
    category: Category
    hazards: list[SegmentHazard]
    geometry: LineGeometry | None = Field(
        default=None, description="Only in the GeoJSON answer (as the feature's geometry)."
    )


class NearbyIncident(_IncidentFacts):
    """An incident within incident_radius_nm of the route."""

    id: str
    distance_nm: float
    along_nm: float = Field(description="Where along the route it is closest.")
    summary: str | None
    certainty: Certainty
    sources: list[str]


class Exposure(_Strict):
    """Distance and minutes flown."""

    nm: float
    minutes: float


class ThreatExposure(Exposure):
    """Exposure to one threat, counted once however many issuers describe it."""

    threat: str
    max_raw_score: float
    category: Category
    records: list[str]


class ExposureSummary(_Strict):
    """Exposure by threat and by category."""

    basis: str = Field(description="Planned times, or minutes at a nominal speed.")
    by_threat: list[ThreatExposure]
    by_category: dict[Category, Exposure]


class LapseWarning(_Strict):
    """An advisory applying on the route whose last known end has passed unconfirmed."""

    layer: str
    id: str
    name: str | None
    status: Literal["lapsed_unconfirmed"]
    valid_to: str
    message: str


class OperatorEcho(_Strict):
    """The operator the check was made for."""

    state: str | None
    designator: str | None


class Summary(_Strict):
    """The route as a whole."""

    score: float = Field(ge=0, le=100)
    category: Category
    worst_segment: int
    nm_by_category: dict[Category, float]
    minutes_by_category: dict[Category, float] | None
    incident_radius_nm: float
    data_version: int
    evaluated_at: Time
    valid_at: Time
    as_of: Time
    warnings: list[LapseWarning]
    exposure: ExposureSummary
    route_index: float
    operator: OperatorEcho | None
    issuers: list[str] | None
    binding_prohibitions: list[str]
    model: str


class Waypoint(_Strict):
    """A point of the route as resolved."""

    name: str | None
    source: str | None = Field(default=None, description="Where it came from (filed routes).")
    lon: float
    lat: float
    along_nm: float
    alt_ft: int
    time: Time


class RouteEcho(_Strict):
    """The route as the check understood it."""

    length_nm: float
    waypoints: list[Waypoint]
    notes: list[str] | None = Field(default=None, description="Filed routes: what was assumed.")
    navdata_cycle: str | None = Field(default=None, description="Filed routes: AIRAC cycle.")


class _AnswerCommon(_Strict):
    """Everything but the segments."""

    id: str | None = Field(default=None, description="The request's own id, echoed.")
    incidents_nearby: list[NearbyIncident]
    summary: Summary
    route: RouteEcho


class RouteCheckAnswer(_AnswerCommon):
    """POST /v1/route-checks as JSON."""

    segments: list[Segment]


class SegmentFeature(_Strict):
    """A segment as a GeoJSON feature."""

    type: Literal["Feature"]
    id: int
    geometry: LineGeometry
    properties: Segment


class RouteCheckFeatureCollection(_AnswerCommon):
    """POST /v1/route-checks as GeoJSON: the segments are the features."""

    type: Literal["FeatureCollection"]
    features: list[SegmentFeature]


class SummaryAnswer(_AnswerCommon):
    """A batch route with detail=summary: the worst segment only."""

    worst_segment: Segment


class LineProblem(_Strict):
    """Why one route of a batch was not checked (a problem document without an instance)."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = Field(default=None, description="The first field at fault.")
    errors: list[FieldProblem] | None = Field(default=None, description="Every field at fault.")


class BatchLine(_Strict):
    """One NDJSON line of POST /v1/route-checks/batch."""

    index: int = Field(description="The route's place in the request.")
    id: str | None = Field(default=None, description="The route's own id, echoed.")
    result: RouteCheckAnswer | SummaryAnswer | None = None
    error: LineProblem | None = Field(default=None, description="Why this route was not checked.")
