"""The route's lateral path: geodesics on WGS84 between waypoints, and points along them."""

import math
from dataclasses import dataclass

import numpy as np

from app.core.arrays import FloatArray
from app.core.geodesy import WGS84
from app.core.units import METRES_PER_NM

# Pieces are straight in lon/lat (like polygon edges), so they are kept short enough that the
# straight piece stays within a few metres of the geodesic it stands for.
MAX_PIECE_M = 5_000.0
MAX_PIECE_LON_DEG = 0.5
MIN_LEG_M = 0.5
# The work budget of one route: about twice round the Earth, and the pieces that takes (with
# room for the extra pieces near a pole). The longest scheduled flights are under 9,600 NM.
MAX_ROUTE_NM = 40_000.0
MAX_PIECES = 60_000
MIN_ROUTE_M = 10.0  # shorter than this is not a flight


class PathError(ValueError):
    """Waypoints that do not make a route."""


@dataclass(frozen=True)
class Leg:
    """One geodesic between consecutive (distinct) waypoints."""

    lon: float
    lat: float
    azimuth_deg: float
    length_m: float
    start_m: float
    waypoint_index: int


@dataclass(frozen=True)
class Densified:
    """Points along the path, dense enough for straight lon/lat pieces, with their distances."""

    lon: FloatArray
    lat: FloatArray
    distance_m: FloatArray


class RoutePath:
    """Geodesic legs through the waypoints, measured on the ellipsoid."""

    def __init__(self, lons: list[float], lats: list[float]) -> None:
        if len(lons) < 2:
            raise PathError("a route needs at least two points")
        legs: list[Leg] = []
        # waypoint_distance_m[i] is where waypoint i lies along the route.
        self.waypoint_distance_m: list[float] = [0.0]
        start_m = 0.0
        for i in range(len(lons) - 1):
            azimuth, _, length = WGS84.inv(lons[i], lats[i], lons[i + 1], lats[i + 1])
            if length >= MIN_LEG_M:
                legs.append(Leg(lons[i], lats[i], float(azimuth), float(length), start_m, i))
                start_m += float(length)
            self.waypoint_distance_m.append(start_m)
        if not legs or start_m < MIN_ROUTE_M:
            raise PathError(
                f"the route is shorter than {MIN_ROUTE_M:g} m: its points are one place"
            )
        if start_m > MAX_ROUTE_NM * METRES_PER_NM:
            raise PathError(
                f"the route is {start_m / METRES_PER_NM:,.0f} NM long; a route may be at most "
                f"{MAX_ROUTE_NM:,.0f} NM"
            )
        self.legs = legs
        self.length_m = start_m
        self._leg_starts = np.array([leg.start_m for leg in legs])
        self._leg_lon = np.array([leg.lon for leg in legs])
        self._leg_lat = np.array([leg.lat for leg in legs])
        self._leg_azimuth = np.array([leg.azimuth_deg for leg in legs])

    def positions(self, distance_m: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(lon, lat) of points at these distances along the route."""
        distances = np.clip(np.asarray(distance_m, dtype=float), 0.0, self.length_m)
        index = np.clip(np.searchsorted(self._leg_starts, distances, side="right") - 1, 0, None)
        offset = distances - self._leg_starts[index]
        lon, lat, _ = WGS84.fwd(
            self._leg_lon[index], self._leg_lat[index], self._leg_azimuth[index], offset
        )
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def position(self, distance_m: float) -> tuple[float, float]:
        """(lon, lat) of the point at a distance along the route."""
        lon, lat = self.positions(np.array([distance_m]))
        return float(lon[0]), float(lat[0])

    def densify(self, max_piece_m: float = MAX_PIECE_M) -> Densified:
        """Points every max_piece_m or closer (closer still where longitudes turn fast)."""
        distances: list[FloatArray] = []
        for leg in self.legs:
            count = max(1, math.ceil(leg.length_m / max_piece_m))
            distances.append(leg.start_m + np.linspace(0.0, leg.length_m, count + 1)[:-1])
        distances.append(np.array([self.length_m]))
        along = np.concatenate(distances)
        # Leg ends must be exact vertices: a piece may not cut a corner.
        along = np.unique(np.concatenate([along, [leg.start_m for leg in self.legs]]))
        lon, lat = self.positions(along)
        for _ in range(12):
            step = np.abs(_wrap(np.diff(lon)))
            wide = np.nonzero(step > MAX_PIECE_LON_DEG)[0]
            if wide.size == 0:
                break
            if along.size + wide.size > MAX_PIECES:
                raise PathError(
                    f"the route needs more than {MAX_PIECES:,} pieces to be checked exactly "
                    "(it circles close to a pole); split it"
                )
            middles = (along[wide] + along[wide + 1]) / 2.0
            along = np.sort(np.concatenate([along, middles]))
            lon, lat = self.positions(along)
        return Densified(lon, lat, along)


def _wrap(delta_deg: FloatArray) -> FloatArray:
    """Longitude differences brought into [-180, 180)."""
    return (delta_deg + 180.0) % 360.0 - 180.0
