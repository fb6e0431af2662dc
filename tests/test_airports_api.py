"""GET /v1/airports, the map's search and route form: airports by ICAO or IATA code, name or
city, the code itself first; the expected airports are read from the airportsdata table the
service uses, independently of the ranking code."""

import airportsdata
import httpx
import pytest

from tests.conftest import LiveServer


def _find(server: LiveServer, **params: str) -> list[dict[str, object]]:
    answer = httpx.get(f"{server.url}/v1/airports", params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, object]] = answer.json()["airports"]
    return found


@pytest.mark.parametrize(("query", "icao"), [("EHAM", "EHAM"), ("ams", "EHAM"), ("GRV", "URMG")])
def test_a_code_finds_its_airport_first(layers_server: LiveServer, query: str, icao: str) -> None:
    table = airportsdata.load("ICAO")[icao]
    first = _find(layers_server, q=query)[0]
    assert first["icao"] == icao
    assert (first["lat"], first["lon"]) == (table["lat"], table["lon"])
    assert first["name"] == table["name"]


def test_a_name_finds_every_airport_holding_it(layers_server: LiveServer) -> None:
    # Every airport whose name or city holds "grozny", by a plain scan of the table.
    expected = sorted(
        code
        for code, row in airportsdata.load("ICAO").items()
        if "grozny" in row["name"].lower() or "grozny" in row["city"].lower()
    )
    found = _find(layers_server, q="Grozny", limit="50")
    assert sorted(a["icao"] for a in found) == expected  # type: ignore[type-var]
    assert expected


@pytest.mark.parametrize(
    ("params", "field"), [({"q": ""}, "q"), ({"q": "x", "limit": "0"}, "limit"), ({}, "q")]
)
def test_bad_searches_are_problems(
    layers_server: LiveServer, params: dict[str, str], field: str
) -> None:
    answer = httpx.get(f"{layers_server.url}/v1/airports", params=params, timeout=30)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == field
