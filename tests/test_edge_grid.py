"""The edge grid: its candidates against a brute-force bucket count, and builds in slices and
chunks equal to builds in one piece."""

import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from app.core.risk.edge_grid import EdgeGrid
from app.core.risk.lateral import edge_arrays_of

BUCKET_DEG = 1.0


def _buckets_of(x0: float, y0: float, x1: float, y1: float) -> set[tuple[int, int]]:
    """The (column, row) cells a segment's box covers, counted cell by cell in plain Python."""
    columns = range(
        math.floor((min(x0, x1) + 180) / BUCKET_DEG),
        math.floor((max(x0, x1) + 180) / BUCKET_DEG) + 1,
    )
    rows = range(
        math.floor((min(y0, y1) + 90) / BUCKET_DEG), math.floor((max(y0, y1) + 90) / BUCKET_DEG) + 1
    )
    return {(c, r) for c in columns for r in rows}


def _random_segments(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Short segments (up to 3 cells long) over a small region, so buckets are shared."""
    start = np.column_stack([rng.uniform(10, 20, count), rng.uniform(40, 48, count)])
    return start, start + rng.uniform(-3, 3, (count, 2))


def test_candidates_are_the_pairs_whose_boxes_share_a_cell() -> None:
    rng = np.random.default_rng(7)
    edge_start, edge_end = _random_segments(rng, 400)
    query_start, query_end = _random_segments(rng, 60)
    grid = EdgeGrid(edge_start, edge_end, BUCKET_DEG, slice_edges=37)
    segment, edge = grid.candidates(query_start, query_end)
    found = set(zip(segment.tolist(), edge.tolist(), strict=True))
    edge_cells = [_buckets_of(*a, *b) for a, b in zip(edge_start, edge_end, strict=True)]
    expected = {
        (s, e)
        for s, (a, b) in enumerate(zip(query_start, query_end, strict=True))
        for e, cells in enumerate(edge_cells)
        if cells & _buckets_of(*a, *b)
    }
    assert expected  # the region is small enough that many pairs share cells
    assert found == expected


def test_a_grid_built_in_slices_equals_one_built_at_once() -> None:
    rng = np.random.default_rng(11)
    start, end = _random_segments(rng, 1_000)
    whole = EdgeGrid(start, end, BUCKET_DEG, slice_edges=10_000).arrays()
    for slice_edges in (1, 7, 333):
        sliced = EdgeGrid(start, end, BUCKET_DEG, slice_edges=slice_edges).arrays()
        assert sliced.keys() == whole.keys()
        for name, array in whole.items():
            np.testing.assert_array_equal(sliced[name], array, err_msg=name)


def test_edges_extracted_in_chunks_equal_edges_extracted_at_once() -> None:
    areas = [
        box(10, 40, 10.35, 40.2),
        Polygon(
            [(11, 41), (12, 41), (12, 42), (11, 42)], [[(11.2, 41.2), (11.4, 41.2), (11.3, 41.4)]]
        ),
        MultiPolygon([box(13, 43, 13.5, 43.5), box(14, 44, 14.05, 44.05)]),
        shapely.buffer(shapely.Point(15, 45), 0.4),
    ]
    whole = edge_arrays_of(areas, chunk_areas=100)
    # Every edge of every ring, split at 0.1°: one edge per consecutive pair of ring points.
    rings = [
        ring
        for area in areas
        for part in shapely.get_parts(area)
        for ring in shapely.get_rings(shapely.segmentize(part, 0.1))
    ]
    assert len(whole["edge_owner"]) == sum(len(r.coords) - 1 for r in rings)
    assert sorted(set(whole["edge_owner"].tolist())) == [0, 1, 2, 3]
    for chunk_areas in (1, 3):
        chunked = edge_arrays_of(areas, chunk_areas=chunk_areas)
        for name, array in whole.items():
            np.testing.assert_array_equal(chunked[name], array, err_msg=name)
