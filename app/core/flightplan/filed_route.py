"""A filed route resolved: every point flown, where it came from, and the level and speed
flown from it on."""

from dataclasses import dataclass, field

from app.core.flightplan.item15 import TokenError


@dataclass(frozen=True)
class FiledPoint:
    """One point of the resolved route.

    `source` says where the position came from ('aerodrome', 'coordinates', 'navdata',
    'airway UL607', 'SID DVR6J', 'STAR ITRA1A', 'bearing/distance from DVR', 'level change');
    `index` is the route token it came from (None for the aerodromes given apart, and points an
    airway or procedure brought in take its token's index). `level_ft` and `speed` are what is
    flown from this point on (None: the request's cruise level or ground speed).
    """

    name: str
    lat: float
    lon: float
    source: str
    index: int | None = None
    region: str | None = None
    level_ft: float | None = None
    speed: str | None = None
    # The departure or destination aerodrome's elevation (the climb and descent start there).
    airport_elevation_ft: float | None = None
    # The level is reached here after a change at the point before (not a point of the plan).
    derived: bool = False


@dataclass
class FiledRoute:
    """The points in flying order, notes on choices made, and every token that failed."""

    points: list[FiledPoint] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[TokenError] = field(default_factory=list)
    cycle: str | None = None
