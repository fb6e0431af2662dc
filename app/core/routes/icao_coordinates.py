"""Coordinates as flight plans write them.

ICAO item 15 (Doc 4444, Appendix 2): whole degrees `46N078W`, degrees and minutes
`4620N07805W`, and (accepted as many dispatch systems write it) with seconds
`462000N0780500W`. ARINC 424 shorthand for whole degrees (`5020N`, `75N70`) is read too, as
NAT plans use it; its letter gives the quadrant (N: north and west, E: north and east, S: south
and east, W: south and west) and its place the hundreds of longitude (last: below 100°, middle:
100° or more). Forms that look like coordinates but are none of these are refused with the form
to use, never guessed at.
"""

import re
from dataclasses import dataclass

_ICAO = re.compile(
    r"^(?P<lat_d>\d{2})(?:(?P<lat_m>\d{2})(?P<lat_s>\d{2})?)?(?P<ns>[NS])"
    r"(?P<lon_d>\d{3})(?:(?P<lon_m>\d{2})(?P<lon_s>\d{2})?)?(?P<ew>[EW])$"
)
_ARINC_LOW = re.compile(r"^(?P<lat>\d{2})(?P<lon>\d{2})(?P<quadrant>[NESW])$")
_ARINC_HIGH = re.compile(r"^(?P<lat>\d{2})(?P<quadrant>[NESW])(?P<lon>\d{2})$")
# Coordinate-like forms that are not item 15's: hemisphere letters first, decimal minutes.
_LETTERS_FIRST = re.compile(r"^[NS]\d{2,6}[EW]\d{3,7}$")
_DECIMAL = re.compile(r"^\d{2,6}\.\d+[NS]\d{3,7}\.\d+[EW]$")
# ARINC quadrant letter → (latitude sign, longitude sign).
_QUADRANTS = {"N": (1.0, -1.0), "E": (1.0, 1.0), "S": (-1.0, 1.0), "W": (-1.0, -1.0)}


class CoordinateError(ValueError):
    """A token that looks like coordinates but is not a valid position or form."""


@dataclass(frozen=True)
class Coordinates:
    """A position read from a token, and the form it was written in."""

    lat: float
    lon: float
    # 'icao' or 'arinc424 shorthand'.
    form: str
    # The position in ICAO whole-degree form where the token was shorthand ('50N020W').
    expanded: str | None = None


def parse_icao_coordinate(token: str) -> tuple[float, float] | None:
    """Return (lat, lon) in decimal degrees, None if the token is not coordinates.

    Minutes are minutes (4130N04630E = 41°30'N 46°30'E), not decimal fractions of a degree;
    ARINC 424 shorthand is whole degrees (5020N = 50°N 20°W).
    """
    read = read_coordinates(token)
    return None if read is None else (read.lat, read.lon)


def read_coordinates(token: str) -> Coordinates | None:
    """The position a coordinate token gives (None: not coordinates); CoordinateError for a
    coordinate-like token that is impossible or in a form flight plans do not use."""
    text = token.strip().upper()
    match = _ICAO.match(text)
    if match is not None:
        return _icao(match, token)
    match = _ARINC_LOW.match(text) or _ARINC_HIGH.match(text)
    if match is not None:
        return _arinc(match, text, token)
    if _LETTERS_FIRST.match(text):
        raise CoordinateError(
            f"{token!r}: hemisphere letters go after the figures in a flight plan "
            "(5530N02000E for N5530E02000)"
        )
    if _DECIMAL.match(text):
        raise CoordinateError(
            f"{token!r}: a flight plan gives whole minutes (5530N02000E), or seconds "
            "(553030N0200000E), not decimal minutes"
        )
    return None


def _icao(match: re.Match[str], token: str) -> Coordinates:
    """An item 15 coordinate token as a position."""
    if (match["lat_m"] is None) != (match["lon_m"] is None) or (match["lat_s"] is None) != (
        match["lon_s"] is None
    ):
        raise CoordinateError(f"{token!r} mixes degrees, minutes and seconds precision")
    lat = _degrees(match["lat_d"], match["lat_m"], match["lat_s"], token)
    lon = _degrees(match["lon_d"], match["lon_m"], match["lon_s"], token)
    if lat > 90.0 or lon > 180.0:
        raise CoordinateError(f"{token!r} is outside ±90° latitude or ±180° longitude")
    return Coordinates(
        -lat if match["ns"] == "S" else lat, -lon if match["ew"] == "W" else lon, "icao"
    )


def _arinc(match: re.Match[str], text: str, token: str) -> Coordinates:
    """ARINC 424 whole-degree shorthand as a position."""
    lat = float(match["lat"])
    # The letter last means a longitude below 100°, in the middle 100° or more.
    lon = float(match["lon"]) + (100.0 if text[2].isalpha() else 0.0)
    if lat > 90.0 or lon > 180.0:
        raise CoordinateError(f"{token!r} is outside ±90° latitude or ±180° longitude")
    lat_sign, lon_sign = _QUADRANTS[match["quadrant"]]
    expanded = f"{lat:02.0f}{'N' if lat_sign > 0 else 'S'}{lon:03.0f}{'E' if lon_sign > 0 else 'W'}"
    return Coordinates(lat_sign * lat, lon_sign * lon, "arinc424 shorthand", expanded)


def _degrees(degrees: str, minutes: str | None, seconds: str | None, token: str) -> float:
    """Degrees (+ minutes (+ seconds)) as decimal degrees, refusing minutes or seconds ≥ 60."""
    whole_minutes = int(minutes) if minutes is not None else 0
    whole_seconds = int(seconds) if seconds is not None else 0
    if whole_minutes >= 60 or whole_seconds >= 60:
        raise CoordinateError(f"{token!r} has minutes or seconds of 60 or more")
    return int(degrees) + whole_minutes / 60.0 + whole_seconds / 3600.0
