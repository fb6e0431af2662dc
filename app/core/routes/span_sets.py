"""Many interval sets at once, as flat arrays: rows (owner, low, high) sorted by owner, then low.

The route check works out, for hundreds of hazards per route, where each one's altitude band,
validity window and area lie along the route. Doing that hazard by hazard in Python costs more
than the geometry; these functions do it for all hazards in a few numpy calls. Within one owner
the intervals are disjoint and increasing, as `piecewise.merge` leaves them.
"""

from dataclasses import dataclass

import numpy as np

from app.core.arrays import BoolArray, FloatArray, IntArray
from app.core.routes.piecewise import Piecewise


@dataclass(frozen=True)
class SpanSets:
    """Interval sets of many owners: row i is [low[i], high[i]] of owner[i]."""

    owner: IntArray
    low: FloatArray
    high: FloatArray

    def __len__(self) -> int:
        return len(self.owner)

    def select(self, rows: BoolArray | IntArray) -> "SpanSets":
        """The given rows (a mask or increasing indices keep the order)."""
        return SpanSets(self.owner[rows], self.low[rows], self.high[rows])

    def as_lists(self) -> dict[int, list[tuple[float, float]]]:
        """{owner: [(low, high), …]}, the shape `piecewise` functions use."""
        result: dict[int, list[tuple[float, float]]] = {}
        for number, low, high in zip(
            self.owner.tolist(), self.low.tolist(), self.high.tolist(), strict=True
        ):
            result.setdefault(number, []).append((low, high))
        return result


def empty() -> SpanSets:
    """No intervals at all."""
    return SpanSets(np.empty(0, np.int64), np.empty(0), np.empty(0))


def merge_runs(spans: SpanSets, gap: float) -> SpanSets:
    """Join consecutive rows of one owner that overlap or lie within `gap` of each other.

    Rows must already be sorted by owner, then low, with non-decreasing highs within an owner.
    """
    if len(spans) < 2:
        return spans
    starts_run = np.ones(len(spans), dtype=bool)
    starts_run[1:] = (spans.owner[1:] != spans.owner[:-1]) | (spans.low[1:] > spans.high[:-1] + gap)
    first = np.flatnonzero(starts_run)
    last = np.append(first[1:] - 1, len(spans) - 1)
    return SpanSets(spans.owner[first], spans.low[first], spans.high[last])


def within_many(
    function: Piecewise, lows: FloatArray, highs: FloatArray, high_open: bool = False
) -> SpanSets:
    """For each owner i, the x intervals where lows[i] <= y(x) <= highs[i]; ±inf are open.

    The same answer as `Piecewise.within` once per owner (tested against it), merged with the
    same 1e-6 gap.
    """
    xs = np.asarray(function.xs, dtype=float)
    ys = np.asarray(function.ys, dtype=float)
    x0, x1, y0, y1 = xs[:-1], xs[1:], ys[:-1], ys[1:]
    real = x1 > x0
    x0, x1, y0, y1 = x0[real], x1[real], y0[real], y1[real]
    low = np.asarray(lows, dtype=float)[:, None]
    high = np.asarray(highs, dtype=float)[:, None]
    rising = y1 - y0
    flat = rising == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        # ±inf bounds divide to ∓inf as `_linear_within` sets them by hand.
        t_low = (low - y0) / rising
        t_high = (high - y0) / rising
    t_start = np.maximum(0.0, np.minimum(t_low, t_high))
    t_end = np.minimum(1.0, np.maximum(t_low, t_high))
    level_inside = (low <= y0) & (y0 <= high)
    if high_open:
        level_inside &= y0 != high
    t_start = np.where(flat, 0.0, t_start)
    t_end = np.where(flat, 1.0, t_end)
    keep = np.where(flat, level_inside, t_start <= t_end)
    owner, piece = np.nonzero(keep)
    span = x1[piece] - x0[piece]
    spans = SpanSets(
        owner.astype(np.int64),
        x0[piece] + span * t_start[owner, piece],
        x0[piece] + span * t_end[owner, piece],
    )
    return merge_runs(spans, 1e-6)


def intersect_by_key(first: SpanSets, first_key: IntArray, second: SpanSets) -> SpanSets:
    """Each row of `first` cut by the intervals of `second` whose owner is that row's key.

    The result keeps the owners of `first`; rows are still sorted when every owner of `first`
    has one key. Like `piecewise.intersect`, an intersection that is a single point is kept.
    """
    begin = np.searchsorted(second.owner, first_key, side="left")
    count = np.searchsorted(second.owner, first_key, side="right") - begin
    total = int(count.sum())
    row = np.repeat(np.arange(len(first), dtype=np.int64), count)
    local = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    other = np.repeat(begin, count) + local
    low = np.maximum(first.low[row], second.low[other])
    high = np.minimum(first.high[row], second.high[other])
    keep = low <= high
    return SpanSets(first.owner[row][keep], low[keep], high[keep])
