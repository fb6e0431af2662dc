"""What a route check is asked: the route in one of four forms, its vertical and time plan."""

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.layers.fields import UtcDatetime

MAX_ROUTE_POINTS = 1_000
MAX_ICAO_ROUTE_CHARS = 10_000
MAX_EET_CHARS = 2_000
MAX_INCIDENT_RADIUS_NM = 250.0

IcaoCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{4}$")]
ROUTE_FORMS = ("route", "waypoints", "departure", "icao_route")


class WaypointIn(BaseModel):
    """A waypoint as a client gives it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    lat: float = Field(ge=-90.0, le=90.0)
    lon: float = Field(ge=-180.0, le=180.0)
    alt_ft: float | None = Field(default=None, ge=-1_500.0, le=100_000.0)
    time: UtcDatetime | None = None
    name: Annotated[str, StringConstraints(max_length=64)] | None = None


class OperatorIn(BaseModel):
    """Whose flight it is, to say who is bound by which advisory."""

    model_config = ConfigDict(extra="forbid")

    state: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = Field(
        default=None,
        description="State of the operator (or of registry), ISO 3166 alpha-2: US, DE, IN, …",
    )
    designator: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")] | None = Field(
        default=None,
        description="ICAO operator designator, shown back; who is bound is read from `state`.",
    )

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.state is None and self.designator is None:
            raise ValueError("give the operator's state (and, if you like, its designator)")
        return self


class RouteCheckRequest(BaseModel):
    """A route check: exactly one of route, waypoints, departure+destination or icao_route."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: Annotated[str, StringConstraints(max_length=128)] | None = Field(
        default=None, description="Echoed back; useful to match batch results."
    )
    route: dict[str, Any] | None = Field(
        default=None,
        description="A GeoJSON LineString or Feature; positions [lon, lat] or [lon, lat, alt_ft].",
    )
    waypoints: list[WaypointIn] | None = Field(default=None, max_length=MAX_ROUTE_POINTS)
    departure: IcaoCode | None = Field(default=None, description="ICAO airport code.")
    destination: IcaoCode | None = Field(default=None, description="ICAO airport code.")
    via: list[Annotated[str, StringConstraints(max_length=32)]] = Field(
        default_factory=list,
        max_length=MAX_ROUTE_POINTS,
        description="Points between departure and destination: 4130N04630E or 413000N0463000E.",
    )
    icao_route: Annotated[str, StringConstraints(max_length=MAX_ICAO_ROUTE_CHARS)] | None = Field(
        default=None,
        description=(
            "A filed route, ICAO item 15: 'EGLL N0488F350 DVR6J DVR L9 KONAN/N0480F370 UL607 SPI "
            "DCT OMDB'. Airways, fixes, navaids, SIDs and STARs are resolved against the "
            "navigation data in force at departure_time (or navdata_cycle; see GET /v1/navdata); "
            "coordinates in every item 15 form and ARINC 424 shorthand need none. The aerodromes "
            "(items 13 and 16) are its first and last tokens, or departure and destination."
        ),
    )
    eets: Annotated[str, StringConstraints(max_length=MAX_EET_CHARS)] | None = Field(
        default=None,
        description=(
            "With icao_route: item 18's EET/, elapsed times from take-off to points of the route "
            "('EET/KONAN0020 SPI0045'); each such point is flown at departure_time + its EET. "
            "EETs to FIR boundaries are not used (the service holds no FIR boundaries)."
        ),
    )
    navdata_cycle: Annotated[str, StringConstraints(pattern=r"^\d{4}$")] | None = Field(
        default=None,
        description="With icao_route: the AIRAC cycle to resolve it with (YYNN) instead of the "
        "one in force at departure.",
    )
    cruise_fl: int | None = Field(default=None, ge=0, le=600, description="Cruise flight level.")
    departure_time: UtcDatetime | None = Field(
        default=None, description="UTC time at the first point (with a time zone)."
    )
    ground_speed_kt: float | None = Field(
        default=None,
        ge=30.0,
        le=2_000.0,
        description="Ground speed, 30–2,000 kt; 450 kt when not given.",
    )
    incident_radius_nm: float | None = Field(
        default=None,
        gt=0.0,
        le=MAX_INCIDENT_RADIUS_NM,
        description="How far from the route incidents are listed and scored; 25 NM by default.",
    )
    operator: OperatorIn | None = Field(
        default=None,
        description="Whose flight it is: each advisory is then marked binding on it or not.",
    )
    issuers: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description=(
            "Only these authorities' advisories count (e.g. ['FAA', 'EASA']); air-defence sites "
            "and incidents always do. All by default."
        ),
    )
    as_of: UtcDatetime | None = Field(
        default=None,
        description=(
            "What was known then: only records published by this time count, withdrawals and "
            "successors only if known by then, and edits made through the API after it are "
            "undone (retired zones still count). Set it to the departure time for 'as advised "
            "at departure'; leave it out for 'as known now'. For a route without times it is "
            "also the instant of validity. Now by default."
        ),
    )

    @model_validator(mode="after")
    def _one_route_form(self) -> Self:
        # A filed route's aerodromes may be given apart (items 13 and 16): not a second form.
        forms = ROUTE_FORMS if self.icao_route is None else ROUTE_FORMS[:2] + ROUTE_FORMS[3:]
        given = [name for name in forms if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of route, waypoints, departure+destination, icao_route"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.icao_route is None and (self.departure is None) != (self.destination is None):
            raise ValueError("departure and destination go together")
        if self.via and (self.departure is None or self.icao_route is not None):
            raise ValueError("via needs departure and destination (and no icao_route)")
        if self.icao_route is None and (self.eets is not None or self.navdata_cycle is not None):
            raise ValueError("eets and navdata_cycle go with icao_route")
        return self
