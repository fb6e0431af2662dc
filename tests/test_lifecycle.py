"""A record's status over time and what was known when: every transition pinned on hand-made
timelines (the expected statuses are read off the timeline, not computed), and the database's
status function checked against the core's on the same timelines and on random ones."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, text

from app.core.layers.lifecycle import Lifecycle, replacements
from app.core.layers.vocabulary import EndBasis, Status


def day(n: int) -> datetime:
    """Day n of a made-up timeline (day 0 = 1 Jan 2025, 00:00Z)."""
    return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=n)


# Published on day 10, in effect from day 12, stated to end on day 20.
STATED = Lifecycle(day(10), day(12), day(20), EndBasis.STATED)
# The same, but nobody has confirmed what happened after day 20.
UNCONFIRMED = Lifecycle(day(10), day(12), day(20), EndBasis.UNCONFIRMED)
# Published day 10, open-ended, withdrawn on day 15.
WITHDRAWN = Lifecycle(day(10), day(10), None, EndBasis.UNTIL_FURTHER_NOTICE, day(15))
# An advisory whose stated start (day 5) is before it was published (day 10).
BACKDATED = Lifecycle(day(10), day(5), None, EndBasis.UNTIL_FURTHER_NOTICE)
# An engagement area: the threat was there on day 5, first reported on day 30.
LEARNED_LATER = Lifecycle(
    day(30), day(5), day(6), EndBasis.STATED, effect_waits_for_publication=False
)


@pytest.mark.parametrize(
    ("lifecycle", "at", "expected"),
    [
        (STATED, day(11), Status.SCHEDULED),  # published, not yet in effect
        (STATED, day(12), Status.IN_FORCE),  # the start is inclusive
        (STATED, day(19), Status.IN_FORCE),
        (STATED, day(20), Status.EXPIRED),  # the end is exclusive
        (UNCONFIRMED, day(19), Status.IN_FORCE),
        (UNCONFIRMED, day(20), Status.LAPSED_UNCONFIRMED),
        (UNCONFIRMED, day(400), Status.LAPSED_UNCONFIRMED),
        (WITHDRAWN, day(14), Status.IN_FORCE),
        (WITHDRAWN, day(15), Status.WITHDRAWN),
        (BACKDATED, day(7), Status.SCHEDULED),  # never in effect before publication
        (BACKDATED, day(10), Status.IN_FORCE),
        (LEARNED_LATER, day(5), Status.IN_FORCE),  # known now: the threat was there
        (LEARNED_LATER, day(6), Status.EXPIRED),
    ],
)
def test_status_on_a_timeline(lifecycle: Lifecycle, at: datetime, expected: Status) -> None:
    assert lifecycle.status_at(at, None) is expected


def test_superseded_when_the_successor_takes_effect() -> None:
    # R1 is open-ended; R2 (published day 16, in effect day 18) supersedes it.
    r1 = Lifecycle(day(10), day(10), None, EndBasis.UNTIL_FURTHER_NOTICE)
    r2 = Lifecycle(day(16), day(18), None, EndBasis.UNTIL_FURTHER_NOTICE)
    records = {"r1": (r1, ()), "r2": (r2, ("r1",))}
    replaced_now = replacements(records, None)
    assert replaced_now == {"r1": day(18)}
    assert r1.status_at(day(17), None, replaced_now.get("r1")) is Status.IN_FORCE
    assert r1.status_at(day(18), None, replaced_now.get("r1")) is Status.SUPERSEDED
    # As known on day 15, R2 did not exist: R1 runs on.
    replaced_then = replacements(records, day(15))
    assert replaced_then == {}
    assert r1.status_at(day(18), day(15), replaced_then.get("r1")) is Status.IN_FORCE
    assert r1.counting_window(day(15), None) == (day(10), None)
    assert r1.counting_window(None, day(18)) == (day(10), day(18))


def test_a_successor_withdrawn_before_taking_effect_replaces_nothing() -> None:
    old = Lifecycle(day(10), day(10), None, EndBasis.UNTIL_FURTHER_NOTICE)
    stillborn = Lifecycle(day(16), day(20), None, EndBasis.UNTIL_FURTHER_NOTICE, day(19))
    assert replacements({"old": (old, ()), "new": (stillborn, ("old",))}, None) == {}


def test_as_of_before_publication_knows_nothing() -> None:
    assert STATED.status_at(day(15), day(9)) is None
    assert LEARNED_LATER.status_at(day(5), day(29)) is None
    assert LEARNED_LATER.status_at(day(5), day(30)) is Status.IN_FORCE


def test_a_withdrawal_counts_only_once_it_happened() -> None:
    # As known on day 14, the withdrawal of day 15 had not happened: in force on day 16.
    assert WITHDRAWN.status_at(day(16), day(14)) is Status.IN_FORCE
    assert WITHDRAWN.status_at(day(16), day(15)) is Status.WITHDRAWN


def test_counting_windows() -> None:
    # A stated end ends the count; an unconfirmed one does not (fail-safe); nor an open one.
    assert STATED.counting_window(None) == (day(12), day(20))
    assert UNCONFIRMED.counting_window(None) == (day(12), None)
    assert UNCONFIRMED.lapses_at() == day(20)
    assert BACKDATED.counting_window(None) == (day(10), None)
    assert WITHDRAWN.counting_window(None) == (day(10), day(15))
    assert WITHDRAWN.counting_window(day(14)) == (day(10), None)
    assert LEARNED_LATER.counting_window(None) == (day(5), day(6))
    # Withdrawn (day 15) before it was due to take effect (day 20): an empty window.
    stillborn = Lifecycle(day(10), day(20), None, EndBasis.UNTIL_FURTHER_NOTICE, day(15))
    assert stillborn.counting_window(None) == (day(20), day(20))


def _sql_status(
    connection: Connection,
    lifecycle: Lifecycle,
    at: datetime,
    as_of: datetime | None,
    replaced_at: datetime | None,
) -> str | None:
    """The database's airspace_risk_status for the same inputs."""
    found = connection.execute(
        text(
            "SELECT airspace_risk_status(:published, :start, :end, :basis, :withdrawn, "
            ":replaced, :waits, :at, :as_of)"
        ),
        {
            "published": lifecycle.published_at,
            "start": lifecycle.valid_from,
            "end": lifecycle.valid_to,
            "basis": lifecycle.end_basis.value,
            "withdrawn": lifecycle.withdrawn_at,
            "replaced": replaced_at,
            "waits": lifecycle.effect_waits_for_publication,
            "at": at,
            "as_of": as_of,
        },
    ).scalar_one()
    assert found is None or isinstance(found, str)
    return found


