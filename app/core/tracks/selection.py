"""What a screening looks at: the reports between two times, and the hazards meeting a box
(lon/lat; a west edge east of the east edge crosses 180°). Checked here for the command line
and the job API alike; a fault names the field."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import shapely
from shapely.geometry.base import BaseGeometry

from app.core.risk.hazards import Hazard


class SelectionError(ValueError):
    """A screening's bounds that cannot be used; `field` names the one at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Selection:
    """The reports from start (inclusive) to end (exclusive), and the hazards meeting bbox
    (west, south, east, north); None: no bound."""

    start: datetime | None = None
    end: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        for field, moment in (("from", self.start), ("to", self.end)):
            if moment is not None and moment.tzinfo is None:
                raise SelectionError(field, "needs a time zone (e.g. 2024-12-25T00:00:00Z)")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise SelectionError("to", "must be after from")
        if self.bbox is not None:
            _check_bbox(self.bbox)

    @property
    def start_s(self) -> float | None:
        """The start as seconds since 1970 (None: open)."""
        return None if self.start is None else self.start.timestamp()

    @property
    def end_s(self) -> float | None:
        """The end as seconds since 1970 (None: open)."""
        return None if self.end is None else self.end.timestamp()

    def area(self) -> BaseGeometry | None:
        """The box as an area (two boxes across 180°), None without one."""
        if self.bbox is None:
            return None
        west, south, east, north = self.bbox
        if west > east:
            return shapely.union(
                shapely.box(west, south, 180.0, north), shapely.box(-180.0, south, east, north)
            )
        return shapely.box(west, south, east, north)

    def hazards(self, hazards: Sequence[Hazard]) -> list[Hazard]:
        """The hazards that meet the box (all without one)."""
        area = self.area()
        return list(hazards) if area is None else [h for h in hazards if h.area.intersects(area)]


def _check_bbox(bbox: tuple[float, float, float, float]) -> None:
    """A box of four finite numbers, west, south, east, north, in range."""
    if len(bbox) != 4 or not all(math.isfinite(n) for n in bbox):
        raise SelectionError("bbox", "must be 4 finite numbers: west,south,east,north")
    west, south, east, north = bbox
    if not (-180.0 <= west <= 180.0 and -180.0 <= east <= 180.0):
        raise SelectionError("bbox", "longitudes must be within [-180, 180]")
    if not (-90.0 <= south <= 90.0 and -90.0 <= north <= 90.0):
        raise SelectionError("bbox", "latitudes must be within [-90, 90]")
    if south > north:
        raise SelectionError("bbox", "the southern edge is north of the northern edge")


def bbox_from_text(text: str) -> tuple[float, float, float, float]:
    """A box written west,south,east,north (or with heights, as OGC's bbox: west,south,low,
    east,north,high; the heights are ignored)."""
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        raise SelectionError("bbox", "must be 4 comma-separated numbers") from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4:
        raise SelectionError("bbox", "must be 4 comma-separated numbers: west,south,east,north")
    return (numbers[0], numbers[1], numbers[2], numbers[3])
