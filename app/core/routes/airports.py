"""ICAO airports from the airportsdata package (about 28,000, with position and elevation)."""

from dataclasses import dataclass
from functools import cache
from typing import Any

import airportsdata


@dataclass(frozen=True)
class Airport:
    """An airport's ICAO code, name, position and elevation."""

    icao: str
    name: str
    lat: float
    lon: float
    elevation_ft: float


@cache
def _airports() -> dict[str, Any]:
    """The whole table, loaded once (about 0.3 s)."""
    table: dict[str, Any] = dict(airportsdata.load("ICAO"))
    return table


def find_airport(code: str) -> Airport | None:
    """The airport with this ICAO code (case-insensitive), or None."""
    row = _airports().get(code.strip().upper())
    if row is None:
        return None
    return Airport(
        icao=str(row["icao"]),
        name=str(row["name"]),
        lat=float(str(row["lat"])),
        lon=float(str(row["lon"])),
        elevation_ft=float(str(row["elevation"] or 0.0)),
    )


def looks_like_airport_code(token: str) -> bool:
    """Four letters, as ICAO location indicators are."""
    return len(token) == 4 and token.isalpha()
