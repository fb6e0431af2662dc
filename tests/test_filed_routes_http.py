"""Filed routes end to end: the test world's navigation data imported with the real command
(`airspace-risk navdata import`), listed by GET /v1/navdata, and routes checked through the real
server as dispatchers file them. Expected points and times are read off the world's definition
and the EETs sent (see tests/test_flightplan_resolve.py for how they are worked out)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine

from app.settings import Settings
from app.store import migrations
from app.store.api_keys import create_key
from app.store.provisioning import drop_database
from tests.conftest import LiveServer, loaded_database, new_database
from tests.navdata_arinc_writer import write_arinc424
from tests.navdata_world import world
from tests.navdata_xplane_writer import write_xplane
from tests.test_cli import run

FILED = {
    "icao_route": "EGLL N0488F350 DVR6J DVR L9 KONAN/N0480F370 UL607 SPI DCT OMDB",
    "departure_time": "2026-12-01T10:00:00Z",
    "eets": "EET/EBBU0010 SPI0045",
}


@pytest.fixture(scope="module")
def navdata_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled layers, and the world imported as ARINC 424 by the command."""
    url = loaded_database("navdata")
    path: Path = tmp_path_factory.mktemp("navdata") / "world.pc"
    write_arinc424(world(), path)
    imported = run(url, "navdata", "import", str(path))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("2612  26 Nov 2026 – 24 Dec 2026  arinc424")
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def server(navdata_database: str) -> Iterator[LiveServer]:
    """The real server over that database."""
    with LiveServer(Settings(database_url=navdata_database)) as live:
        yield live