@pytest.mark.parametrize(
    ("lifecycle", "at", "expected"),
    [
        (STATED, day(11), "scheduled"),
        (STATED, day(12), "in_force"),
        (STATED, day(20), "expired"),
        (UNCONFIRMED, day(20), "lapsed_unconfirmed"),
        (WITHDRAWN, day(15), "withdrawn"),
        (BACKDATED, day(7), "scheduled"),
        (LEARNED_LATER, day(5), "in_force"),
    ],
)
def test_the_database_derives_the_same_statuses(
    connection: Connection, lifecycle: Lifecycle, at: datetime, expected: str
) -> None:
    assert _sql_status(connection, lifecycle, at, None, None) == expected
    assert _sql_status(connection, lifecycle, at, day(0), None) is None  # not yet published
    assert _sql_status(connection, STATED, day(15), None, day(14)) == "superseded"


days = st.integers(min_value=0, max_value=60).map(day)


@st.composite
def lifecycles(draw: st.DrawFn) -> Lifecycle:
    """Any consistent lifecycle on the made-up timeline."""
    published = draw(days)
    start = draw(days)
    basis = draw(st.sampled_from(list(EndBasis)))
    end = None
    if basis is not EndBasis.UNTIL_FURTHER_NOTICE:
        end = start + timedelta(days=draw(st.integers(min_value=1, max_value=30)))
    withdrawn = draw(st.none() | days.filter(lambda d: d >= published))
    waits = draw(st.booleans())
    return Lifecycle(published, start, end, basis, withdrawn, waits)


@given(
    lifecycle=lifecycles(),
    at=days,
    as_of=st.none() | days,
    replaced=st.none() | days,
)
def test_core_and_database_agree_everywhere(
    engine: Engine,
    lifecycle: Lifecycle,
    at: datetime,
    as_of: datetime | None,
    replaced: datetime | None,
) -> None:
    expected = lifecycle.status_at(at, as_of, replaced)
    with engine.connect() as connection:
        found = _sql_status(connection, lifecycle, at, as_of, replaced)
    assert found == (expected.value if expected is not None else None)
