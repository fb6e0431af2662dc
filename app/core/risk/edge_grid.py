"""A uniform grid over polygon edges: which edges a short route piece may cross."""

import numpy as np

from app.core.arrays import FloatArray, IntArray, NamedArrays

BUCKET_DEG = 0.1
BUILD_SLICE_EDGES = 1_000_000


def _buckets(
    bucket_deg: float, min_x: FloatArray, min_y: FloatArray, max_x: FloatArray, max_y: FloatArray
) -> tuple[IntArray, IntArray]:
    """For boxes, every grid bucket each one covers, as (box index, bucket id) pairs."""
    columns, rows = round(360 / bucket_deg), round(180 / bucket_deg)
    column0 = np.clip(((min_x + 180.0) // bucket_deg).astype(np.int64), 0, columns - 1)
    column1 = np.clip(((max_x + 180.0) // bucket_deg).astype(np.int64), 0, columns - 1)
    row0 = np.clip(((min_y + 90.0) // bucket_deg).astype(np.int64), 0, rows - 1)
    row1 = np.clip(((max_y + 90.0) // bucket_deg).astype(np.int64), 0, rows - 1)
    width = column1 - column0 + 1
    count = width * (row1 - row0 + 1)
    owner = np.repeat(np.arange(len(count), dtype=np.int64), count)
    local = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    width_each = width[owner]
    column = column0[owner] + local % width_each
    row = row0[owner] + local // width_each
    return owner, row * columns + column


class EdgeGrid:
    """Edges (x0, y0) → (x1, y1) bucketed by the grid cells their boxes cover.

    Only occupied buckets are stored (sorted ids, CSR offsets), so fine buckets cost no memory
    over empty sea.
    """

    def __init__(
        self,
        start: FloatArray,
        end: FloatArray,
        bucket_deg: float = BUCKET_DEG,
        slice_edges: int = BUILD_SLICE_EDGES,
    ) -> None:
        # x and y columns, contiguous: `crossings` gathers from them.
        self.start = np.ascontiguousarray(start.T)
        self.end = np.ascontiguousarray(end.T)
        self.bucket_deg = bucket_deg
        # A counting sort, in slices of edges: one pass counts each bucket's edges, the next
        # writes every edge to its place. Sorting all (edge, bucket) pairs at once held several
        # arrays of one int64 per pair (12.9 GB at 100,000 zones); this holds the result, one
        # count per grid bucket and one slice's temporaries. int32 edge indices halve the
        # largest array (a grid of more than 2^31 edges would not fit anyway).
        slices = [
            (low, start[low : low + slice_edges], end[low : low + slice_edges])
            for low in range(0, len(start), slice_edges)
        ]
        bucket_count = round(360 / bucket_deg) * round(180 / bucket_deg)
        counts = np.zeros(bucket_count, dtype=np.int64)
        for _, slice_start, slice_end in slices:
            _, bucket = _buckets(bucket_deg, *_boxes(slice_start, slice_end))
            counts += np.bincount(bucket, minlength=bucket_count)
        first = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(counts)])
        self.edges = np.empty(int(first[-1]), dtype=np.int32)
        cursor = first[:-1].copy()
        for low, slice_start, slice_end in slices:
            edge, bucket = _buckets(bucket_deg, *_boxes(slice_start, slice_end))
            # Stable: within a bucket, edges stay in increasing order (slices come in order).
            order = np.argsort(bucket, kind="stable")
            edge, bucket = edge[order], bucket[order]
            run_start = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
            run_length = np.diff(np.r_[run_start, len(bucket)])
            rank = np.arange(len(bucket)) - np.repeat(run_start, run_length)
            self.edges[cursor[bucket] + rank] = edge + low
            cursor[bucket[run_start]] += run_length
        self.occupied = np.flatnonzero(counts)
        self.offsets = np.append(first[self.occupied], first[-1]).astype(np.int64)

    def arrays(self) -> NamedArrays:
        """Everything the grid holds, as named arrays (to be stored and mapped elsewhere)."""
        return {
            "start": self.start, "end": self.end, "edges": self.edges,
            "occupied": self.occupied, "offsets": self.offsets,
            "bucket_deg": np.array([self.bucket_deg]),
        }  # fmt: skip

    @classmethod
    def from_arrays(cls, arrays: NamedArrays) -> "EdgeGrid":
        """A grid over arrays that `arrays()` gave (memory-mapped ones are not copied)."""
        grid = cls.__new__(cls)
        grid.start, grid.end, grid.edges = arrays["start"], arrays["end"], arrays["edges"]
        grid.occupied, grid.offsets = arrays["occupied"], arrays["offsets"]
        grid.bucket_deg = float(arrays["bucket_deg"][0])
        return grid

    def candidates(self, start: FloatArray, end: FloatArray) -> tuple[IntArray, IntArray]:
        """(segment index, edge index) pairs whose grid buckets meet (a pair sharing several
        buckets comes back more than once: the same crossing, which callers merge)."""
        segment, bucket = _buckets(self.bucket_deg, *_boxes(start, end))
        slot = np.searchsorted(self.occupied, bucket)
        slot = np.minimum(slot, len(self.occupied) - 1)
        found = self.occupied[slot] == bucket if len(self.occupied) else np.zeros(0, dtype=bool)
        segment, slot = segment[found], slot[found]
        first, last = self.offsets[slot], self.offsets[slot + 1]
        count = last - first
        owner = np.repeat(segment, count)
        local = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(count) - count, count
        )
        edge = self.edges[np.repeat(first, count) + local]
        return owner, edge


def _boxes(
    start: FloatArray, end: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Bounding boxes of segments: min x, min y, max x, max y."""
    return (
        np.minimum(start[:, 0], end[:, 0]),
        np.minimum(start[:, 1], end[:, 1]),
        np.maximum(start[:, 0], end[:, 0]),
        np.maximum(start[:, 1], end[:, 1]),
    )


def crossings(
    piece_start: FloatArray,
    piece_end: FloatArray,
    piece: IntArray,
    edge_start: FloatArray,
    edge_end: FloatArray,
    edge: IntArray,
) -> tuple[IntArray, FloatArray]:
    """Which (piece[i], edge[i]) pairs cross, and where along the piece (0..1, ends included).

    Coordinates come as x and y columns ((2, n) arrays): gathering whole rows of a large edge
    array costs more than the arithmetic. Returns the indices i that cross and their t.
    """
    px, py = piece_start[0][piece], piece_start[1][piece]
    rx, ry = piece_end[0][piece] - px, piece_end[1][piece] - py
    qx, qy = edge_start[0][edge], edge_start[1][edge]
    sx, sy = edge_end[0][edge] - qx, edge_end[1][edge] - qy
    qx -= px
    qy -= py
    denominator = rx * sy - ry * sx
    t_numerator = qx * sy - qy * sx
    u_numerator = qx * ry - qy * rx
    # t = t_numerator / denominator and u likewise must lie in [0, 1]: compared without
    # dividing, on each sign of the denominator (0: parallel, no single crossing point).
    # Ends included: a crossing through a vertex is found twice, at the same distance, and
    # callers merge such duplicates (they test each stretch's middle, they do not count).
    positive = denominator > 0.0
    negative = denominator < 0.0
    hit = (
        positive
        & (t_numerator >= 0.0)
        & (t_numerator <= denominator)
        & (u_numerator >= 0.0)
        & (u_numerator <= denominator)
    ) | (
        negative
        & (t_numerator <= 0.0)
        & (t_numerator >= denominator)
        & (u_numerator <= 0.0)
        & (u_numerator >= denominator)
    )
    index = np.flatnonzero(hit)
    return index, t_numerator[index] / denominator[index]
