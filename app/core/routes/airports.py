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
    return None if row is None else _airport(row)


def looks_like_airport_code(token: str) -> bool:
    """Four letters, as ICAO location indicators are."""
    return len(token) == 4 and token.isalpha()


def _airport(row: dict[str, Any]) -> Airport:
    """A table row as an Airport."""
    return Airport(
        icao=str(row["icao"]),
        name=str(row["name"]),
        lat=float(str(row["lat"])),
        lon=float(str(row["lon"])),
        elevation_ft=float(str(row["elevation"] or 0.0)),
    )


def search_airports(text: str, limit: int) -> list[tuple[Airport, str, str]]:
    """Airports for a search box, with their IATA code and city: the ICAO code itself, then IATA
    codes, then names and cities that start with the text, then those that hold it (each group
    by ICAO code; case-insensitive)."""
    wanted = text.strip().casefold()
    if not wanted:
        return []
    ranked: list[tuple[int, str, dict[str, Any]]] = []
    for code, row in _airports().items():
        name, city = str(row["name"]).casefold(), str(row["city"]).casefold()
        if code.casefold() == wanted:
            rank = 0
        elif str(row["iata"]).casefold() == wanted:
            rank = 1
        elif name.startswith(wanted) or city.startswith(wanted):
            rank = 2
        elif wanted in name or wanted in city:
            rank = 3
        else:
            continue
        ranked.append((rank, code, row))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [(_airport(row), str(row["iata"]), str(row["city"])) for _, _, row in ranked[:limit]]
