"""The checker service over a real database: one build per data change however many callers
ask at once, answers meanwhile when asked to serve stale, one shared checker for every as_of
between two changes of what is known, and a memory budget for those."""

import concurrent.futures
import gc
import time
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, text

from app.core.layers.layer_file import parse_feature
from app.core.layers.vocabulary import Layer
from app.core.risk.check import RouteChecker, plan_flight
from app.core.risk.hazard_set import key_of
from app.core.risk.hazards import Hazard
from app.core.routes.waypoints import Waypoint
from app.services.checkers import CheckerService
from app.services.shared_edges import SharedEdges
from app.store import feature_writes, migrations
from app.store.api_keys import create_key
from app.store.hazard_loading import load_hazards
from app.store.layer_import import load_bundled
from app.store.provisioning import drop_database
from tests import features as f
from tests.conftest import GEODATA, new_database


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """A database of its own with the bundled layers, for writes."""
    url = new_database("checkers")
    migrations.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        load_bundled(connection, GEODATA)
    yield engine
    engine.dispose()
    drop_database(url)


def _touch(engine: Engine) -> int:
    """Change the data (a summary), as an edit would; the new data_version."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE conflict_zones SET summary = coalesce(summary, '') || '.'"
                " WHERE id = (SELECT min(id) FROM conflict_zones)"
            )
        )
        return int(connection.execute(text("SELECT data_version FROM dataset_state")).scalar_one())


def test_one_build_per_change_however_many_ask(engine: Engine) -> None:
    service = CheckerService()
    try:
        first_version, _ = service.checker_for(engine)
        new_version = _touch(engine)
        builds = service.builds + service.updates
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: service.checker_for(engine), range(8)))
        assert {version for version, _ in answers} == {new_version}
        assert len({id(checker) for _, checker in answers}) == 1
        assert service.builds + service.updates == builds + 1
        assert new_version > first_version
    finally:
        service.close()


def test_serving_stale_answers_at_once_then_swaps(engine: Engine) -> None:
    service = CheckerService(serve_stale=True)
    try:
        old_version, old = service.checker_for(engine)
        new_version = _touch(engine)
        version, checker = service.checker_for(engine)  # the build starts; the old answers
        assert (version, checker) == (old_version, old)
        for _ in range(600):  # the swap comes when the build is done
            version, checker = service.checker_for(engine)
            if version == new_version:
                break
            time.sleep(0.05)
        assert version == new_version
        assert checker is not old
    finally:
        service.close()


def test_as_of_times_with_the_same_knowledge_share_one_checker(engine: Engine) -> None:
    service = CheckerService()
    try:
        # Nothing bundled was published between these two instants (the Russia CZIB of 9 Jan
        # 2025 and the Iran notes of 31 Jan 2025 are the nearest): one checker for both.
        first = service.checker_for(engine, datetime(2025, 1, 15, tzinfo=UTC))
        builds = service.builds
        second = service.checker_for(engine, datetime(2025, 1, 20, tzinfo=UTC))
        assert second[1] is first[1]
        assert service.builds == builds
        # Across a publication (31 Jan 2025), another.
        third = service.checker_for(engine, datetime(2025, 2, 15, tzinfo=UTC))
        assert third[1] is not first[1]
        assert service.builds == builds + 1
    finally:
        service.close()


def test_as_of_checkers_are_kept_within_a_memory_budget(engine: Engine) -> None:
    service = CheckerService(as_of_budget_bytes=1)  # room for the most recent only
    try:
        for year in (2015, 2018, 2021, 2024):
            service.checker_for(engine, datetime(year, 6, 1, tzinfo=UTC))
        assert service.kept_as_of() == 1
    finally:
        service.close()


def test_a_publication_time_moved_by_an_edit_still_separates_as_of_checkers(engine: Engine) -> None:
    # Written today as published on 20 Jan 2025, then edited to 12 Jan. As of a time before
    # today the first version counts (published 20 Jan): absent on 15 Jan, present on 25 Jan.
    # The two instants must not share a checker although no current row has a time between.
    square = {"type": "Polygon", "coordinates": [[[-80, -50], [-79, -50], [-79, -49], [-80, -50]]]}
    with engine.begin() as connection:
        key, _ = create_key(connection, "moving editor", "editor")
        first = f.zone(id="moved-zone", published_at="2025-01-20T00:00:00Z",
                       valid_from="2025-01-20T00:00:00Z", geometry=square)  # fmt: skip
        feature_writes.create(
            connection, Layer.CONFLICT_ZONES, parse_feature(Layer.CONFLICT_ZONES, first), key.id, {}
        )
        moved = f.zone(id="moved-zone", published_at="2025-01-12T00:00:00Z",
                       valid_from="2025-01-12T00:00:00Z", geometry=square)  # fmt: skip
        feature_writes.update(
            connection, Layer.CONFLICT_ZONES, "moved-zone",
            parse_feature(Layer.CONFLICT_ZONES, moved), key.id, {},
        )  # fmt: skip
    service = CheckerService()
    try:
        _, before = service.checker_for(engine, datetime(2025, 1, 15, tzinfo=UTC))
        _, after = service.checker_for(engine, datetime(2025, 1, 25, tzinfo=UTC))
    finally:
        service.close()
    assert "moved-zone" not in {h.id for h in before.hazards}
    assert "moved-zone" in {h.id for h in after.hazards}


def _by_key(hazards: list[Hazard]) -> list[Hazard]:
    return sorted(hazards, key=lambda h: (h.layer.value, h.id))


# Writes as the API, a load or an operator's SQL make them: each goes through the version
# trigger. (label, statements, whether the log can say what changed)
WRITES: list[tuple[str, list[str], bool]] = [
    (
        "new zone",
        [
            "INSERT INTO conflict_zones (id, name, level, published_at, valid_from, end_basis,"
            " threat, issuer, instrument, sources, certainty, geom) SELECT 'delta-new', name,"
            " level, published_at, valid_from, end_basis, threat, issuer, instrument, sources,"
            " certainty, geom FROM conflict_zones WHERE id = (SELECT min(id) FROM conflict_zones)",
        ],
        True,
    ),
    (
        "new zone supersedes an old one",
        [
            "UPDATE conflict_zones SET supersedes = ARRAY[(SELECT max(id) FROM conflict_zones"
            " WHERE id <> 'delta-new')] WHERE id = 'delta-new'",
        ],
        True,
    ),
    (
        # Only the predecessor changes: its end still comes from the successor, read anew.
        "superseded zone edited",
        [
            "UPDATE conflict_zones SET summary = coalesce(summary, '') || ' (edited)'"
            " WHERE id = (SELECT max(id) FROM conflict_zones WHERE id <> 'delta-new')",
        ],
        True,
    ),
    (
        "supersession taken back",
        [
            "UPDATE conflict_zones SET supersedes = '{}' WHERE id = 'delta-new'",
        ],
        True,
    ),
    (
        "zone moved and raised",
        [
            "UPDATE conflict_zones SET geom = ST_Multi(ST_Translate(geom, 1, 0)), upper_ft = 45000"
            " WHERE id = 'delta-new'",
        ],
        True,
    ),
    (
        "zone retired",
        [
            "UPDATE conflict_zones SET retired_at = now() WHERE id = 'delta-new'",
        ],
        True,
    ),
    ("row deleted", ["DELETE FROM conflict_zones WHERE id = 'delta-new'"], True),
    (
        "incident rejected",
        [
            "UPDATE incidents SET status = 'rejected' WHERE id = (SELECT min(id) FROM incidents)",
        ],
        True,
    ),
    (
        "engagement area edited",
        [
            "UPDATE engagement_areas SET summary = coalesce(summary, '') || ' (edited)'"
            " WHERE id = (SELECT min(id) FROM engagement_areas)",
        ],
        True,
    ),
    (
        "catalogue edited",
        [
            "UPDATE air_defence_systems SET notes = coalesce(notes, '') || '.'"
            " WHERE id = (SELECT min(id) FROM air_defence_systems)",
        ],
        False,
    ),
]


def test_changes_taken_in_equal_a_whole_build(engine: Engine) -> None:
    """After each kind of write, the checker that took in only the changes holds exactly the
    hazards and incidents of a checker built whole from the database (the expected value)."""
    service = CheckerService()
    try:
        service.checker_for(engine)
        for label, statements, logged in WRITES:
            builds, updates = service.builds, service.updates
            with engine.begin() as connection:
                for statement in statements:
                    assert connection.execute(text(statement)).rowcount >= 1, label
            version, checker = service.checker_for(engine)
            with engine.connect() as connection:
                whole = RouteChecker(*load_hazards(connection))
                assert (
                    version
                    == connection.execute(
                        text("SELECT data_version FROM dataset_state")
                    ).scalar_one()
                )
            assert _by_key(checker.hazards) == _by_key(whole.hazards), label
            assert _by_key(checker.incidents) == _by_key(whole.incidents), label
            # Taken in as changes where the log can say what changed, else built whole.
            assert (service.updates, service.builds) == (
                (updates + 1, builds) if logged else (updates, builds + 1)
            ), label
        assert checker.hazard_set.recent_count == 0  # the last was a whole build
        assert "delta-new" not in {key_of(h)[1] for h in checker.hazards}
    finally:
        service.close()


def test_workers_share_one_copy_of_the_edge_arrays(engine: Engine, tmp_path: Path) -> None:
    """Two services (as two worker processes) on one shared directory: the first builds the
    edge arrays and writes them, the second maps the same files; both answer as a checker
    built privately, without a shared directory (the expected answer)."""
    first = CheckerService(shared=SharedEdges(str(tmp_path)))
    second = CheckerService(shared=SharedEdges(str(tmp_path)))
    private = CheckerService()
    try:
        answers = [service.checker_for(engine)[1] for service in (first, second, private)]
    finally:
        for service in (first, second, private):
            service.close()
    assert (first.shared.built, first.shared.mapped) == (1, 0)
    assert (second.shared.built, second.shared.mapped) == (0, 1)
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 1
    mapped = answers[1].hazard_set.base.index.edge_arrays()
    # Every array is the mapped file's (the bucket size is a number kept apart).
    assert all(isinstance(a, np.memmap) for k, a in mapped.items() if k != "bucket_deg")
    expected = answers[2].hazard_set.base.index.edge_arrays()
    assert mapped.keys() == expected.keys()
    assert all(np.array_equal(mapped[k], expected[k]) for k in expected)
    for checker in answers[:2]:
        for route in ROUTES:
            assert _route_answer(checker, route) == _route_answer(answers[2], route)


ROUTES = [
    [Waypoint(51.28, 35.69), Waypoint(30.52, 50.45)],  # Tehran to Kyiv
    [Waypoint(49.87, 40.47), Waypoint(45.7, 43.3)],  # Baku to Grozny
]


def _route_answer(checker: RouteChecker, route: list[Waypoint]) -> list[tuple[object, ...]]:
    flight = plan_flight(route, 33_000.0, datetime(2024, 12, 25, 4, tzinfo=UTC), None)
    return [
        (s.start_m, s.end_m, s.score, sorted(h.hazard.id for h in s.hazards))
        for s in checker.check(flight).segments
    ]


def test_a_shared_directory_others_can_write_is_not_used(engine: Engine, tmp_path: Path) -> None:
    # Anyone could plant a grid there: the service builds its own instead.
    shared = tmp_path / "open"
    shared.mkdir()
    shared.chmod(0o777)
    service = CheckerService(shared=SharedEdges(str(shared)))
    try:
        _, checker = service.checker_for(engine)
    finally:
        service.close()
    assert (service.shared.built, service.shared.mapped) == (0, 0)
    assert list(shared.iterdir()) == []
    assert not isinstance(checker.hazard_set.base.index.edge_owner, np.memmap)


def test_a_built_checker_is_left_out_of_garbage_collections_and_still_freed(
    engine: Engine,
) -> None:
    # Frozen objects are those gc.get_objects() no longer lists (it lists the three
    # generations a collection walks, not the permanent one).
    service = CheckerService()
    try:
        _, checker = service.checker_for(engine)
        hazard = checker.hazards[0]
        walked = {id(o) for o in gc.get_objects()}
        assert id(hazard) not in walked
        assert id(checker) not in walked
        # The whole build is replaced after a change the version log cannot say (a new
        # service: no current checker to take changes into); the old one must be freed, not
        # kept forever by the freeze.
        gone = weakref.ref(checker)
        del checker, hazard
        service.close()
        service = CheckerService()
        _touch(engine)
        service.checker_for(engine)
        assert gone() is None
    finally:
        service.close()
