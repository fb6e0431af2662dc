"""Where along a route each hazard's area lies: exact entry and exit on straight lon/lat pieces.

The route is cut into short pieces, straight in lon/lat like the areas' edges. Every edge the
route crosses is found through a grid over all edges (numpy, no overlay); between consecutive
crossings of an area the route is wholly inside or wholly outside it, which one test of the
stretch's middle point settles. Areas the route starts in are found with an STRtree.
"""

import math
import threading
from collections.abc import Sequence

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from app.core.arrays import BoolArray, FloatArray, GeometryArray, IntArray, NamedArrays
from app.core.risk.edge_grid import BUCKET_DEG, EdgeGrid, crossings
from app.core.routes.path import Densified
from app.core.routes.piecewise import Interval
from app.core.routes.span_sets import SpanSets, empty, merge_runs

# Crossings closer than this along the route are one crossing (a piece ending on an edge).
SAME_CROSSING_M = 1e-3
# Areas whose edges are extracted at a time (bounds the build's temporaries).
EDGE_CHUNK_AREAS = 2_000


class LateralIndex:
    """All hazard areas' edges in a grid, and the areas themselves (prepared) in an STRtree."""

    def __init__(
        self,
        areas: Sequence[BaseGeometry],
        edges: NamedArrays | None = None,
    ) -> None:
        """Index the areas; `edges` are the edge arrays (`edge_arrays()`) of the same areas,
        indexed before (perhaps by another process, and memory-mapped), not computed again."""
        self.areas = np.array(areas, dtype=object)
        shapely.prepare(self.areas)
        self.tree = STRtree(self.areas)
        # GEOS builds a prepared geometry's indexes lazily, on first use, without a lock: a
        # checker shared by server threads must not race there (it crashed the process).
        # Build them now, and keep the GEOS calls of one query to one thread at a time.
        if len(areas):
            probes = shapely.get_coordinates(shapely.point_on_surface(self.areas))
            shapely.contains_xy(self.areas, probes[:, 0], probes[:, 1])
            shapely.intersects(self.areas, shapely.points(probes))
        self._geos = threading.Lock()
        edges = edge_arrays_of(areas) if edges is None else edges
        self.edge_owner = edges["edge_owner"]
        self.grid = EdgeGrid.from_arrays(edges)

    def edge_arrays(self) -> NamedArrays:
        """The edge grid and each edge's area, as named arrays (see `edges` above)."""
        return {"edge_owner": self.edge_owner, **self.grid.arrays()}

    def intervals(self, path: Densified) -> dict[int, list[Interval]]:
        """For each hazard index the route touches, the merged distance intervals inside it."""
        return self.spans(path).as_lists()

    def spans(self, path: Densified) -> SpanSets:
        """The merged distance intervals inside each area the route touches (owner: area)."""
        starts, ends, d0, d1 = _pieces(path)
        if len(starts) == 0 or len(self.areas) == 0:
            return empty()
        order = np.argsort(d0, kind="stable")
        starts, ends, d0, d1 = starts[order], ends[order], d0[order], d1[order]
        piece, edge = self.grid.candidates(starts, ends)
        hit, t = crossings(
            np.ascontiguousarray(starts.T), np.ascontiguousarray(ends.T), piece,
            self.grid.start, self.grid.end, edge,
        )  # fmt: skip
        piece, edge = piece[hit], edge[hit]
        area = self.edge_owner[edge]
        along = d0[piece] + (d1[piece] - d0[piece]) * t
        # Areas containing the start (or with the start on their edge) count even uncrossed.
        with self._geos:
            starting = self.tree.query(shapely.points(starts[0]), predicate="intersects")
        touched = np.union1d(np.unique(area), starting)
        if touched.size == 0:
            return empty()
        total = float(d1[-1])
        # Stretches between consecutive crossings of each area: [0, c1], [c1, c2], …, [ck, total].
        bound_area = np.concatenate([touched, area, touched])
        bound_at = np.concatenate(
            [np.zeros(touched.size), np.round(along / SAME_CROSSING_M) * SAME_CROSSING_M,
             np.full(touched.size, total)]
        )  # fmt: skip
        order = np.lexsort((bound_at, bound_area))
        bound_area, bound_at = bound_area[order], bound_at[order]
        same = bound_area[1:] == bound_area[:-1]
        owner = bound_area[:-1][same].astype(np.int64)
        low, high = bound_at[:-1][same], bound_at[1:][same]
        keep = high - low > SAME_CROSSING_M
        owner, low, high = owner[keep], low[keep], high[keep]
        x, y = _interpolate(starts, ends, d0, d1, (low + high) / 2.0)
        # The boundary counts as inside: a zone split at 180° has the 180° line as its edge,
        # and a route flown along that line is inside the zone.
        with self._geos:
            inside = shapely.intersects_xy(self.areas[owner], x, y)
        return merge_runs(SpanSets(owner[inside], low[inside], high[inside]), SAME_CROSSING_M)


