"""Closest approach of a route to a point (incidents nearby) against brute force.

Expected values: the geodesic distance (pyproj Geod.inv) from the point to route positions
sampled every metre over ±6 km around the answer; the engine's two sampling rounds and
parabola must not be farther than that minimum (+0.5 m) nor place the closest point > 2 m off.
"""

import numpy as np
import pytest
from shapely.geometry import Point

from app.core.geodesy import WGS84
from app.core.risk.check import _closest_approach, _nearest_vertex
from app.core.routes.path import RoutePath


@pytest.mark.parametrize("seed", range(40))
def test_closest_approach_matches_one_metre_sampling(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lon1, lat1 = rng.uniform(-180.0, 180.0), rng.uniform(-70.0, 70.0)
    lon2 = (lon1 + rng.uniform(-40.0, 40.0) + 180.0) % 360.0 - 180.0
    lat2 = float(np.clip(lat1 + rng.uniform(-30.0, 30.0), -80.0, 80.0))
    path = RoutePath([lon1, lon2], [lat1, lat2])
    at_m = rng.uniform(0.0, path.length_m)
    x, y = path.position(at_m)
    ahead = path.position(min(at_m + 100.0, path.length_m))
    behind = path.position(max(at_m - 100.0, 0.0))
    azimuth = WGS84.inv(*behind, *ahead)[0]
    # Up to 40 km to either side, and sometimes (almost) on the route, where distance is a V.
    offset_m = 0.0 if seed % 8 == 0 else rng.uniform(-40_000.0, 40_000.0)
    px, py, _ = WGS84.fwd(x, y, azimuth + 90.0, offset_m)
    point = Point(px, py)
    densified = path.densify()
    nearest, _ = _nearest_vertex(densified, point)
    distance_m, along_m = _closest_approach(path, densified, point, nearest)
    grid = np.arange(max(along_m - 6_000.0, 0.0), min(along_m + 6_000.0, path.length_m), 1.0)
    lons, lats = path.positions(grid)
    reference = WGS84.inv(np.full(len(grid), px), np.full(len(grid), py), lons, lats)[2]
    assert distance_m <= reference.min() + 0.5
    assert abs(along_m - grid[int(np.argmin(reference))]) <= 2.0
