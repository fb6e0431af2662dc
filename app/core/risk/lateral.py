"""Where along a route each hazard's area lies: exact entry and exit on straight lon/lat pieces."""

import math
from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from app.core.routes.path import Densified
from app.core.routes.piecewise import Interval

FloatArray = NDArray[np.float64]
LINESTRING = 1
POLYGON = 3


# Large areas are cut into cells of at most this size, so that each route piece meets only a
# few small polygons instead of a country outline of thousands of vertices.
CELL_DEG = 1.0
DICE_ABOVE_VERTICES = 64


def dice(area: BaseGeometry, cell_deg: float = CELL_DEG) -> list[BaseGeometry]:
    """Cut an area into its parts within a grid of cell_deg squares (exactly, no simplification)."""
    min_x, min_y, max_x, max_y = area.bounds
    if shapely.get_num_coordinates(area) <= DICE_ABOVE_VERTICES or (
        max_x - min_x <= cell_deg and max_y - min_y <= cell_deg
    ):
        return [area]
    xs = np.arange(np.floor(min_x / cell_deg) * cell_deg, max_x, cell_deg)
    ys = np.arange(np.floor(min_y / cell_deg) * cell_deg, max_y, cell_deg)
    grid_x, grid_y = np.meshgrid(xs, ys)
    cells = shapely.box(
        grid_x.ravel(), grid_y.ravel(), grid_x.ravel() + cell_deg, grid_y.ravel() + cell_deg
    )
    shapely.prepare(area)
    cells = cells[shapely.intersects(area, cells)]
    pieces = shapely.intersection(area, cells)
    parts = shapely.get_parts(pieces)
    polygonal = shapely.get_type_id(parts) == POLYGON
    return list(parts[polygonal & ~shapely.is_empty(parts)])


