"""Turning any of the request's route forms into waypoints, naming the field at fault."""

import math
from typing import Any

from app.core.routes.airports import find_airport, looks_like_airport_code
from app.core.routes.icao_coordinates import CoordinateError, parse_icao_coordinate
from app.core.routes.request import MAX_ROUTE_POINTS, RouteCheckRequest
from app.core.routes.waypoints import Waypoint


class RouteInputError(ValueError):
    """A route the service cannot use; `field` names where the fault is."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def resolve_waypoints(request: RouteCheckRequest) -> list[Waypoint]:
    """The waypoints of the route, whatever form it was given in."""
    if request.route is not None:
        waypoints = _from_geojson(request.route)
    elif request.waypoints is not None:
        waypoints = [Waypoint(w.lon, w.lat, w.alt_ft, w.time, w.name) for w in request.waypoints]
    elif request.icao_route is not None:
        waypoints = _from_icao_route(request.icao_route)
    else:
        assert request.departure is not None
        assert request.destination is not None
        waypoints = [_airport(request.departure, "departure")]
        for index, token in enumerate(request.via):
            waypoints.append(_coordinate(token, f"via.{index}"))
        waypoints.append(_airport(request.destination, "destination"))
    if len(waypoints) < 2:
        raise RouteInputError(_form(request), "a route needs at least two points")
    if len(waypoints) > MAX_ROUTE_POINTS:
        raise RouteInputError(_form(request), f"more than {MAX_ROUTE_POINTS} points")
    return waypoints


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


def _from_icao_route(text: str) -> list[Waypoint]:
    """Airports, DCT and coordinates; airways and named fixes cannot be resolved here."""
    tokens = text.split()
    waypoints: list[Waypoint] = []
    for index, token in enumerate(tokens):
        field = f"icao_route.{index}"
        if token.upper() == "DCT":
            continue
        if looks_like_airport_code(token):
            is_end = index in (0, len(tokens) - 1)
            point = _airport(token, field)
            # Only the first and last airports are taken off from or landed at.
            waypoints.append(point if is_end else Waypoint(point.lon, point.lat, name=point.name))
            continue
        unresolved = (
            f"cannot resolve {token!r}: only airports, DCT and ICAO coordinates are "
            "understood (no airways or named fixes)"
        )
        waypoints.append(_coordinate(token, field, unresolved))
    return waypoints


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
