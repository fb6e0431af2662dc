"""The vectorised interval sets and segment sweep agree with simple one-at-a-time versions.

Expected values come from `Piecewise.within` and `piecewise.intersect` (scalar, per owner), a
plain Python loop over the cut points, and a direct per-piece recount of which spans cover each
piece's middle, scored with `ScoringModel.combine`: none of them shares code with the numpy paths.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.risk.model import DEFAULT_MODEL
from app.core.risk.sweep import (
    BREAKPOINT_TOLERANCE_M,
    application_keys,
    cut_points,
    log_remaining,
    round_score,
    sweep,
)
from app.core.risk.threats import strongest_spans
from app.core.routes.piecewise import Piecewise, intersect, merge
from app.core.routes.span_sets import SpanSets, intersect_by_key, merge_runs, within_many

altitudes = st.sampled_from([0.0, 1_000.0, 24_000.0, 25_000.0, 33_000.0, 41_000.0])
# Bands as hazards have them: an open floor is -inf and an open ceiling +inf, never the reverse.
floors = st.sampled_from([-math.inf, 0.0, 1_000.0, 25_000.0, 32_000.0])
ceilings = st.sampled_from([1_000.0, 25_000.0, 32_000.0, 36_000.0, math.inf])


@st.composite
def profiles(draw: st.DrawFn) -> Piecewise:
    """Climb, level, descend and repeated breakpoints: the shapes route profiles take."""
    steps = draw(st.lists(st.sampled_from([0.0, 0.0, 250.0, 10_000.0]), min_size=1, max_size=7))
    xs = list(np.cumsum([0.0, *steps]))
    ys = [draw(altitudes) for _ in xs]
    return Piecewise(tuple(float(x) for x in xs), tuple(ys))


@st.composite
def interval_lists(draw: st.DrawFn) -> list[tuple[float, float]]:
    ends = sorted(draw(st.lists(st.integers(0, 1_000), min_size=0, max_size=8, unique=True)))
    return merge([(float(a), float(b)) for a, b in zip(ends[::2], ends[1::2], strict=False)])


def _sets(lists: list[list[tuple[float, float]]]) -> SpanSets:
    rows = [(n, a, b) for n, spans in enumerate(lists) for a, b in spans]
    return SpanSets(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=float),
        np.array([r[2] for r in rows], dtype=float),
    )


@settings(max_examples=300)
@given(
    profiles(),
    st.lists(st.tuples(floors, ceilings).filter(lambda b: b[0] <= b[1]), min_size=1, max_size=6),
    st.booleans(),
)
def test_within_many_matches_piecewise_within(
    profile: Piecewise, bands: list[tuple[float, float]], high_open: bool
) -> None:
    lows = np.array([low for low, _ in bands])
    highs = np.array([high for _, high in bands])
    got = within_many(profile, lows, highs, high_open).as_lists()
    for n, (low, high) in enumerate(zip(lows, highs, strict=True)):
        expected = profile.within(float(low), float(high), high_open)
        flat_got = [x for span in got.get(n, []) for x in span]
        flat_expected = [x for span in expected for x in span]
        assert flat_got == pytest.approx(flat_expected, abs=1e-9), (n, low, high)


@settings(max_examples=300)
@given(st.lists(st.tuples(interval_lists(), interval_lists()), min_size=1, max_size=5))
def test_intersect_by_key_matches_intersect(
    pairs: list[tuple[list[tuple[float, float]], list[tuple[float, float]]]],
) -> None:
    first = _sets([a for a, _ in pairs])
    second = _sets([b for _, b in pairs])
    got = intersect_by_key(first, first.owner, second).as_lists()
    for n, (a, b) in enumerate(pairs):
        assert got.get(n, []) == intersect(a, b)


def test_merge_runs_joins_within_the_gap_and_only_within_an_owner() -> None:
    spans = SpanSets(
        np.array([0, 0, 0, 1, 1]),
        np.array([0.0, 10.0005, 20.0, 20.0, 30.0]),
        np.array([10.0, 15.0, 25.0, 25.0, 35.0]),
    )
    merged = merge_runs(spans, gap=1e-3).as_lists()
    assert merged == {0: [(0.0, 15.0), (20.0, 25.0)], 1: [(20.0, 25.0), (30.0, 35.0)]}


def _greedy_cuts(total: float, ends: list[float]) -> list[float]:
    """The rule written out: keep a cut at least the tolerance past the last kept one."""
    cuts = sorted({0.0, total, *ends})
    points = [cuts[0]]
    for cut in cuts[1:]:
        if cut - points[-1] >= BREAKPOINT_TOLERANCE_M:
            points.append(cut)
    points[-1] = total
    return points


@settings(max_examples=300)
@given(st.lists(st.floats(0.0, 50.0).map(lambda x: round(x * 4) / 4), max_size=30))
def test_cut_points_follow_the_sequential_rule(ends: list[float]) -> None:
    total = 50.0
    spans = SpanSets(np.zeros(len(ends), dtype=np.int64), np.array(ends), np.array(ends))
    assert cut_points(total, spans).tolist() == _greedy_cuts(total, ends)


@st.composite
def applications(
    draw: st.DrawFn,
) -> tuple[list[list[tuple[float, float]]], list[float], list[int]]:
    count = draw(st.integers(0, 6))
    spans = [draw(interval_lists()) for _ in range(count)]
    raws = [draw(st.sampled_from([10.0, 35.0, 45.0, 65.0, 76.5, 90.0, 100.0])) for _ in spans]
    # Few threats, so that several applications often share one.
    threats = [draw(st.integers(0, 2)) for _ in spans]
    return spans, raws, threats


@settings(max_examples=300)
@given(applications())
def test_sweep_matches_a_direct_recount(
    case: tuple[list[list[tuple[float, float]]], list[float], list[int]],
) -> None:
    # The recount: at each piece's middle, the applications whose spans cover it, combined by
    # the model's plain rule (strongest of each threat, independent threats multiplied).
    lists, raws, threats = case
    total = 1_000.0
    spans = _sets(lists)
    scoring, raw = strongest_spans(
        spans, np.array(raws, dtype=float), np.array(threats, dtype=np.int64)
    )
    swept = sweep(total, spans, scoring, log_remaining(raw))
    assert swept.start_m[0] == 0.0
    assert swept.end_m[-1] == total
    assert swept.start_m[1:] == swept.end_m[:-1]
    points = _greedy_cuts(total, [x for spans_ in lists for s in spans_ for x in s])
    previous = None
    for start, end in itertools.pairwise(points):
        middle = (start + end) / 2.0
        active = [n for n, spans_ in enumerate(lists) if any(a <= middle < b for a, b in spans_)]
        segment = next(i for i, s in enumerate(swept.start_m) if s <= middle < swept.end_m[i])
        combined, _ = DEFAULT_MODEL.combine([raws[n] for n in active], [threats[n] for n in active])
        assert swept.score[segment] == (round_score(combined) if active else 0.0)
        # A new segment starts exactly where the set changes.
        assert (start in swept.start_m) == (active != previous)
        previous = active


def test_round_score_rounds_halves_up_through_float_noise() -> None:
    # 100 × (1 − 0.35 × 0.65) is 77.25 exactly; 90 × 0.85 is 76.49999999999999 in floats.
    assert round_score(DEFAULT_MODEL.combine([65.0, 35.0])[0]) == 77.3
    assert round_score(90.0 * 0.85) == 76.5
    assert round_score(77.24) == 77.2


def test_application_keys_are_distinct_and_fixed() -> None:
    keys = application_keys(100_000)
    assert len(np.unique(keys)) == 100_000
    # SplitMix64's first output for seed 0, as published with the generator (Vigna).
    assert int(keys[0]) == 0xE220A8397B1DCDAF
