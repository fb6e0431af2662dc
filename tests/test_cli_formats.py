"""The command line as analysts script it: --version, every output format, `check --batch` on
a file of 1,000 flights (NDJSON and CSV), progress only on a terminal, errors that name the flag,
exit codes, shell completion, and a refused import that says what the file is."""

import csv
import io
import json
import os
import pty
import random
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import airportsdata
import httpx
import pytest

from app.settings import PROJECT_ROOT
from tests.conftest import LiveServer

COMMAND = [str(Path(sys.executable).parent / "airspace-risk")]
# Airports of the regions the bundled layers cover (Europe, the Middle East, the Caucasus):
# flights between them cross zones, engagement areas and incident rings.
REGIONS = ("UA", "RU", "AZ", "GE", "AM", "TR", "IR", "IQ", "SY", "IL", "PL", "DE", "NL", "GB",
           "KZ", "AE", "SA", "EG", "LY", "SD", "YE", "AF", "PK")  # fmt: skip
MH17 = ("check", "EHAM", "WMKK", "--fl", "330", "--departure", "2014-07-17T10:31Z")


def run(
    database_url: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """airspace-risk with DATABASE_URL set, as a script runs it (pipes, no terminal)."""
    return subprocess.run(
        [*COMMAND, *args], input=stdin, capture_output=True, text=True,
        env={**os.environ, "DATABASE_URL": database_url}, cwd=PROJECT_ROOT, timeout=600,
        check=False,
    )  # fmt: skip


def _flights(count: int) -> list[dict[str, Any]]:
    """`count` flights between large airports of the covered regions, on days of 2014–2025,
    at FL250–FL390 (seeded: the same file every run)."""
    airports = sorted(
        code
        for code, a in airportsdata.load().items()
        if a["country"] in REGIONS and len(code) == 4 and code.isalpha() and a["iata"]
    )
    pick = random.Random(20241225)
    flights = []
    for number in range(count):
        departure, destination = pick.sample(airports, 2)
        day = pick.randrange(0, 12 * 365)
        flights.append(
            {
                "id": f"f{number:04d}",
                "departure": departure,
                "destination": destination,
                "cruise_fl": pick.choice(range(250, 400, 10)),
                "departure_time": f"{2014 + day // 365}-{1 + day % 365 // 31:02d}-"
                f"{1 + day % 28:02d}T{pick.randrange(24):02d}:00:00Z",
            }
        )
    return flights


def test_version_is_the_packages(loaded_database_url: str) -> None:
    result = run(loaded_database_url, "--version")
    assert result.returncode == 0
    version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert result.stdout.strip() == f"airspace-risk {version}"


@pytest.mark.parametrize("command", [("stats",), ("review",)])
def test_lists_print_as_json_csv_and_table_alike(
    loaded_database_url: str, command: tuple[str, ...]
) -> None:
    as_json = json.loads(run(loaded_database_url, *command, "--format", "json").stdout)
    as_csv = list(
        csv.DictReader(io.StringIO(run(loaded_database_url, *command, "-f", "csv").stdout))
    )
    table = run(loaded_database_url, *command).stdout
    assert len(as_json) == len(as_csv)
    for record, row in zip(as_json, as_csv, strict=True):
        assert (
            str(record["id" if "id" in record else "layer"])
            == row["id" if "id" in row else "layer"]
        )
        assert (record.get("id") or record["layer"]) in table
    refused = run(loaded_database_url, *command, "-f", "geojson")
    assert refused.returncode == 2
    assert "--format" in refused.stderr


def test_stats_json_counts_what_the_files_hold(loaded_database_url: str) -> None:
    counts = {
        r["layer"]: r["count"]
        for r in json.loads(run(loaded_database_url, "stats", "-f", "json").stdout)
    }
    for layer in ("conflict_zones", "engagement_areas"):
        features = json.loads((PROJECT_ROOT / "geodata" / f"{layer}.geojson").read_text())
        assert counts[layer] == len(features["features"])


def test_check_in_every_format_tells_the_same_story(
    loaded_database_url: str, layers_server: LiveServer
) -> None:
    answer = json.loads(run(loaded_database_url, *MH17, "-f", "json").stdout)
    # The same route through the HTTP API: the command line answers as the service does.
    served = httpx.post(
        f"{layers_server.url}/v1/route-checks",
        json={"departure": "EHAM", "destination": "WMKK", "cruise_fl": 330,
              "departure_time": "2014-07-17T10:31:00Z"},
        timeout=60,
    ).json()  # fmt: skip
    assert [s["score"] for s in answer["segments"]] == [s["score"] for s in served["segments"]]
    rows = list(csv.DictReader(io.StringIO(run(loaded_database_url, *MH17, "-f", "csv").stdout)))
    assert [float(r["score"]) for r in rows] == [s["score"] for s in answer["segments"]]
    assert [int(r["start_alt_ft"]) for r in rows] == [
        s["start"]["alt_ft"] for s in answer["segments"]
    ]
    collection = json.loads(run(loaded_database_url, *MH17, "-f", "geojson").stdout)
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["score"] for f in collection["features"]] == [
        s["score"] for s in answer["segments"]
    ]
    assert {f["geometry"]["type"] for f in collection["features"]} <= {
        "LineString",
        "MultiLineString",
    }
    table = run(loaded_database_url, *MH17).stdout
    # Schiphol lies 11 ft below the sea: the climb reads -11 → 33000, never "-11-33000".
    assert "-11 → 33000" in table
    assert "-11-33000" not in table


