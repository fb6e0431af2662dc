"""Route forms: ICAO coordinates, route strings, airports, GeoJSON; each refusal names its field."""

from typing import Any

import pytest
from pydantic import ValidationError

from app.core.routes.icao_coordinates import CoordinateError, parse_icao_coordinate
from app.core.routes.request import RouteCheckRequest
from app.core.routes.resolve import RouteInputError, resolve_waypoints


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        # Minutes are minutes: 30' = 0.5°, 20' = 0.3333°.
        ("4130N04630E", (41.5, 46.5)),
        ("5020N03030E", (50 + 20 / 60, 30.5)),
        ("413000N0463000E", (41.5, 46.5)),
        ("163322N0530614E", (16 + 33 / 60 + 22 / 3600, 53 + 6 / 60 + 14 / 3600)),
        ("0130S17930W", (-1.5, -179.5)),
    ],
)
def test_icao_coordinates(token: str, expected: tuple[float, float]) -> None:
    assert parse_icao_coordinate(token) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("token", ["4160N04630E", "9130N04630E", "4130N18130E", "4130N0463000E"])
def test_impossible_icao_coordinates(token: str) -> None:
    with pytest.raises(CoordinateError):
        parse_icao_coordinate(token)


def test_not_coordinates() -> None:
    assert parse_icao_coordinate("UL851") is None


def _resolve(**fields: Any) -> list[Any]:
    return resolve_waypoints(RouteCheckRequest.model_validate(fields))


def test_departure_destination_via() -> None:
    waypoints = _resolve(departure="UBBB", destination="urmg", via=["4130N04630E"])
    assert [w.name for w in waypoints] == ["UBBB", "4130N04630E", "URMG"]
    assert waypoints[0].is_airport
    assert waypoints[-1].is_airport
    assert not waypoints[1].is_airport


def test_icao_route_string() -> None:
    waypoints = _resolve(icao_route="UBBB DCT 4130N04630E DCT URMG")
    assert [(round(w.lat, 4), round(w.lon, 4)) for w in waypoints][1] == (41.5, 46.5)
    assert waypoints[0].is_airport
    assert waypoints[-1].is_airport


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"icao_route": "UBBB UL851 URMG"}, "icao_route.1", "unknown point 'UL851'"),
        ({"icao_route": "UBBB DCT BARAD DCT URMG"}, "icao_route.2", "unknown point 'BARAD'"),
        ({"departure": "ZZZZ", "destination": "URMG"}, "departure", "unknown airport 'ZZZZ'"),
        ({"departure": "UBBB", "destination": "URMG", "via": ["X1"]}, "via.0", "not ICAO"),
        (
            {"route": {"type": "LineString", "coordinates": [[0, 0]]}},
            "route",
            "at least two points",
        ),
        (
            {"route": {"type": "LineString", "coordinates": [[0, 0], [200, 0]]}},
            "route.coordinates.1",
            "longitude 200",
        ),
        ({"route": {"type": "Point", "coordinates": [0, 0]}}, "route.type", "LineString"),
        (
            {"route": {"type": "LineString", "coordinates": [[0, 0], [1, "a"]]}},
            "route.coordinates.1",
            "finite numbers",
        ),
        (
            {"route": {"type": "LineString", "coordinates": [[0, 0]] * 1001}},
            "route.coordinates",
            "more than 1000 points",
        ),
    ],
)
def test_unusable_routes_name_the_field(fields: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(RouteInputError) as refused:
        _resolve(**fields)
    assert refused.value.field == field
    assert reason in refused.value.reason


@pytest.mark.parametrize(
    ("fields", "location"),
    [
        ({}, ()),
        ({"departure": "UBBB"}, ()),
        ({"waypoints": [{"lat": 95, "lon": 0}, {"lat": 0, "lon": 0}]}, ("waypoints", 0, "lat")),
        ({"waypoints": [{"lat": float("nan"), "lon": 0}]}, ("waypoints", 0, "lat")),
        ({"departure": "UBBB", "destination": "URMG", "ground_speed_kt": -5}, ("ground_speed_kt",)),
        ({"departure": "UBBB", "destination": "URMG", "colour": "red"}, ("colour",)),
        (
            {"departure": "UBBB", "destination": "URMG", "departure_time": "2024-12-25T03:55:00"},
            ("departure_time",),
        ),
    ],
)
def test_request_validation_names_the_field(
    fields: dict[str, Any], location: tuple[Any, ...]
) -> None:
    with pytest.raises(ValidationError) as refused:
        RouteCheckRequest.model_validate(fields)
    assert any(tuple(e["loc"]) == location for e in refused.value.errors()), refused.value.errors()
