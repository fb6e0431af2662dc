"""Longitude unwrapping and splitting of shapes at the antimeridian (RFC 7946 §3.1.9)."""

from collections.abc import Sequence

from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union


def wrap_longitude(lon_deg: float) -> float:
    """Bring a longitude into [-180, 180)."""
    return (lon_deg + 180.0) % 360.0 - 180.0


def unwrap_longitudes(lons_deg: Sequence[float]) -> list[float]:
    """Make a longitude sequence continuous: no step between neighbours exceeds 180°."""
    if not lons_deg:
        return []
    unwrapped = [lons_deg[0]]
    for lon in lons_deg[1:]:
        # Shift by whole turns only, so a longitude met again comes back bit-identical.
        turns = round((unwrapped[-1] - lon) / 360.0)
        unwrapped.append(lon + 360.0 * turns)
    return unwrapped


def to_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    """Keep only the polygonal parts of a geometry, as a MultiPolygon."""
    if isinstance(geometry, MultiPolygon):
        return geometry
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    parts = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]
    return MultiPolygon(parts)


def fold_into_world(unwrapped: Polygon) -> MultiPolygon:
    """Cut a polygon drawn on unwrapped longitudes into pieces inside [-180, 180] and merge them.

    A shape that crosses 180° comes back as pieces either side of it, as RFC 7946 asks.
    """
    min_lon, _, max_lon, _ = unwrapped.bounds
    first_turn = int((min_lon + 180.0) // 360.0)
    last_turn = int((max_lon + 180.0) // 360.0)
    pieces: list[BaseGeometry] = []
    for turn in range(first_turn, last_turn + 1):
        offset = 360.0 * turn
        window = box(-180.0 + offset, -90.0, 180.0 + offset, 90.0)
        piece = unwrapped.intersection(window)
        if not piece.is_empty:
            pieces.append(affinity.translate(piece, xoff=-offset))
    return to_multipolygon(unary_union(pieces))


def split_line(lons: Sequence[float], lats: Sequence[float]) -> list[list[tuple[float, float]]]:
    """Cut a line where it crosses 180° into parts that each stay within [-180, 180]."""
    parts: list[list[tuple[float, float]]] = [[(lons[0], lats[0])]]
    for i in range(1, len(lons)):
        lon0, lat0, lon1, lat1 = lons[i - 1], lats[i - 1], lons[i], lats[i]
        if abs(lon1 - lon0) > 180.0:
            edge = 180.0 if lon1 < lon0 else -180.0
            far = lon1 + (360.0 if lon1 < lon0 else -360.0)
            t = (edge - lon0) / (far - lon0)
            cut_lat = lat0 + t * (lat1 - lat0)
            parts[-1].append((edge, cut_lat))
            parts.append([(-edge, cut_lat)])
        parts[-1].append((lon1, lat1))
    return parts