@pytest.mark.parametrize(
    ("args", "flag"),
    [(("--fl", "999"), "--fl:"), (("--operator-state", "USA"), "--operator-state:"),
     (("--via", "99X"), "--via (1st):"), (("--departure", "tomorrow"), "--departure:"),
     (("--speed", "5"), "--speed:")],
)  # fmt: skip
def test_errors_name_the_flag(loaded_database_url: str, args: tuple[str, ...], flag: str) -> None:
    result = run(loaded_database_url, "check", "EHAM", "WMKK", *args)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {flag}"), result.stderr
    assert "cruise_fl" not in result.stderr
    assert "Traceback" not in result.stderr


def _batch_file(tmp_path: Path, kind: str) -> tuple[Path, list[dict[str, Any]]]:
    """1,000 flights as NDJSON or CSV, three of them bad at known places."""
    flights = _flights(1000)
    flights[10] = {**flights[10], "destination": "ZZ"}
    flights[500] = {**flights[500], "cruise_fl": 999}
    path = tmp_path / f"flights.{kind}"
    if kind == "ndjson":
        lines = [json.dumps(flight) for flight in flights]
        lines[900] = "{not json"
        path.write_text("\n".join(lines) + "\n")
    else:
        columns = ["id", "departure", "destination", "cruise_fl", "departure_time"]
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(flights)
    return path, flights


def test_a_batch_of_1000_flights_as_ndjson(
    loaded_database_url: str, layers_server: LiveServer, tmp_path: Path
) -> None:
    path, flights = _batch_file(tmp_path, "ndjson")
    result = run(loaded_database_url, "check", "--batch", str(path), "-f", "json")
    assert result.returncode == 4, result.stderr[-2000:]  # ran to the end; some refused
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["index"] for line in lines] == list(range(1000))
    assert [line["line"] for line in lines] == list(range(1, 1001))
    refused = {line["index"]: line["error"] for line in lines if "error" in line}
    assert set(refused) == {10, 500, 900}
    assert refused[10].startswith("destination:")
    assert refused[500].startswith("cruise_fl:")
    assert refused[900].startswith("not JSON")
    assert result.stderr.strip().splitlines()[-1] == "1000 flights: 997 checked, 3 refused"
    # No progress bar in a pipe: the last line is the summary, nothing drawn before it.
    assert "checking" not in result.stderr
    # Flights checked one by one over HTTP agree with the batch (a sample, spread out).
    for index in (0, 137, 421, 999):
        served = httpx.post(
            f"{layers_server.url}/v1/route-checks", json=flights[index], timeout=60
        ).json()
        summary = lines[index]["result"]["summary"]
        assert (summary["score"], summary["category"], summary["route_index"]) == (
            served["summary"]["score"], served["summary"]["category"],
            served["summary"]["route_index"],
        )  # fmt: skip
    scored = [line["result"]["summary"]["score"] for line in lines if "result" in line]
    assert max(scored) > 0, "flights over the covered regions must meet some hazard"


