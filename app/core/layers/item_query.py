"""What a client asks of a collection's items: bounding boxes, a time interval, equal values,
and statuses at a time as known at a time."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Envelope = tuple[float, float, float, float]


@dataclass(frozen=True)
class ItemQuery:
    """Filters on items; envelopes are alternatives (a bbox across 180° gives two)."""

    envelopes: tuple[Envelope, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    equals: tuple[tuple[str, str | int], ...] = field(default_factory=tuple)
    # Lifecycle collections: the status is derived at `at` (None: the time of the query) as
    # known at `as_of` (None: everything on record); `statuses` keeps only those.
    at: datetime | None = None
    as_of: datetime | None = None
    statuses: tuple[str, ...] = ()
    # A CQL2 filter, checked against the collection's queryables (`item_filter.py`), as JSON.
    filter: dict[str, Any] | bool | None = field(default=None, compare=False)
    # Order: (queryable, descending) pairs, then id; the properties to return (None: all).
    sort: tuple[tuple[str, bool], ...] = ()
    properties: tuple[str, ...] | None = None
    # The CRS geometries are served in (a URI of core/layers/crs.SERVED).
    crs: str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

    def returns(self, name: str) -> bool:
        """Whether a property is among those returned."""
        return self.properties is None or name in self.properties

    @property
    def has_time(self) -> bool:
        """Whether a datetime filter was given."""
        return self.start is not None or self.end is not None
