"""Re-check passes against the database, without a server: exactly the watches a change or a
validity boundary can affect are checked again."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from shapely.geometry import box
from sqlalchemy import Engine, create_engine, text

from app.core.watches.flights import WatchDefinition
from app.services.checkers import CheckerService
from app.services.watch_rechecks import WatchRechecker
from app.services.watches import register
from app.store.api_keys import create_key
from app.store.provisioning import drop_database
from tests.conftest import loaded_database

BAKU_GROZNY = {"departure": "UBBB", "destination": "URMG", "cruise_fl": 300}
# Santiago to Lima: nowhere near the Caucasus.
SANTIAGO_LIMA = {"departure": "SCEL", "destination": "SPJC", "cruise_fl": 350}
ACROSS_BAKU_GROZNY = box(47.4, 41.4, 48.4, 42.4)


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    url = loaded_database("rechecks")
    engine = create_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


def _insert_zone(engine: Engine, zone_id: str, wkt: str, valid_from: datetime) -> None:
    """A zone written as an import would (the trigger logs it)."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conflict_zones (id, name, level, published_at, valid_from,"
                " end_basis, threat, issuer, instrument, sources, certainty, geom)"
                " VALUES (:id, :id, 3, '2025-01-01Z', :valid_from, 'until_further_notice',"
                " 'test', 'EASA', 'CZIB', ARRAY['https://www.easa.europa.eu/'], 'high',"
                " ST_Multi(ST_GeomFromText(:wkt, 4326)))"
            ),
            {"id": zone_id, "wkt": wkt, "valid_from": valid_from},
        )


def test_a_pass_checks_exactly_the_watches_a_change_or_a_boundary_can_affect(
    engine: Engine,
) -> None:
    checkers = CheckerService()
    rechecker = WatchRechecker(engine, checkers, "http://127.0.0.1", 1.0, boundary_interval_s=0.0)
    with engine.begin() as connection:
        key = create_key(connection, "rechecks", "dispatcher")[0]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    for watch_id, check in (("near", BAKU_GROZNY), ("far", SANTIAGO_LIMA)):
        definition = WatchDefinition.model_validate(
            {"id": watch_id, "check": check, "schedule": {"departure_time": tomorrow.isoformat()}}
        )
        register(engine, checkers, key.id, definition, datetime.now(UTC))
    try:
        # The first pass takes in the bundled load (logged before the watches were made): no
        # alert, whatever it checks, since the watches' first checks already hold it.
        assert rechecker.run_once() == 0

        # A zone across Baku–Grozny, in force from a few seconds from now.
        starts = datetime.now(UTC) + timedelta(seconds=2)
        _insert_zone(engine, "soon", ACROSS_BAKU_GROZNY.wkt, starts)
        assert rechecker.run_once() == 1  # in force at tomorrow's departure: an alert
        assert rechecker.last_pass == (1, 1)  # only the watch it crosses

        # No write, but the zone's start passes: the watches it can affect are checked again
        # (their results do not change: the flight is tomorrow, after the start).
        while datetime.now(UTC) <= starts:
            time.sleep(0.1)
        rechecker.last_pass = (0, 0)
        assert rechecker.run_once() == 0
        assert rechecker.last_pass == (1, 0)

        # A change near neither route checks neither.
        pacific = box(-171, -51, -170, -50).wkt
        _insert_zone(engine, "pacific", pacific, datetime(2025, 1, 1, tzinfo=UTC))
        rechecker.last_pass = (9, 9)
        assert rechecker.run_once() == 0
        assert rechecker.last_pass == (0, 0)

        # The catalogue of air-defence systems changes: every watch is checked again.
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE air_defence_systems SET name = name || ' ' WHERE ctid IN"
                     " (SELECT ctid FROM air_defence_systems LIMIT 1)")
            )  # fmt: skip
        assert rechecker.run_once() == 0
        assert rechecker.last_pass == (2, 0)
    finally:
        checkers.close()
