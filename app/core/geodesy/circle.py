"""Geodesic circles on WGS84, as polygons that are correct near the poles and across 180°."""

from shapely.geometry import MultiPolygon, Polygon

from app.core.geodesy import WGS84
from app.core.geodesy.antimeridian import fold_into_world, unwrap_longitudes, wrap_longitude
from app.core.units import nm_to_metres

# Edges are straight in lon/lat (GeoJSON), so vertices are added until the midpoint of every
# edge also lies within this fraction of the radius; near a pole that takes many more vertices.
EDGE_TOLERANCE = 0.0002
INITIAL_VERTICES = 72
MAX_BISECTIONS = 10
MAX_RADIUS_NM = 5400.0


def _distance_m(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Geodesic distance in metres between two points."""
    return float(WGS84.inv(lon0, lat0, lon1, lat1)[2])


def _point_at(lon: float, lat: float, azimuth_deg: float, distance_m: float) -> tuple[float, float]:
    """The point reached from (lon, lat) along a geodesic at an azimuth."""
    end_lon, end_lat, _ = WGS84.fwd(lon, lat, azimuth_deg, distance_m)
    return float(end_lon), float(end_lat)


def circle_boundary(lon: float, lat: float, radius_m: float) -> list[tuple[float, float]]:
    """Points on the geodesic circle, in azimuth order, dense enough for straight lon/lat edges."""
    step = 360.0 / INITIAL_VERTICES
    azimuths = [i * step for i in range(INITIAL_VERTICES)] + [360.0]
    points = [_point_at(lon, lat, az, radius_m) for az in azimuths]
    result: list[tuple[float, float]] = []
    for (az_a, p_a), (az_b, p_b) in zip(
        zip(azimuths, points, strict=True), zip(azimuths[1:], points[1:], strict=True), strict=False
    ):
        result.append(p_a)
        result.extend(_refine(lon, lat, radius_m, az_a, p_a, az_b, p_b, MAX_BISECTIONS))
    # Azimuth 360° is azimuth 0°: repeat the first point exactly so the ring closes cleanly.
    result.append(points[0])
    return result


def _refine(
    lon: float,
    lat: float,
    radius_m: float,
    az_a: float,
    p_a: tuple[float, float],
    az_b: float,
    p_b: tuple[float, float],
    depth: int,
) -> list[tuple[float, float]]:
    """Vertices to insert strictly between p_a and p_b so that lon/lat edges hug the circle."""
    b_lon = p_a[0] + wrap_longitude(p_b[0] - p_a[0])
    mid_lon = wrap_longitude((p_a[0] + b_lon) / 2.0)
    mid_lat = (p_a[1] + p_b[1]) / 2.0
    error = abs(_distance_m(lon, lat, mid_lon, mid_lat) - radius_m) / radius_m
    if depth == 0 or error <= EDGE_TOLERANCE:
        return []
    az_mid = (az_a + az_b) / 2.0
    p_mid = _point_at(lon, lat, az_mid, radius_m)
    left = _refine(lon, lat, radius_m, az_a, p_a, az_mid, p_mid, depth - 1)
    right = _refine(lon, lat, radius_m, az_mid, p_mid, az_b, p_b, depth - 1)
    return [*left, p_mid, *right]


def geodesic_circle(lon: float, lat: float, radius_nm: float) -> MultiPolygon:
    """The area within radius_nm (geodesic, WGS84) of a point, split at 180°, closed over a pole."""
    if not 0.0 < radius_nm <= MAX_RADIUS_NM:
        raise ValueError(f"radius_nm must be in (0, {MAX_RADIUS_NM}], got {radius_nm}")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"centre out of range: lon {lon}, lat {lat}")
    radius_m = nm_to_metres(radius_nm)
    boundary = circle_boundary(lon, lat, radius_m)
    lons = unwrap_longitudes([p[0] for p in boundary])
    lats = [p[1] for p in boundary]
    ring = list(zip(lons, lats, strict=True))
    # Unwrapped, a ring that goes round a pole ends 360° from where it started: close it
    # along that pole's parallel so the polygon covers the cap.
    winding_deg = lons[-1] - lons[0]
    if abs(winding_deg) > 180.0:
        # Exactly 360°: rounding in the unwrapping must not leave a sliver where the cap meets.
        lons[-1] = lons[0] + (360.0 if winding_deg > 0 else -360.0)
        ring[-1] = (lons[-1], lats[-1])
        pole_lat = 90.0 if _distance_m(lon, lat, 0.0, 90.0) < radius_m else -90.0
        ring += [(lons[-1], pole_lat), (lons[0], pole_lat)]
    return fold_into_world(Polygon(ring))
