"""Waypoints: where the route turns, with optional altitude, time and airport elevation."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Waypoint:
    """One point of a route; alt_ft/time None when not given."""

    lon: float
    lat: float
    alt_ft: float | None = None
    time: datetime | None = None
    name: str | None = None
    airport_elevation_ft: float | None = None  # set when the point is an airport
    # Where the point came from, for a resolved flight plan ('airway UL607', 'navdata', …).
    source: str | None = None

    @property
    def is_airport(self) -> bool:
        """Whether the route takes off or lands here (climb/descent profile applies)."""
        return self.airport_elevation_ft is not None