def _check(server: LiveServer, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/route-checks", json=body, timeout=60)


def test_the_loaded_cycles_are_listed(server: LiveServer) -> None:
    cycles = httpx.get(f"{server.url}/v1/navdata", timeout=10).json()["cycles"]
    assert len(cycles) == 1
    cycle = cycles[0]
    # The world: 15 points (4 airports), 4 airway legs, 3 procedure transitions.
    assert (cycle["cycle"], cycle["fixes"], cycle["airway_legs"], cycle["procedures"]) == (
        "2612",
        15,
        4,
        3,
    )
    assert (cycle["effective_from"], cycle["effective_to"]) == (
        "2026-11-26T00:00:00Z",
        "2026-12-24T00:00:00Z",
    )


def test_a_filed_route_is_checked_with_every_point_shown(server: LiveServer) -> None:
    response = _check(server, FILED)
    assert response.status_code == 200, response.text
    route = response.json()["route"]
    points = [(p["name"], p["source"]) for p in route["waypoints"]]
    assert points == [
        ("EGLL", "aerodrome"),
        ("BIG", "SID DVR6J (cycle 2612)"),
        ("DVR", "navdata (cycle 2612)"),
        ("KONAN", "navdata (cycle 2612)"),
        ("KONAN+370", "level change"),
        ("KOK", "airway UL607 (cycle 2612)"),
        ("REMBA", "airway UL607 (cycle 2612)"),
        ("SPI", "navdata (cycle 2612)"),
        ("OMDB", "aerodrome"),
    ]
    by_name = {p["name"]: p for p in route["waypoints"]}
    assert by_name["SPI"]["time"] == "2026-12-01T10:45:00Z"
    # The climb from EGLL (83 ft, 300 ft/NM) still governs at KOK; by REMBA the filed FL370 does.
    kok = by_name["KOK"]
    assert kok["alt_ft"] == min(37_000, round(83 + 300 * kok["along_nm"]))
    assert by_name["REMBA"]["alt_ft"] == by_name["SPI"]["alt_ft"] == 37_000
    assert route["navdata_cycle"] == "2612"
    assert "EET/EBBU: FIR boundaries are not held, so this estimate is not used" in route["notes"]


def test_every_bad_token_is_one_problem(server: LiveServer) -> None:
    body = {**FILED, "icao_route": "EGLL DCT XYZZY DCT SPI UL607 KOK N5530E02000 OMDB"}
    response = _check(server, body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["icao_route.2", "icao_route.5", "icao_route.7"]
    assert "XYZZY" in errors[0]["reason"]
    assert "may not be flown from SPI to KOK" in errors[1]["reason"]
    assert "5530N02000E" in errors[2]["reason"]


def test_the_cycle_in_force_at_departure_is_used(server: LiveServer) -> None:
    later = {**FILED, "departure_time": "2027-03-01T10:00:00Z", "eets": None}
    refused = _check(server, later)
    assert refused.status_code == 422
    assert "no navdata cycle in force at 2027-03-01T10:00Z" in refused.text
    named = _check(server, {**later, "navdata_cycle": "2612"})
    assert named.status_code == 200, named.text
    missing = _check(server, {**later, "navdata_cycle": "2701"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "navdata_cycle"


def test_a_level_filed_twice_differently_is_refused(server: LiveServer) -> None:
    response = _check(server, {**FILED, "cruise_fl": 330})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cruise_fl"


def test_ps752_filed_with_stray_dcts_keeps_its_climb(server: LiveServer) -> None:
    # Filed as dispatch systems write it, the aerodromes are still taken off from and landed at:
    # the climb out of IKA crosses the Tor-M1's area exactly as the airport-pair form does.
    times = {"cruise_fl": 330, "departure_time": "2020-01-08T02:42:00Z"}
    filed = _check(server, {"icao_route": "DCT OIIE DCT UKBB DCT", **times}).json()
    pair = _check(server, {"departure": "OIIE", "destination": "UKBB", **times}).json()
    tor = "ps752-tor-m1-tehran-2020-01-08"
    assert tor in {h["id"] for h in filed["segments"][0]["hazards"]}
    assert filed["segments"][0]["start"]["alt_ft"] == 3305
    assert [s["score"] for s in filed["segments"]] == [s["score"] for s in pair["segments"]]


def test_the_command_lists_cycles_and_refuses_what_is_not_navdata(
    navdata_database: str, tmp_path: Path
) -> None:
    listed = run(navdata_database, "navdata", "list")
    assert listed.stdout.startswith("2612  26 Nov 2026 – 24 Dec 2026  arinc424")
    not_navdata = tmp_path / "zones.geojson"
    not_navdata.write_text('{"type": "FeatureCollection", "features": []}\n')
    refused = run(navdata_database, "navdata", "import", str(not_navdata))
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"error: {not_navdata}: line 1:")
    assert "Traceback" not in refused.stderr


def test_xplane_files_import_as_the_same_cycle(tmp_path: Path) -> None:
    url = new_database("navdata_xplane")
    try:
        migrations.upgrade(url)
        folder = tmp_path / "xplane"
        folder.mkdir()
        write_xplane(world(), folder)
        imported = run(url, "navdata", "import", str(folder))
        assert imported.returncode == 0, imported.stderr
        # X-Plane's three files hold no airports or procedures: 11 points, 4 airway legs.
        assert imported.stdout.startswith("2612  26 Nov 2026 – 24 Dec 2026  xplane")
        assert " 11 fixes       4 airway legs      0 procedures" in imported.stdout
    finally:
        drop_database(url)


def test_a_watch_follows_a_filed_route(server: LiveServer, navdata_database: str) -> None:
    # Watched flights resolve the route as a check does: the navdata in force at departure.
    engine = create_engine(navdata_database)
    try:
        with engine.begin() as connection:
            secret = create_key(connection, "dispatch", "dispatcher")[1]
    finally:
        engine.dispose()
    body = {
        "id": "filed-1",
        "check": {"icao_route": FILED["icao_route"]},
        "schedule": {"departure_time": "2026-12-20T10:00:00Z"},
    }
    headers = {"Authorization": f"Bearer {secret}"}
    answer = httpx.post(f"{server.url}/v1/watches", json=body, headers=headers, timeout=60)
    assert answer.status_code == 201, answer.text
    report = next(iter(answer.json()["checks"].values()))
    names = [p["name"] for p in report["route"]["waypoints"]]
    assert names[:4] == ["EGLL", "BIG", "DVR", "KONAN"]
    assert "REMBA" in names


def test_a_file_with_no_points_never_wipes_the_cycle(
    server: LiveServer, navdata_database: str, tmp_path: Path
) -> None:
    # A truncated download: the header of the same cycle and nothing else.
    full = tmp_path / "world.pc"
    write_arinc424(world(), full)
    truncated = tmp_path / "truncated.pc"
    truncated.write_text(full.read_text().splitlines()[0] + "\n")
    refused = run(navdata_database, "navdata", "import", str(truncated))
    assert refused.returncode == 1
    assert "no points were read" in refused.stderr
    cycles = httpx.get(f"{server.url}/v1/navdata", timeout=10).json()["cycles"]
    assert [(c["cycle"], c["fixes"]) for c in cycles] == [("2612", 15)]
