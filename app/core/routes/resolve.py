"""Turning any of the request's route forms into waypoints, naming the field at fault."""

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.core.flightplan.resolve import resolve_filed_route, route_names
from app.core.flightplan.timing import filed_waypoints, parse_eets
from app.core.navdata.index import NavdataIndex
from app.core.routes.airports import find_airport
from app.core.routes.icao_coordinates import CoordinateError, parse_icao_coordinate
from app.core.routes.profile import ProfileError
from app.core.routes.request import MAX_ROUTE_POINTS, RouteCheckRequest
from app.core.routes.waypoints import Waypoint
from app.core.units import flight_level_to_feet

# The part of a navigation-data cycle a route names: (names, airports, departure time, cycle
# asked for) → the index, or why there is none. Raises RouteInputError for a cycle not loaded.
NavdataLookup = Callable[
    [Collection[str], Collection[str], datetime | None, str | None], NavdataIndex | str
]


class RouteInputError(ValueError):
    """A route the service cannot use; `field` names where the fault is (`errors`: every
    fault, the first of them `field` and `reason`)."""

    def __init__(self, field: str, reason: str, more: Sequence[tuple[str, str]] = ()) -> None:
        errors = [(field, reason), *more]
        shown = "; ".join(f"{f}: {r}" for f, r in errors[:5])
        super().__init__(shown + (f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""))
        self.field = field
        self.reason = reason
        self.errors = errors


@dataclass(frozen=True)
class ResolvedRoute:
    """The waypoints to check, and for a filed route what the resolution chose."""

    waypoints: list[Waypoint]
    # Whether every waypoint carries its time (a filed route with a departure time).
    timed: bool = False
    notes: list[str] = field(default_factory=list)
    navdata_cycle: str | None = None
    # The level a filed route gives first (its aerodromes are planned at it, under the climb
    # and descent), None when it files none.
    filed_level_ft: float | None = None


def resolve_waypoints(request: RouteCheckRequest) -> list[Waypoint]:
    """The waypoints of the route, whatever form it was given in (without navigation data)."""
    return resolve_route(request, None).waypoints


def resolve_route(request: RouteCheckRequest, navdata: NavdataLookup | None) -> ResolvedRoute:
    """The route to check, whatever form it was given in; a filed route is resolved against
    the navigation data `navdata` finds."""
    if request.icao_route is not None:
        resolved = _from_filed_route(request, navdata)
        _check_count(request, resolved.waypoints)
        return resolved
    if request.route is not None:
        waypoints = _from_geojson(request.route)
    elif request.waypoints is not None:
        waypoints = [Waypoint(w.lon, w.lat, w.alt_ft, w.time, w.name) for w in request.waypoints]
    else:
        assert request.departure is not None
        assert request.destination is not None
        waypoints = [_airport(request.departure, "departure")]
        for index, token in enumerate(request.via):
            waypoints.append(_coordinate(token, f"via.{index}"))
        waypoints.append(_airport(request.destination, "destination"))
    _check_count(request, waypoints)
    return ResolvedRoute(waypoints)


def _check_count(request: RouteCheckRequest, waypoints: list[Waypoint]) -> None:
    """At least two points, and not more than a route may have."""
    if len(waypoints) < 2:
        raise RouteInputError(_form(request), "a route needs at least two points")
    if len(waypoints) > MAX_ROUTE_POINTS:
        raise RouteInputError(_form(request), f"more than {MAX_ROUTE_POINTS} points")


def _form(request: RouteCheckRequest) -> str:
    """The name of the route form the request used."""
    for name in ("route", "waypoints", "icao_route"):
        if getattr(request, name) is not None:
            return name
    return "via"


def _airport(code: str, field: str) -> Waypoint:
    """An airport as a waypoint at its elevation."""
    airport = find_airport(code)
    if airport is None:
        raise RouteInputError(field, f"unknown airport {code!r}")
    return Waypoint(
        airport.lon, airport.lat, name=airport.icao, airport_elevation_ft=airport.elevation_ft
    )


