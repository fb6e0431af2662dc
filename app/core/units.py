"""Aviation units: feet, metres, nautical miles and flight levels."""

from typing import Final

METRES_PER_FOOT: Final = 0.3048
METRES_PER_NM: Final = 1852.0
FEET_PER_FLIGHT_LEVEL: Final = 100


def feet_to_metres(feet: float) -> float:
    """Convert feet to metres (international foot)."""
    return feet * METRES_PER_FOOT


def metres_to_feet(metres: float) -> float:
    """Convert metres to feet (international foot)."""
    return metres / METRES_PER_FOOT


def nm_to_metres(nm: float) -> float:
    """Convert nautical miles to metres."""
    return nm * METRES_PER_NM


def metres_to_nm(metres: float) -> float:
    """Convert metres to nautical miles."""
    return metres / METRES_PER_NM


def km_to_nm(km: float) -> float:
    """Convert kilometres to nautical miles."""
    return km * 1000.0 / METRES_PER_NM


def flight_level_to_feet(flight_level: int) -> int:
    """Convert a flight level (hundreds of feet on standard pressure) to feet."""
    return flight_level * FEET_PER_FLIGHT_LEVEL