def edge_arrays_of(
    areas: Sequence[BaseGeometry], chunk_areas: int = EDGE_CHUNK_AREAS
) -> NamedArrays:
    """Every edge of the areas in a grid, and each edge's area (see `EdgeGrid`)."""
    # In chunks of areas, twice: once to count the edges, once to write them in place. Only
    # one chunk's split geometries, rings and coordinates are held at a time (holding every
    # chunk's edges until the whole arrays could be sized took 1.7 GB at 100,000 zones).
    chunks = range(0, len(areas), chunk_areas)
    total = sum(_edge_count(areas[low : low + chunk_areas]) for low in chunks)
    edge_owner = np.empty(total, dtype=np.int32)
    # x and y rows, the layout the grid keeps.
    start, end = np.empty((2, total)), np.empty((2, total))
    at = 0
    for low in chunks:
        owner, chunk_start, chunk_end = _edges_of(areas[low : low + chunk_areas], low)
        count = len(owner)
        edge_owner[at : at + count] = owner
        start[:, at : at + count] = chunk_start
        end[:, at : at + count] = chunk_end
        at += count
    grid = EdgeGrid(start.T, end.T)
    return {"edge_owner": edge_owner, **grid.arrays()}


def _rings_of(areas: Sequence[BaseGeometry]) -> tuple[GeometryArray, IntArray, IntArray]:
    """The areas' rings, long edges split (exactly: the new points lie on them) so none spans
    many grid buckets; each ring's part, and each part's area (numbered within `areas`)."""
    parts, part_area = shapely.get_parts(np.array(areas, dtype=object), return_index=True)
    rings, ring_part = shapely.get_rings(shapely.segmentize(parts, BUCKET_DEG), return_index=True)
    return rings, ring_part, part_area


def _edge_count(areas: Sequence[BaseGeometry]) -> int:
    """How many edges `_edges_of` finds (a ring of n points has n - 1)."""
    rings, _, _ = _rings_of(areas)
    return int(np.maximum(shapely.get_num_coordinates(rings) - 1, 0).sum())


def _edges_of(
    areas: Sequence[BaseGeometry], first_area: int
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Each edge's area (numbered from `first_area`), start and end (x and y rows)."""
    rings, ring_part, part_area = _rings_of(areas)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    same_ring = coord_ring[1:] == coord_ring[:-1]  # consecutive points of one ring: an edge
    owner = (part_area[ring_part[coord_ring[:-1][same_ring]]] + first_area).astype(np.int32)
    return owner, coords[:-1][same_ring].T, coords[1:][same_ring].T


def _interpolate(
    starts: FloatArray, ends: FloatArray, d0: FloatArray, d1: FloatArray, at: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Points on the (sorted) pieces at distances along the route."""
    index = np.clip(np.searchsorted(d0, at, side="right") - 1, 0, len(d0) - 1)
    span = d1[index] - d0[index]
    fraction = np.where(span > 0.0, (at - d0[index]) / np.where(span > 0.0, span, 1.0), 0.0)
    point = starts[index] + (ends[index] - starts[index]) * fraction[:, None]
    return point[:, 0], point[:, 1]


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
    # Over a pole the longitude jumps by 180°: fly the piece up one meridian to the pole and
    # down the other, which is where the geodesic goes.
    over_pole = (
        (np.abs(np.abs(step) - 180.0) < 1e-6)
        & (np.abs(lat[:-1]) > 60.0)
        & (np.abs(lat[:-1]) < 90.0)
        & (np.abs(lat[1:]) < 90.0)
    )
    if over_pole.any():
        return _with_pole_pieces(lon, lat, along, over_pole)
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


def _with_pole_pieces(
    lon: FloatArray, lat: FloatArray, along: FloatArray, over_pole: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Insert the pole between the ends of pieces that pass over it, then cut as usual."""
    new_lon, new_lat, new_along = [lon[0]], [lat[0]], [along[0]]
    for i in range(len(lon) - 1):
        if over_pole[i]:
            pole = math.copysign(90.0, lat[i])
            up, down = pole - lat[i], pole - lat[i + 1]
            share = abs(up) / (abs(up) + abs(down)) if abs(up) + abs(down) > 0 else 0.5
            at_pole = along[i] + share * (along[i + 1] - along[i])
            new_lon += [lon[i], lon[i + 1]]
            new_lat += [pole, pole]
            new_along += [at_pole, at_pole]
        new_lon.append(lon[i + 1])
        new_lat.append(lat[i + 1])
        new_along.append(along[i + 1])
    path = Densified(np.array(new_lon), np.array(new_lat), np.array(new_along))
    starts, ends, d0, d1 = _pieces(path)
    # The stretch along the pole itself (lon changes at lat ±90) is a point: drop it.
    keep = ~((np.abs(starts[:, 1]) == 90.0) & (np.abs(ends[:, 1]) == 90.0))
    return starts[keep], ends[keep], d0[keep], d1[keep]