def _coordinate(token: str, field: str, not_coordinates: str | None = None) -> Waypoint:
    """A waypoint in ICAO coordinate notation; `not_coordinates` is the reason given for a
    token that is something else."""
    try:
        position = parse_icao_coordinate(token)
    except CoordinateError as error:
        raise RouteInputError(field, str(error)) from None
    if position is None:
        raise RouteInputError(
            field,
            not_coordinates
            or f"{token!r} is not ICAO coordinates (4130N04630E or 413000N0463000E)",
        )
    return Waypoint(position[1], position[0], name=token.upper())


def _from_filed_route(request: RouteCheckRequest, navdata: NavdataLookup | None) -> ResolvedRoute:
    """A filed route (item 15, aerodromes in it or apart) as timed, levelled waypoints; every
    token that cannot be resolved is named in one RouteInputError."""
    assert request.icao_route is not None
    names, airports = route_names(request.icao_route, request.departure, request.destination)
    found: NavdataIndex | str = "no navdata"
    if names and navdata is not None:
        found = navdata(names, airports, request.departure_time, request.navdata_cycle)
    index = found if isinstance(found, NavdataIndex) else None
    filed = resolve_filed_route(
        request.icao_route, request.departure, request.destination, index,
        missing=found if isinstance(found, str) else "no navdata",
    )  # fmt: skip
    if filed.errors:
        errors = [
            (e.field or f"icao_route.{e.index}", _with_token(e.token, e.reason))
            for e in filed.errors
        ]
        raise RouteInputError(*errors[0], errors[1:])
    if len(filed.points) < 2:
        raise RouteInputError(
            "icao_route", "a route needs at least two points (an aerodrome, fix or coordinates)"
        )
    cruise_ft = flight_level_to_feet(request.cruise_fl) if request.cruise_fl is not None else None
    try:
        eets = parse_eets(request.eets) if request.eets else []
        waypoints = filed_waypoints(
            filed, cruise_ft, request.departure_time, request.ground_speed_kt, eets
        )
    except ProfileError as error:
        raise RouteInputError(error.field, str(error)) from None
    filed_ft = next((p.level_ft for p in filed.points if p.level_ft is not None), None)
    timed = request.departure_time is not None
    return ResolvedRoute(waypoints, timed, filed.notes, filed.cycle, filed_ft)


def _with_token(token: str, reason: str) -> str:
    """The reason, naming the token if it does not already."""
    return reason if token in reason else f"{token}: {reason}"


def _finite(value: Any) -> bool:
    """A JSON number that is a finite float (huge integers are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _from_geojson(document: dict[str, Any]) -> list[Waypoint]:
    """A GeoJSON LineString (or a Feature holding one) as waypoints."""
    field = "route"
    geometry: Any = document
    if document.get("type") == "Feature":
        geometry = document.get("geometry")
        field = "route.geometry"
    if not isinstance(geometry, dict) or geometry.get("type") != "LineString":
        raise RouteInputError(f"{field}.type", "must be a LineString (or a Feature of one)")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        raise RouteInputError(f"{field}.coordinates", "must be a list of positions")
    if len(coordinates) > MAX_ROUTE_POINTS:
        raise RouteInputError(f"{field}.coordinates", f"more than {MAX_ROUTE_POINTS} points")
    waypoints = []
    for index, position in enumerate(coordinates):
        where = f"{field}.coordinates.{index}"
        if not isinstance(position, list) or len(position) not in (2, 3):
            raise RouteInputError(where, "a position is [lon, lat] or [lon, lat, alt_ft]")
        if not all(_finite(v) for v in position):
            raise RouteInputError(where, "coordinates must be finite numbers")
        lon, lat = float(position[0]), float(position[1])
        if not -180.0 <= lon <= 180.0:
            raise RouteInputError(where, f"longitude {lon} is outside [-180, 180]")
        if not -90.0 <= lat <= 90.0:
            raise RouteInputError(where, f"latitude {lat} is outside [-90, 90]")
        alt = float(position[2]) if len(position) == 3 else None
        if alt is not None and not -1_500.0 <= alt <= 100_000.0:
            raise RouteInputError(where, f"altitude {alt} ft is outside [-1500, 100000]")
        waypoints.append(Waypoint(lon, lat, alt))
    return waypoints
