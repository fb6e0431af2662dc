"""Cutting a route into segments wherever the set of applicable hazards changes, and scoring each.

Input: every application's spans along the route (owner = application; one application's spans
are disjoint), and the spans that score with log(1 − r/100) of each one's raw score (each
threat's strongest record: `threats.strongest_spans`; their ends are among the applications').
The route is first cut at every span end (cuts closer than BREAKPOINT_TOLERANCE_M are one cut);
a span applies to a piece when it covers the piece's middle. Per piece, three running sums over
span starts and ends give what applies: an XOR of fixed 64-bit keys per application (equal keys
mean an equal set, so consecutive pieces with equal keys are one segment), the count (0 means
none), and over the scoring spans the sum of logs (the score; summed exactly, in fixed point).
"""

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.core.arrays import FloatArray
from app.core.routes.span_sets import SpanSets

BREAKPOINT_TOLERANCE_M = 1.0
# A raw score of 100 would make log(1 − r/100) infinite; the exact product is kept for reports.
MAX_RAW = 99.999
# Logs are summed as integers in units of 2⁻⁴⁰ (|log| ≤ 11.6, so 10⁵ hazards fit in 64 bits).
LOG_SCALE = float(2**40)
# Far above the fixed-point error (< 1e-8 of a score point) and far below any real difference.
ROUNDING_SLACK = 1e-6


@dataclass(frozen=True)
class Swept:
    """Segments as arrays: bounds, a point inside each to read its hazards off, and scores."""

    start_m: list[float]
    end_m: list[float]
    probe_m: list[float]
    score: list[float]


def round_score(score: float) -> float:
    """A score to one decimal, halves up (77.25 → 77.3), whatever the float noise below 1e-7."""
    return math.floor(score * 10.0 + 0.5 + ROUNDING_SLACK) / 10.0


def log_remaining(raw_scores: FloatArray) -> FloatArray:
    """log(1 − r/100) of each raw score (capped just below 100)."""
    return np.log1p(-np.minimum(raw_scores, MAX_RAW) / 100.0)


def application_keys(count: int) -> NDArray[np.uint64]:
    """SplitMix64 of 0 … count − 1: well-spread, deterministic 64-bit keys."""
    z = np.arange(count, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(
        0x9E3779B97F4A7C15
    )
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def cut_points(total_m: float, spans: SpanSets) -> FloatArray:
    """0, every span end, and the route's end; a cut within the tolerance of the last kept cut
    is dropped, and the last point is the route's end."""
    cuts = np.unique(np.concatenate([[0.0, total_m], spans.low, spans.high]))
    close = np.flatnonzero(np.diff(cuts) < BREAKPOINT_TOLERANCE_M)
    if close.size:
        keep = np.ones(len(cuts), dtype=bool)
        values = cuts.tolist()
        last_kept = values[0]
        previous = -2
        # Only runs of close cuts need the sequential rule: the first cut of a run is always kept.
        for i in close.tolist():
            if i != previous + 1:
                last_kept = values[i]
            if values[i + 1] - last_kept >= BREAKPOINT_TOLERANCE_M:
                last_kept = values[i + 1]
            else:
                keep[i + 1] = False
            previous = i
        cuts = cuts[keep]
    cuts[-1] = total_m
    return cuts


def sweep(total_m: float, spans: SpanSets, scoring: SpanSets, span_logs: FloatArray) -> Swept:
    """Segments covering [0, total_m]: bounds, a probe point and the score of each (`scoring`:
    the spans that score, with log(1 − r/100) of each span's raw score)."""
    points = cut_points(total_m, spans)
    middles = (points[:-1] + points[1:]) / 2.0
    pieces = len(middles)
    # A span covers pieces [first, stop): those whose middle m has low <= m < high.
    first = np.searchsorted(middles, spans.low, side="left")
    stop = np.searchsorted(middles, spans.high, side="left")
    keys = application_keys(int(spans.owner.max()) + 1 if len(spans) else 0)[spans.owner]
    toggles = np.zeros(pieces + 1, dtype=np.uint64)
    np.bitwise_xor.at(toggles, first, keys)
    np.bitwise_xor.at(toggles, stop, keys)
    signature = np.bitwise_xor.accumulate(toggles[:-1])
    # In fixed point, so that the sum is exact: the same set of hazards gives the same score
    # wherever it occurs along the route, whatever came before.
    fixed_logs = np.round(span_logs * LOG_SCALE).astype(np.int64)
    scoring_first = np.searchsorted(middles, scoring.low, side="left")
    scoring_stop = np.searchsorted(middles, scoring.high, side="left")
    steps = np.zeros(pieces + 1, dtype=np.int64)
    np.add.at(steps, scoring_first, fixed_logs)
    np.add.at(steps, scoring_stop, -fixed_logs)
    log_sum = np.cumsum(steps)[:-1]
    count = np.cumsum(np.bincount(first, None, pieces + 1) - np.bincount(stop, None, pieces + 1))
    new = np.ones(pieces, dtype=bool)
    new[1:] = signature[1:] != signature[:-1]
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], pieces)
    scores = [
        0.0 if active == 0 else round_score(100.0 * -math.expm1(value / LOG_SCALE))
        for active, value in zip(count[starts].tolist(), log_sum[starts].tolist(), strict=True)
    ]
    return Swept(points[starts].tolist(), points[ends].tolist(), middles[starts].tolist(), scores)
