"""The airspace-risk command, run as a user runs it, against its own fresh database."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.settings import PROJECT_ROOT
from app.store.provisioning import drop_database
from tests import features as f
from tests.conftest import GEODATA, new_database

COMMAND = [str(Path(sys.executable).parent / "airspace-risk")]


@pytest.fixture(scope="module")
def cli_database() -> Iterator[str]:
    """A database of this module's own: the commands commit."""
    url = new_database("cli")
    yield url
    drop_database(url)


def run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run airspace-risk with DATABASE_URL set; never raise on a non-zero exit."""
    environment = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )


def _counts(stats_output: str) -> dict[str, int]:
    rows = [line.split() for line in stats_output.splitlines()[1:4]]
    return {row[0]: int(row[1]) for row in rows}


def _file_counts() -> dict[str, int]:
    return {
        layer: len(json.loads((GEODATA / f"{layer}.geojson").read_text())["features"])
        for layer in ("conflict_zones", "engagement_areas", "incidents")
    }


def test_create_upgrade_load_stats(cli_database: str) -> None:
    for args in (("db", "create"), ("db", "upgrade"), ("load",)):
        result = run(cli_database, *args)
        assert result.returncode == 0, result.stderr
    assert "PostGIS 3." in run(cli_database, "db", "create").stdout
    stats = run(cli_database, "stats")
    assert stats.returncode == 0, stats.stderr
    assert _counts(stats.stdout) == _file_counts()
    again = run(cli_database, "load")
    assert "0 inserted, 0 updated" in again.stdout


def test_bad_import_is_refused_with_exit_1_and_writes_nothing(
    cli_database: str, tmp_path: Path
) -> None:
    run(cli_database, "db", "upgrade")
    before = run(cli_database, "stats").stdout
    bad = tmp_path / "bad.geojson"
    bad.write_text(f.collection(f.zone(id="fine"), f.zone(id="broken", upper_ft=100, lower_ft=500)))
    result = run(cli_database, "import", "conflict_zones", str(bad))
    assert result.returncode == 1
    assert "nothing was written" in result.stderr
    assert "feature 1 (id 'broken')" in result.stderr
    assert "lower_ft (500) must be below upper_ft (100)" in result.stderr
    assert "Traceback" not in result.stderr
    assert run(cli_database, "stats").stdout == before


def test_good_import_then_unknown_layer_and_missing_file(cli_database: str, tmp_path: Path) -> None:
    run(cli_database, "db", "upgrade")
    good = tmp_path / "good.geojson"
    good.write_text(f.collection(f.zone(id="cli-imported")))
    result = run(cli_database, "import", "conflict_zones", str(good))
    assert result.returncode == 0, result.stderr
    assert "1 inserted" in result.stdout
    assert run(cli_database, "import", "runways", str(good)).returncode == 2
    missing = run(cli_database, "import", "incidents", str(tmp_path / "nope.geojson"))
    assert missing.returncode == 1
    assert "cannot read" in missing.stderr


def test_keys_create_list_revoke(cli_database: str) -> None:
    run(cli_database, "db", "upgrade")
    created = run(cli_database, "keys", "create", "--role", "researcher", "--name", "Jane Doe")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("ark_")
    key_id = created.stdout.split()[1]
    listed = run(cli_database, "keys", "list")
    assert "Jane Doe" in listed.stdout
    assert secret not in listed.stdout, "the secret is shown once, never listed"
    # A role that does not exist is a usage error (2), naming the flag.
    pilot = run(cli_database, "keys", "create", "--role", "pilot", "--name", "x")
    assert pilot.returncode == 2
    assert "--role" in pilot.stderr
    assert run(cli_database, "keys", "revoke", key_id).returncode == 0
    assert run(cli_database, "keys", "revoke", key_id).returncode == 1
    from sqlalchemy import create_engine

    from app.store.api_keys import authenticate

    engine = create_engine(cli_database)
    with engine.connect() as connection:
        assert authenticate(connection, secret) is None
    engine.dispose()


def test_check_says_who_is_bound(cli_database: str) -> None:
    # PS752's route on its day (README): the FAA's prohibition binds a US operator, not a
    # British one; a three-letter state is refused, naming the flag.
    for args in (("db", "create"), ("db", "upgrade"), ("load",)):  # idempotent: runs alone too
        assert run(cli_database, *args).returncode == 0
    route = ("check", "OIIE", "UKBB", "--fl", "330", "--departure", "2020-01-08T02:42Z")
    us = run(cli_database, *route, "--operator-state", "US")
    assert us.returncode == 0, us.stderr
    assert "binding on this operator (US)" in us.stdout
    assert "binding prohibitions for an operator of US: iran-faa-" in us.stdout
    gb = run(cli_database, *route, "--operator-state", "GB")
    # A British operator is not bound by the FAA's; the route's own states' closures to all
    # civil aircraft (UkSATSE, eastern Ukraine) bind it as they bind everyone.
    (line,) = [x for x in gb.stdout.splitlines() if x.startswith("binding prohibitions")]
    assert line.startswith("binding prohibitions for an operator of GB:")
    assert "iran-faa-" not in line
    assert "ukraine-east-2014" in line
    assert "not binding on this operator: it binds US operators" in gb.stdout
    bad = run(cli_database, *route, "--operator-state", "USA")
    assert bad.returncode != 0
    assert "--operator-state" in bad.stderr + bad.stdout


def test_a_missing_database_is_one_line_not_a_stack_trace(cli_database: str) -> None:
    missing = cli_database.rsplit("/", 1)[0] + "/airspace_risk_no_such_database"
    for args in (("stats",), ("load",), ("check", "UBBB", "URMG")):
        result = run(missing, *args)
        assert result.returncode == 3  # the database cannot be used (exit_codes.DATABASE)
        assert "Traceback" not in result.stderr
        assert 'database "airspace_risk_no_such_database" does not exist' in result.stderr
        assert "airspace-risk db create" in result.stderr
