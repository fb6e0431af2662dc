"""A checker changed step by step (`RouteChecker.with_changes`: the base's index shared, changed
hazards masked off and indexed apart) answers exactly as a checker built afresh from the final
hazards. The expected answer is that fresh build: an independent computation of the same set."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.risk.check import RouteCheck, RouteChecker
from app.core.risk.hazard_set import key_of
from app.core.risk.hazards import Hazard, HazardLayer
from tests.routing import plan, rectangle, zone

# Zones along 40°N between 40°E and 60°E, and a route through all of them.
ROUTE = plan([(38.0, 40.5), (62.0, 40.5)])
IDS = [f"z{n}" for n in range(6)]


def _zone(zone_id: str, west: float, width: float, level: int, upper: float | None) -> Hazard:
    return zone(
        rectangle(west, 39.0, west + width, 42.0), level=level, upper_ft=upper, zone_id=zone_id
    )


zones = st.builds(
    _zone,
    st.sampled_from(IDS),
    st.floats(min_value=40.0, max_value=58.0),
    st.floats(min_value=0.5, max_value=6.0),
    st.integers(min_value=1, max_value=3),
    st.sampled_from([None, 20_000.0, 40_000.0]),
)
# A change: hazards (re)written, and ids retired.
changes = st.tuples(st.lists(zones, max_size=3), st.lists(st.sampled_from(IDS), max_size=2))


def _answer(result: RouteCheck) -> list[tuple[Any, ...]]:
    """What a dispatcher reads: each segment's extent, score, category and hazards."""
    return [
        (
            round(s.start_m, 3),
            round(s.end_m, 3),
            round(s.score, 9),
            s.category,
            sorted((h.hazard.id, h.above_ceiling, round(h.raw_score, 9)) for h in s.hazards),
        )
        for s in result.segments
    ]


@settings(max_examples=60, deadline=None)
@given(initial=st.lists(zones, max_size=5), steps=st.lists(changes, min_size=1, max_size=4))
def test_changed_checker_answers_as_a_fresh_build(
    initial: list[Hazard], steps: list[tuple[list[Hazard], list[str]]]
) -> None:
    state = {key_of(h): h for h in initial}
    checker = RouteChecker(list(state.values()))
    for written, retired in steps:
        removed = {(HazardLayer.CONFLICT_ZONE, zone_id) for zone_id in retired}
        written_now = {key_of(h): h for h in written if key_of(h) not in removed}
        for key in removed:
            state.pop(key, None)
        state.update(written_now)
        checker = checker.with_changes(removed, list(written_now.values()))
    fresh = RouteChecker(list(state.values()))
    assert sorted(map(key_of, checker.hazards)) == sorted(state)
    assert _answer(checker.check(ROUTE)) == _answer(fresh.check(ROUTE))


def test_the_checker_changed_from_is_unchanged() -> None:
    # Checks under way keep the checker they started with.
    before = RouteChecker([_zone("z0", 45.0, 2.0, 3, None)])
    after = before.with_changes({(HazardLayer.CONFLICT_ZONE, "z0")}, [])
    assert [h.id for h in before.hazards] == ["z0"]
    assert after.hazards == []
    assert before.check(ROUTE).segments[1].category != "none"
    assert {s.category for s in after.check(ROUTE).segments} == {"none"}
