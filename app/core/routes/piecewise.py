"""Piecewise-linear functions of distance along the route, and where they lie within bounds."""

import math
from bisect import bisect_right
from dataclasses import dataclass

Interval = tuple[float, float]


@dataclass(frozen=True)
class Piecewise:
    """y(x) linear between breakpoints xs (increasing) with values ys."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.xs) != len(self.ys) or len(self.xs) < 2:
            raise ValueError("a piecewise-linear function needs matching xs and ys, two or more")

    def at(self, x: float) -> float:
        """The value at x (clamped to the ends)."""
        if x <= self.xs[0]:
            return self.ys[0]
        if x >= self.xs[-1]:
            return self.ys[-1]
        i = bisect_right(self.xs, x) - 1
        x0, x1, y0, y1 = self.xs[i], self.xs[i + 1], self.ys[i], self.ys[i + 1]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)

    def within(self, low: float, high: float, high_open: bool = False) -> list[Interval]:
        """The x intervals where low <= y(x) <= high (±inf for open bounds), merged.

        With high_open, a stretch flown level exactly at `high` is not within ("below FL320"
        does not include FL320); where y only passes through `high` it makes no difference.
        """
        result: list[Interval] = []
        for i in range(len(self.xs) - 1):
            x0, x1, y0, y1 = self.xs[i], self.xs[i + 1], self.ys[i], self.ys[i + 1]
            if x1 <= x0 or (high_open and y0 == y1 == high):
                continue
            piece = _linear_within(x0, x1, y0, y1, low, high)
            if piece is not None:
                result.append(piece)
        return merge(result)


def _linear_within(
    x0: float, x1: float, y0: float, y1: float, low: float, high: float
) -> Interval | None:
    """Where a linear piece lies within [low, high]; exact crossing points."""
    if y0 == y1:
        return (x0, x1) if low <= y0 <= high else None
    # Parameter t in [0, 1] where y crosses each bound; the piece is monotonic.
    t_low = (low - y0) / (y1 - y0) if math.isfinite(low) else (-math.inf if y1 > y0 else math.inf)
    t_high = (
        (high - y0) / (y1 - y0) if math.isfinite(high) else (math.inf if y1 > y0 else -math.inf)
    )
    t_start, t_end = max(0.0, min(t_low, t_high)), min(1.0, max(t_low, t_high))
    if t_start > t_end:
        return None
    return x0 + (x1 - x0) * t_start, x0 + (x1 - x0) * t_end


def merge(intervals: list[Interval], gap: float = 1e-6) -> list[Interval]:
    """Sort and join intervals that overlap or touch (within gap); drop reversed ones."""
    ordered = sorted((a, b) for a, b in intervals if b >= a)
    merged: list[Interval] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1] + gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect(first: list[Interval], second: list[Interval]) -> list[Interval]:
    """Intervals common to two merged, sorted interval lists."""
    result: list[Interval] = []
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start <= end:
            result.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result
