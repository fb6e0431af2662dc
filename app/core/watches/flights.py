"""A watch's definition, and checking its flights: one route check per departure."""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.geodesy.antimeridian import split_line
from app.core.risk.check import RouteChecker
from app.core.risk.run import run_route_check
from app.core.routes.path import RoutePath
from app.core.routes.request import RouteCheckRequest
from app.core.routes.resolve import NavdataLookup, resolve_route
from app.core.watches.changes import Fingerprint, fingerprint, hazards_of
from app.core.watches.schedule import Schedule

Category = Literal["low", "moderate", "high", "critical"]
DEFAULT_INCIDENT_RADIUS_NM = 25.0
# Corridor points this far apart (the route's own path, for finding watches near a change).
CORRIDOR_STEP_M = 10_000.0
MAX_CORRIDOR_POINTS = 5_000


class Notify(BaseModel):
    """When a difference is worth an alert."""

    model_config = ConfigDict(extra="forbid")

    at_least: Category | None = Field(
        default=None,
        description="Only changes that touch this category or a worse one, before or after "
        "(e.g. 'high': a new high segment, or a high one gone). Any change when left out.",
    )


class WatchDefinition(BaseModel):
    """What a dispatcher registers: the flight (any route form of a route check, without its
    departure time, which the schedule gives), when it departs, and when to be told."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")] | None = (
        Field(default=None, description="The dispatch system's own id (a new one if left out).")
    )
    check: RouteCheckRequest = Field(
        description="The flight as POST /v1/route-checks takes it, without departure_time and "
        "as_of (watches always use what is known now)."
    )
    schedule: Schedule
    notify: Notify = Field(default_factory=Notify)

    @model_validator(mode="after")
    def _times_from_the_schedule(self) -> Self:
        if self.check.departure_time is not None:
            raise ValueError("check.departure_time: give the departure in schedule instead")
        if self.check.as_of is not None:
            raise ValueError("check.as_of: a watch always uses what is known now")
        return self


def _key(moment: datetime) -> str:
    """A departure as the key of its results."""
    return moment.isoformat().replace("+00:00", "Z")


def check_flight(
    definition: WatchDefinition,
    departure: datetime,
    checker: RouteChecker,
    version: int,
    navdata: NavdataLookup | None = None,
) -> dict[str, Any]:
    """The full route-check report of one flight (`navdata`: for a filed route's names)."""
    request = definition.check.model_copy(update={"departure_time": departure})
    return run_route_check(request, checker, version, navdata=navdata)


def flight_result(report: dict[str, Any]) -> dict[str, Any]:
    """What a watch keeps of one flight's check."""
    waypoints = report["route"]["waypoints"]
    return {
        "fingerprint": fingerprint(report),
        "summary": report["summary"],
        "arrival": waypoints[-1]["time"],
    }


def departures_to_check(
    definition: WatchDefinition, now: datetime, flight_time: timedelta | None
) -> list[datetime]:
    """The schedule's departures whose flight has not landed yet."""
    departures = definition.schedule.departures(now)
    if flight_time is None:
        return departures
    return [d for d in departures if d + flight_time > now] or departures[-1:]


def result_key(departure: datetime) -> str:
    """The key of a departure's results."""
    return _key(departure)


def hazards_in(results: dict[str, Any]) -> list[str]:
    """Every hazard any flight's results hold ('layer/id')."""
    found: set[str] = set()
    for result in results.values():
        print_: Fingerprint = result["fingerprint"]
        found |= hazards_of(print_)
    return sorted(found)


def corridor_lines(
    check: RouteCheckRequest, navdata: NavdataLookup | None = None
) -> list[list[tuple[float, float]]]:
    """The route's path as lon/lat lines (split at 180°), for finding watches near a change."""
    waypoints = resolve_route(check, navdata).waypoints
    path = RoutePath([w.lon for w in waypoints], [w.lat for w in waypoints])
    length_m = path.length_m
    count = int(min(MAX_CORRIDOR_POINTS, max(2, np.ceil(length_m / CORRIDOR_STEP_M) + 1)))
    lons, lats = path.positions(np.linspace(0.0, length_m, count))
    return split_line([float(x) for x in lons], [float(y) for y in lats])


def corridor_wkt(lines: list[list[tuple[float, float]]]) -> str:
    """Lines as a WKT MultiLineString."""
    parts = ", ".join("(" + ", ".join(f"{x!r} {y!r}" for x, y in line) + ")" for line in lines)
    return f"MULTILINESTRING({parts})"


def margin_nm(check: RouteCheckRequest) -> float:
    """How far from the path a change can matter: the incident radius (areas are crossed)."""
    return check.incident_radius_nm or DEFAULT_INCIDENT_RADIUS_NM
