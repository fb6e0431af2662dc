"""What a client asks of a collection's items: bounding boxes, a time interval, equal values."""

from dataclasses import dataclass, field
from datetime import datetime

Envelope = tuple[float, float, float, float]


@dataclass(frozen=True)
class ItemQuery:
    """Filters on items; envelopes are alternatives (a bbox across 180° gives two)."""

    envelopes: tuple[Envelope, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    equals: tuple[tuple[str, str | int], ...] = field(default_factory=tuple)

    @property
    def has_time(self) -> bool:
        """Whether a datetime filter was given."""
        return self.start is not None or self.end is not None