class LateralIndex:
    """A spatial index over hazard areas, queried with the pieces of a route."""

    def __init__(self, areas: Sequence[BaseGeometry]) -> None:
        cells: list[BaseGeometry] = []
        owners: list[int] = []
        for number, area in enumerate(areas):
            # Polygons only: a MultiPolygon's rings are its parts' rings.
            parts = [p for cell in dice(area) for p in shapely.get_parts(cell)]
            cells.extend(parts)
            owners.extend([number] * len(parts))
        self.areas = np.array(cells, dtype=object)
        self.owners = np.array(owners, dtype=np.int64)
        self.tree = STRtree(self.areas)
        # Prepared cells make the containment tests below cheap.
        shapely.prepare(self.areas)
        self._index_edges()

    def _index_edges(self) -> None:
        """Every cell's ring edges as arrays, grouped by cell (CSR: offset and count)."""
        rings, ring_cell = shapely.get_rings(self.areas, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        same_ring = coord_ring[1:] == coord_ring[:-1]
        self.edge_start = coords[:-1][same_ring]
        self.edge_end = coords[1:][same_ring]
        edge_cell = ring_cell[coord_ring[:-1][same_ring]]
        self.edge_count = np.bincount(edge_cell, minlength=len(self.areas)).astype(np.int64)
        self.edge_offset = np.concatenate([[0], np.cumsum(self.edge_count)[:-1]]).astype(np.int64)

    def intervals(self, path: Densified) -> dict[int, list[Interval]]:
        """For each hazard index the route touches, the merged distance intervals inside it."""
        starts, ends, d0, d1 = _pieces(path)
        if len(starts) == 0 or len(self.areas) == 0:
            return {}
        pieces = shapely.linestrings(np.stack([starts, ends], axis=1))
        # Envelopes select candidate (piece, cell) pairs; the cells' edges then cut each piece
        # exactly, and the middle of each resulting sub-piece says whether it is inside.
        piece_index, cell_index = self.tree.query(pieces)
        if piece_index.size == 0:
            return {}
        return _merge_by_hazard(*self._crossings(piece_index, cell_index, starts, ends, d0, d1))

    def _crossings(
        self,
        piece_index: NDArray[np.intp],
        cell_index: NDArray[np.intp],
        starts: FloatArray,
        ends: FloatArray,
        d0: FloatArray,
        d1: FloatArray,
    ) -> tuple[NDArray[np.int64], FloatArray, FloatArray]:
        """Exact entry and exit of pieces in cells.

        Every edge of the cell is tested against the piece at once (numpy): the crossings cut
        the piece into sub-pieces, and each sub-piece's middle is tested for containment
        (prepared cells). A piece that crosses no edge is one sub-piece, wholly in or out.
        """
        pairs = len(piece_index)
        counts = self.edge_count[cell_index]
        pair_of_edge = np.repeat(np.arange(pairs), counts)
        first_slot = np.repeat(np.cumsum(counts) - counts, counts)
        edges = np.repeat(self.edge_offset[cell_index], counts) + (
            np.arange(int(counts.sum())) - first_slot
        )
        a = starts[piece_index][pair_of_edge]
        r = (ends[piece_index] - starts[piece_index])[pair_of_edge]
        c = self.edge_start[edges]
        s = self.edge_end[edges] - c
        denominator = r[:, 0] * s[:, 1] - r[:, 1] * s[:, 0]
        qp = c - a
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (qp[:, 0] * s[:, 1] - qp[:, 1] * s[:, 0]) / denominator
            u = (qp[:, 0] * r[:, 1] - qp[:, 1] * r[:, 0]) / denominator
        hit = (denominator != 0.0) & (t > 0.0) & (t < 1.0) & (u >= 0.0) & (u <= 1.0)
        order = np.lexsort((t[hit], pair_of_edge[hit]))
        hit_pairs, hit_t = pair_of_edge[hit][order], t[hit][order]
        # Sub-pieces of every pair: [0, t1], [t1, t2], …, [tk, 1].
        bounds_pair = np.concatenate([np.arange(pairs), hit_pairs, np.arange(pairs)])
        bounds_t = np.concatenate([np.zeros(pairs), hit_t, np.ones(pairs)])
        order = np.lexsort((bounds_t, bounds_pair))
        bounds_pair, bounds_t = bounds_pair[order], bounds_t[order]
        same = bounds_pair[1:] == bounds_pair[:-1]
        low, high, owner = bounds_t[:-1][same], bounds_t[1:][same], bounds_pair[:-1][same]
        keep = high > low
        low, high, owner = low[keep], high[keep], owner[keep]
        middle = (low + high) / 2.0
        piece_of = piece_index[owner]
        origin = starts[piece_of]
        direction = ends[piece_of] - origin
        inside = shapely.contains_xy(
            self.areas[cell_index[owner]],
            origin[:, 0] + middle * direction[:, 0],
            origin[:, 1] + middle * direction[:, 1],
        )
        span = d1[piece_of] - d0[piece_of]
        start_m = d0[piece_of] + span * low
        end_m = d0[piece_of] + span * high
        hazards = self.owners[cell_index[owner]]
        return hazards[inside], start_m[inside], end_m[inside]


def _merge_by_hazard(
    hazards: NDArray[np.int64], starts: FloatArray, ends: FloatArray, gap_m: float = 1e-3
) -> dict[int, list[Interval]]:
    """Join each hazard's overlapping or touching spans (vectorised: one sort, one scan)."""
    if hazards.size == 0:
        return {}
    order = np.lexsort((starts, hazards))
    hazards, starts, ends = hazards[order], starts[order], ends[order]
    # Shift each hazard's spans far apart so one running maximum serves all of them.
    shift = hazards.astype(np.float64) * 1e9
    reach = np.maximum.accumulate(ends + shift)
    opens = np.ones(hazards.size, dtype=bool)
    opens[1:] = (starts[1:] + shift[1:]) > reach[:-1] + gap_m
    first = np.nonzero(opens)[0]
    group_end = np.maximum.reduceat(ends, first)
    result: dict[int, list[Interval]] = {}
    for hazard, start, end in zip(
        hazards[first].tolist(), starts[first].tolist(), group_end.tolist(), strict=True
    ):
        result.setdefault(hazard, []).append((start, end))
    return result


def _pieces(path: Densified) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Straight pieces between consecutive points, cut in two where they cross 180°."""
    lon, lat, along = path.lon.copy(), path.lat, path.distance_m
    # A point exactly on 180° may come back as -180 or 180; take the side its neighbour is on,
    # so that a piece ending on the line is not mistaken for one crossing it.
    for i in np.nonzero(np.abs(lon) == 180.0)[0]:
        if i > 0:
            lon[i] = math.copysign(180.0, lon[i - 1]) if lon[i - 1] != 0.0 else lon[i]
        else:
            after = lon[np.abs(lon) != 180.0]
            lon[i] = math.copysign(180.0, after[0]) if after.size and after[0] != 0.0 else lon[i]
    step = np.diff(lon)
    crosses = np.abs(step) > 180.0
    starts = np.stack([lon[:-1], lat[:-1]], axis=1)
    ends = np.stack([lon[1:], lat[1:]], axis=1)
    d0, d1 = along[:-1].copy(), along[1:].copy()
    if not crosses.any():
        return starts, ends, d0, d1
    keep = ~crosses
    new_starts, new_ends, new_d0, new_d1 = [starts[keep]], [ends[keep]], [d0[keep]], [d1[keep]]
    for i in np.nonzero(crosses)[0]:
        east_to_west = step[i] < 0  # e.g. 179.9 → -179.9
        edge = 180.0 if east_to_west else -180.0
        far_lon = lon[i + 1] + (360.0 if east_to_west else -360.0)
        t = (edge - lon[i]) / (far_lon - lon[i])
        cut_lat = lat[i] + t * (lat[i + 1] - lat[i])
        cut_d = along[i] + t * (along[i + 1] - along[i])
        new_starts += [np.array([[lon[i], lat[i]]]), np.array([[-edge, cut_lat]])]
        new_ends += [np.array([[edge, cut_lat]]), np.array([[lon[i + 1], lat[i + 1]]])]
        new_d0 += [np.array([along[i]]), np.array([cut_d])]
        new_d1 += [np.array([cut_d]), np.array([along[i + 1]])]
    return (
        np.concatenate(new_starts),
        np.concatenate(new_ends),
        np.concatenate(new_d0),
        np.concatenate(new_d1),
    )
