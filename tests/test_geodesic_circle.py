"""Geodesic circles: every vertex at the radius, edges hugging the circle, poles and 180°.

Expected distances are computed independently of the code under test: with pyproj.Geod.inv
(the inverse geodesic problem) from the centre to each vertex, whereas the circle is built with
Geod.fwd (the direct problem); membership probes are placed with Geod.fwd at 0.998 and 1.002
times the radius and tested with shapely's point-in-polygon.
"""

import pytest
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point

from app.core.geodesy.circle import geodesic_circle

GEOD = Geod(ellps="WGS84")
NM = 1852.0
TOLERANCE = 0.001  # 0.1 % of the radius, as the issue asks


def _vertices(circle: MultiPolygon) -> list[tuple[float, float]]:
    return [pt for polygon in circle.geoms for pt in polygon.exterior.coords]


def _relative_errors(
    lon: float, lat: float, radius_nm: float, points: list[tuple[float, float]]
) -> list[float]:
    errors = []
    for x, y in points:
        _, _, distance_m = GEOD.inv(lon, lat, x, y)
        errors.append(abs(distance_m - radius_nm * NM) / (radius_nm * NM))
    return errors


def _probe(lon: float, lat: float, azimuth: float, distance_nm: float) -> Point:
    x, y, _ = GEOD.fwd(lon, lat, azimuth, distance_nm * NM)
    return Point(x, y)


CASES = [
    pytest.param(45.70, 43.39, 10.8, id="pantsir-grozny"),
    pytest.param(38.76, 47.97, 24.3, id="buk-donbas"),
    pytest.param(0.0, 88.0, 100.0, id="near-north-pole"),
    pytest.param(179.9, -16.0, 150.0, id="across-180"),
    pytest.param(-179.5, 65.0, 200.0, id="across-180-bering"),
    pytest.param(140.0, -75.0, 400.0, id="far-south"),
]


@pytest.mark.parametrize(("lon", "lat", "radius_nm"), CASES)
def test_every_vertex_is_at_the_radius(lon: float, lat: float, radius_nm: float) -> None:
    circle = geodesic_circle(lon, lat, radius_nm)
    # Vertices added where a ring is cut at 180° lie on an edge, not on the circle, so they
    # are held to the same 0.1 % too: the edges must hug the circle that closely.
    errors = _relative_errors(lon, lat, radius_nm, _vertices(circle))
    assert circle.is_valid
    assert len(errors) >= 64
    assert max(errors) < TOLERANCE


@pytest.mark.parametrize(("lon", "lat", "radius_nm"), CASES)
def test_inside_and_outside_probes(lon: float, lat: float, radius_nm: float) -> None:
    circle = geodesic_circle(lon, lat, radius_nm)
    for azimuth in range(0, 360, 5):
        assert circle.covers(_probe(lon, lat, azimuth + 2.5, radius_nm * 0.998)), azimuth
        assert not circle.covers(_probe(lon, lat, azimuth + 2.5, radius_nm * 1.002)), azimuth
    assert circle.covers(Point(lon, lat))


def test_circle_across_the_antimeridian_is_split_on_both_sides() -> None:
    circle = geodesic_circle(179.9, -16.0, 150.0)
    assert len(circle.geoms) == 2
    east, west = sorted(circle.geoms, key=lambda p: -p.bounds[2])
    assert east.bounds[2] == pytest.approx(180.0)
    assert west.bounds[0] == pytest.approx(-180.0)
    # No piece spans the globe: each stays within a few degrees of 180°.
    assert east.bounds[0] > 170.0
    assert west.bounds[2] < -170.0


def test_circle_around_the_pole_covers_the_pole() -> None:
    lon, lat, radius_nm = 30.0, 88.5, 300.0
    circle = geodesic_circle(lon, lat, radius_nm)
    assert circle.is_valid
    assert circle.covers(Point(0.0, 89.999))
    assert circle.covers(Point(-150.0, 89.0))
    # Vertices on the pole and on the 180° cut close the cap; all others lie on the circle.
    on_circle = [(x, y) for x, y in _vertices(circle) if abs(y) < 90.0 and abs(x) < 180.0]
    assert max(_relative_errors(lon, lat, radius_nm, on_circle)) < TOLERANCE
    for azimuth in range(0, 360, 10):
        probe = _probe(lon, lat, azimuth + 5, radius_nm * 1.002)
        assert not circle.covers(probe), azimuth


def test_circle_around_the_south_pole() -> None:
    circle = geodesic_circle(-170.0, -89.5, 200.0)
    assert circle.covers(Point(10.0, -89.9))
    assert circle.bounds[1] == -90.0


@pytest.mark.parametrize(
    ("lon", "lat", "radius_nm"), [(0.0, 0.0, 0.0), (0.0, 0.0, -5.0), (181.0, 0.0, 5.0)]
)
def test_refuses_impossible_circles(lon: float, lat: float, radius_nm: float) -> None:
    with pytest.raises(ValueError, match=r"radius_nm|out of range"):
        geodesic_circle(lon, lat, radius_nm)