def test_a_batch_of_1000_flights_as_csv(loaded_database_url: str, tmp_path: Path) -> None:
    path, flights = _batch_file(tmp_path, "csv")
    result = run(loaded_database_url, "check", "--batch", str(path), "-f", "csv")
    assert result.returncode == 4
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1000
    assert [r["id"] for r in rows] == [f["id"] for f in flights]
    assert [int(r["line"]) for r in rows] == list(range(2, 1002))  # after the header
    assert {i for i, r in enumerate(rows) if r["error"]} == {10, 500}
    assert all(r["category"] for i, r in enumerate(rows) if i not in (10, 500))


def test_a_small_batch_as_table_and_geojson(loaded_database_url: str) -> None:
    flights = "\n".join(json.dumps(f) for f in _flights(5))
    table = run(loaded_database_url, "check", "--batch", "-", stdin=flights)
    assert table.returncode == 0, table.stderr
    assert len(table.stdout.splitlines()) == 6  # a header and five flights
    collection = json.loads(
        run(loaded_database_url, "check", "--batch", "-", "-f", "geojson", stdin=flights).stdout
    )
    assert len(collection["features"]) == 5
    assert all(f["geometry"]["coordinates"] for f in collection["features"])


def test_batch_refuses_flight_flags_and_unknown_columns(loaded_database_url: str) -> None:
    mixed = run(loaded_database_url, "check", "--batch", "-", "--fl", "300", stdin="")
    assert mixed.returncode == 2
    assert "--fl: not with --batch" in mixed.stderr
    typo = run(loaded_database_url, "check", "--batch", "-", stdin="departure,destinaton\n")
    assert typo.returncode == 2
    assert "unknown column destinaton" in typo.stderr
    assert typo.stdout == ""


def test_progress_is_drawn_on_a_terminal_only(loaded_database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "few.ndjson"
    path.write_text("\n".join(json.dumps(f) for f in _flights(20)))
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [*COMMAND, "check", "--batch", str(path), "-f", "csv"],
            stdout=subprocess.PIPE, stderr=terminal, text=True, timeout=300, check=False,
            env={**os.environ, "DATABASE_URL": loaded_database_url},
        )  # fmt: skip
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(controller)
    assert result.returncode == 0
    assert b"checking" in drawn
    assert b"100%" in drawn
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 20  # stdout untouched


def test_an_import_says_what_a_non_geojson_file_is(
    loaded_database_url: str, layers_server: LiveServer, tmp_path: Path
) -> None:
    gpkg = tmp_path / "zones.gpkg"
    gpkg.write_bytes(
        httpx.get(f"{layers_server.url}/collections/conflict_zones/items.gpkg", timeout=60).content
    )
    result = run(loaded_database_url, "import", "conflict_zones", str(gpkg))
    assert result.returncode == 1
    assert "this is a GeoPackage (SQLite), not GeoJSON" in result.stderr
    assert "ogr2ogr -f GeoJSON" in result.stderr
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection",\n "features": [\n  {"type": }\n ]}')
    result = run(loaded_database_url, "import", "conflict_zones", str(broken))
    # Line 3 is `  {"type": }`: the value is missing where the `}` stands, its 12th character.
    assert "not valid JSON (Expecting value at line 3, column 12)" in result.stderr


def test_shell_completion_is_offered(loaded_database_url: str) -> None:
    # Typer finds the user's shell among the command's parent processes; under CI there may be
    # none it knows, so the shell is named instead (its documented switch for this).
    result = subprocess.run(
        [*COMMAND, "--show-completion", "bash"], capture_output=True, text=True, timeout=120,
        check=False, env={**os.environ, "DATABASE_URL": loaded_database_url,
                          "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
    )  # fmt: skip
    assert result.returncode == 0
    assert "_AIRSPACE_RISK_COMPLETE" in result.stdout
    assert "Exit codes: 0 done" in run(loaded_database_url, "--help").stdout
