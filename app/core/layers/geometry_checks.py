"""Checks that a GeoJSON geometry is of the right type, in range, valid and not too large."""

import math
import re
from collections.abc import Iterator
from typing import Any

from shapely import force_2d, make_valid
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

MAX_VERTICES_PER_FEATURE = 200_000


class GeometryProblem(ValueError):
    """A geometry that cannot be stored, with the reason in words a user can act on."""


def _positions(coordinates: Any) -> Iterator[Any]:
    """Yield every position of a GeoJSON coordinates array, however nested."""
    if isinstance(coordinates, list) and coordinates and isinstance(coordinates[0], list):
        for item in coordinates:
            yield from _positions(item)
    else:
        yield coordinates


def _check_position(position: Any) -> None:
    """A position is [lon, lat] or [lon, lat, z] of finite numbers within range."""
    if not isinstance(position, list) or len(position) not in (2, 3):
        raise GeometryProblem(f"a position must be [lon, lat] or [lon, lat, alt], got {position!r}")
    for value in position:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise GeometryProblem(f"coordinates must be finite numbers, got {position!r}")
    lon, lat = position[0], position[1]
    if not -180.0 <= lon <= 180.0:
        raise GeometryProblem(f"longitude {lon} is outside [-180, 180]")
    if not -90.0 <= lat <= 90.0:
        raise GeometryProblem(f"latitude {lat} is outside [-90, 90]")


def _describe_invalidity(geometry: BaseGeometry) -> str:
    """Say why a geometry is invalid and where, as 'reason at lon X, lat Y'."""
    explanation = str(explain_validity(geometry))
    match = re.match(r"^(?P<reason>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)\]$", explanation)
    if match is None:
        return explanation
    reason = match["reason"].strip().lower()
    return f"{reason} at lon {float(match['x']):.6f}, lat {float(match['y']):.6f}"


def _check_rings_closed(geometry_type: Any, coordinates: list[Any]) -> None:
    """GeoJSON (RFC 7946 §3.1.6) rings end where they start; an open ring is refused, not
    quietly closed, since its last edge was never given."""
    if geometry_type == "Polygon":
        polygons = [coordinates]
    elif geometry_type == "MultiPolygon":
        polygons = coordinates
    else:
        return
    for p_index, polygon in enumerate(polygons):
        for r_index, ring in enumerate(polygon if isinstance(polygon, list) else []):
            if isinstance(ring, list) and len(ring) >= 2 and ring[0] != ring[-1]:
                where = f"polygon {p_index}, " if geometry_type == "MultiPolygon" else ""
                raise GeometryProblem(
                    f"{where}ring {r_index} is not closed: its last position must repeat its first"
                )


def checked_geometry(
    geojson: Any, allowed_types: tuple[str, ...], repair: bool = False
) -> BaseGeometry:
    """Turn a GeoJSON geometry into a valid 2D shapely geometry, or raise GeometryProblem.

    With repair, an invalid polygon is made valid (shapely make_valid) when the result is
    still of an allowed type; otherwise invalidity is refused with its reason and location.
    """
    if not isinstance(geojson, dict):
        raise GeometryProblem("geometry is missing or not an object")
    geometry_type = geojson.get("type")
    if geometry_type not in allowed_types:
        raise GeometryProblem(
            f"geometry type {geometry_type!r} is not one of {list(allowed_types)}"
        )
    coordinates = geojson.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryProblem("geometry has no coordinates")
    for count, position in enumerate(_positions(coordinates), start=1):
        _check_position(position)
        if count > MAX_VERTICES_PER_FEATURE:
            raise GeometryProblem(f"more than {MAX_VERTICES_PER_FEATURE} vertices")
    _check_rings_closed(geometry_type, coordinates)
    try:
        geometry = force_2d(shape(geojson))
    except (ValueError, TypeError, AttributeError, IndexError) as error:
        raise GeometryProblem(f"geometry cannot be read: {error}") from error
    if geometry.is_empty:
        raise GeometryProblem("geometry is empty")
    if not geometry.is_valid:
        reason = _describe_invalidity(geometry)
        if repair:
            repaired = make_valid(geometry)
            if repaired.geom_type in allowed_types and not repaired.is_empty:
                return repaired
            raise GeometryProblem(
                f"invalid geometry ({reason}) and repair gives a {repaired.geom_type}"
            )
        raise GeometryProblem(f"invalid geometry: {reason}; add ?repair=true to have it repaired")
    return geometry
