"""A uniform grid over polygon edges: which edges a short route piece may cross."""

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

BUCKET_DEG = 0.25
COLUMNS = int(360 / BUCKET_DEG)
ROWS = int(180 / BUCKET_DEG)


def _buckets(
    min_x: FloatArray, min_y: FloatArray, max_x: FloatArray, max_y: FloatArray
) -> tuple[IntArray, IntArray]:
    """For boxes, every grid bucket each one covers, as (box index, bucket id) pairs."""
    column0 = np.clip(((min_x + 180.0) // BUCKET_DEG).astype(np.int64), 0, COLUMNS - 1)
    column1 = np.clip(((max_x + 180.0) // BUCKET_DEG).astype(np.int64), 0, COLUMNS - 1)
    row0 = np.clip(((min_y + 90.0) // BUCKET_DEG).astype(np.int64), 0, ROWS - 1)
    row1 = np.clip(((max_y + 90.0) // BUCKET_DEG).astype(np.int64), 0, ROWS - 1)
    width = column1 - column0 + 1
    count = width * (row1 - row0 + 1)
    owner = np.repeat(np.arange(len(count), dtype=np.int64), count)
    local = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    width_each = width[owner]
    column = column0[owner] + local % width_each
    row = row0[owner] + local // width_each
    return owner, row * COLUMNS + column


class EdgeGrid:
    """Edges (x0, y0) → (x1, y1) bucketed by the grid cells their boxes cover (CSR layout)."""

    def __init__(self, start: FloatArray, end: FloatArray) -> None:
        self.start = start
        self.end = end
        edge, bucket = _buckets(
            np.minimum(start[:, 0], end[:, 0]),
            np.minimum(start[:, 1], end[:, 1]),
            np.maximum(start[:, 0], end[:, 0]),
            np.maximum(start[:, 1], end[:, 1]),
        )
        order = np.argsort(bucket, kind="stable")
        self.edges = edge[order]
        self.offsets = np.searchsorted(bucket[order], np.arange(COLUMNS * ROWS + 1))

    def candidates(self, start: FloatArray, end: FloatArray) -> tuple[IntArray, IntArray]:
        """(segment index, edge index) pairs whose grid buckets meet (a pair sharing several
        buckets comes back more than once: the same crossing, which callers merge)."""
        segment, bucket = _buckets(
            np.minimum(start[:, 0], end[:, 0]),
            np.minimum(start[:, 1], end[:, 1]),
            np.maximum(start[:, 0], end[:, 0]),
            np.maximum(start[:, 1], end[:, 1]),
        )
        first, last = self.offsets[bucket], self.offsets[bucket + 1]
        count = last - first
        owner = np.repeat(segment, count)
        local = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(count) - count, count
        )
        edge = self.edges[np.repeat(first, count) + local]
        return owner, edge


def crossings(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray
) -> tuple[NDArray[np.bool_], FloatArray]:
    """Whether segments a→b cross c→d, and where along a→b (0..1, ends included)."""
    r = b - a
    s = d - c
    denominator = r[:, 0] * s[:, 1] - r[:, 1] * s[:, 0]
    qp = c - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qp[:, 0] * s[:, 1] - qp[:, 1] * s[:, 0]) / denominator
        u = (qp[:, 0] * r[:, 1] - qp[:, 1] * r[:, 0]) / denominator
    # Ends included: a crossing through a vertex is found twice, at the same distance, and
    # callers merge such duplicates (they test each stretch's middle, they do not count).
    hit = (denominator != 0.0) & (t >= 0.0) & (t <= 1.0) & (u >= 0.0) & (u <= 1.0)
    return hit, t
