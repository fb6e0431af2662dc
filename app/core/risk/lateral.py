"""Where along a route each hazard's area lies: exact entry and exit on straight lon/lat pieces."""

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from app.core.routes.path import Densified
from app.core.routes.piecewise import Interval, merge

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
            parts = dice(area)
            cells.extend(parts)
            owners.extend([number] * len(parts))
        self.areas = np.array(cells, dtype=object)
        self.owners = np.array(owners, dtype=np.int64)
        self.tree = STRtree(self.areas)

    def intervals(self, path: Densified) -> dict[int, list[Interval]]:
        """For each hazard index the route touches, the merged distance intervals inside it."""
        starts, ends, d0, d1 = _pieces(path)
        if len(starts) == 0 or len(self.areas) == 0:
            return {}
        pieces = shapely.linestrings(np.stack([starts, ends], axis=1))
        # Envelopes only: the intersection below settles what really overlaps.
        piece_index, cell_index = self.tree.query(pieces)
        if piece_index.size == 0:
            return {}
        overlaps = shapely.intersection(pieces[piece_index], self.areas[cell_index])
        area_index = self.owners[cell_index]
        parts, owner = shapely.get_parts(overlaps, return_index=True)
        lines = (shapely.get_type_id(parts) == LINESTRING) & ~shapely.is_empty(parts)
        parts, owner = parts[lines], owner[lines]
        if parts.size == 0:
            return {}
        first = _xy(shapely.get_point(parts, 0))
        last = _xy(shapely.get_point(parts, -1))
        pair_piece = piece_index[owner]
        a, b = starts[pair_piece], ends[pair_piece]
        t_first = _fraction(a, b, first)
        t_last = _fraction(a, b, last)
        span = d1[pair_piece] - d0[pair_piece]
        along_first = d0[pair_piece] + span * np.minimum(t_first, t_last)
        along_last = d0[pair_piece] + span * np.maximum(t_first, t_last)
        found: dict[int, list[Interval]] = defaultdict(list)
        for hazard, start, end in zip(
            area_index[owner].tolist(), along_first.tolist(), along_last.tolist(), strict=True
        ):
            found[hazard].append((start, end))
        return {hazard: merge(spans, gap=1e-3) for hazard, spans in found.items()}


def _xy(points: NDArray[np.object_]) -> FloatArray:
    """Coordinates of points as an (n, 2) array, one row per point."""
    return np.stack([shapely.get_x(points), shapely.get_y(points)], axis=1)


def _fraction(a: FloatArray, b: FloatArray, points: FloatArray) -> FloatArray:
    """Position of points on segments a→b as a fraction in [0, 1]."""
    direction = b - a
    length2 = np.einsum("ij,ij->i", direction, direction)
    length2 = np.where(length2 == 0.0, 1.0, length2)
    t = np.einsum("ij,ij->i", points - a, direction) / length2
    clipped: FloatArray = np.clip(t, 0.0, 1.0)
    return clipped


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
