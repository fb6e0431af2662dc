"""ICAO coordinate notation: 4130N04630E (degrees, minutes) and 413000N0463000E (with seconds)."""

import re

_PATTERN = re.compile(
    r"^(?P<lat_d>\d{2})(?P<lat_m>\d{2})(?P<lat_s>\d{2})?(?P<ns>[NS])"
    r"(?P<lon_d>\d{3})(?P<lon_m>\d{2})(?P<lon_s>\d{2})?(?P<ew>[EW])$"
)


class CoordinateError(ValueError):
    """A token that looks like ICAO coordinates but is not a valid position."""


def parse_icao_coordinate(token: str) -> tuple[float, float] | None:
    """Return (lat, lon) in decimal degrees, None if the token is not in this notation.

    Minutes are minutes (5020N = 50°20'N = 50.333°N), not decimal fractions of a degree.
    """
    match = _PATTERN.match(token.strip().upper())
    if match is None:
        return None
    if (match["lat_s"] is None) != (match["lon_s"] is None):
        raise CoordinateError(f"{token!r} mixes minutes and seconds precision")
    lat = _degrees(match["lat_d"], match["lat_m"], match["lat_s"], token)
    lon = _degrees(match["lon_d"], match["lon_m"], match["lon_s"], token)
    if lat > 90.0 or lon > 180.0:
        raise CoordinateError(f"{token!r} is outside ±90° latitude or ±180° longitude")
    return (-lat if match["ns"] == "S" else lat), (-lon if match["ew"] == "W" else lon)


def _degrees(degrees: str, minutes: str, seconds: str | None, token: str) -> float:
    """Degrees + minutes (+ seconds) as decimal degrees, refusing minutes or seconds ≥ 60."""
    whole_minutes = int(minutes)
    whole_seconds = int(seconds) if seconds is not None else 0
    if whole_minutes >= 60 or whole_seconds >= 60:
        raise CoordinateError(f"{token!r} has minutes or seconds of 60 or more")
    return int(degrees) + whole_minutes / 60.0 + whole_seconds / 3600.0
