"""Query parameters of the features API, each parsed in one place: bbox, datetime, limit,
offset, f. Bad values are 400 problems naming the parameter."""

import math
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Query

from app.api.problems import FieldError, Problem
from app.core.instants import InstantError, read_instant
from app.core.layers.crs import SERVED, ServedCrs, envelope_to_crs84, served_crs
from app.core.layers.item_query import Envelope

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000


def bad_parameter(parameter: str, reason: str) -> Problem:
    """A 400 problem naming the query parameter at fault."""
    return Problem(
        400, f"{parameter}: {reason}", "invalid-parameter", "Invalid parameter",
        [FieldError(parameter, reason)],
    )  # fmt: skip


def parse_bbox(text: str | None, crs: ServedCrs | None = None) -> tuple[Envelope, ...]:
    """4 or 6 numbers in CRS84, or in `crs` (bbox-crs; z ignored); a west edge east of the east
    edge crosses 180° and gives two envelopes."""
    if text is None:
        return ()
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        raise bad_parameter("bbox", "must be 4 or 6 comma-separated numbers") from None
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise bad_parameter("bbox", "must be 4 or 6 comma-separated finite numbers")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if crs is not None:
        numbers = list(envelope_to_crs84(crs, *numbers))
        if not all(math.isfinite(n) for n in numbers):
            raise bad_parameter("bbox", f"outside the area of {crs.uri}")
    min_x, min_y, max_x, max_y = numbers
    if not (-90.0 <= min_y <= 90.0 and -90.0 <= max_y <= 90.0):
        raise bad_parameter(
            "bbox", "latitudes must be within [-90, 90] (order: minLon,minLat,maxLon,maxLat)"
        )
    if not (-180.0 <= min_x <= 180.0 and -180.0 <= max_x <= 180.0):
        raise bad_parameter("bbox", "longitudes must be within [-180, 180]")
    if min_y > max_y:
        raise bad_parameter("bbox", "the southern edge is north of the northern edge")
    if min_x > max_x:
        return ((min_x, min_y, 180.0, max_y), (-180.0, min_y, max_x, max_y))
    return ((min_x, min_y, max_x, max_y),)


def _moment(text: str, end_of_day: bool, parameter: str = "datetime") -> datetime:
    """An RFC 3339 date-time with zone, or a date (a whole UTC day: its end with end_of_day)."""
    try:
        parsed, whole_day = read_instant(text)
    except InstantError as error:
        raise bad_parameter(parameter, str(error)) from None
    if whole_day and end_of_day:
        parsed += timedelta(days=1, microseconds=-1)
    if not 1900 <= parsed.year <= 2200:
        raise bad_parameter(parameter, "the year must be from 1900 to 2200")
    return parsed


def parse_instant(parameter: str, text: str | None) -> datetime | None:
    """One RFC 3339 date-time with zone, or a date (its start, 00:00Z)."""
    return None if text is None else _moment(text, False, parameter)


def parse_statuses(text: str | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Comma-separated statuses, each one of `allowed`."""
    if text is None:
        return ()
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [s for s in chosen if s not in allowed]
    if not chosen or unknown:
        raise bad_parameter(
            "status", f"unknown status {', '.join(unknown) or text!r}; use {', '.join(allowed)}"
        )
    return chosen


def parse_datetime(text: str | None) -> tuple[datetime | None, datetime | None]:
    """An instant, a closed interval a/b, or a half-open one (../b, a/.., a/, /b)."""
    if text is None:
        return None, None
    if "/" not in text:
        return _moment(text, False), _moment(text, True)
    parts = text.split("/")
    if len(parts) != 2:
        raise bad_parameter("datetime", "an interval has exactly one '/'")
    start_text, end_text = parts
    start = None if start_text in ("", "..") else _moment(start_text, False)
    end = None if end_text in ("", "..") else _moment(end_text, True)
    if start is None and end is None:
        raise bad_parameter("datetime", "an interval needs at least one end")
    if start is not None and end is not None and start > end:
        raise bad_parameter("datetime", "the interval ends before it starts")
    return start, end


async def limit_parameter(
    limit: Annotated[
        int,
        Query(
            description=f"Items per page; larger values are served as {MAX_LIMIT} (the "
            "maximum), as OGC API – Features asks.",
            json_schema_extra={"minimum": 1, "maximum": MAX_LIMIT},
        ),
    ] = DEFAULT_LIMIT,
) -> int:
    """The page size: above the maximum it is clamped, never refused."""
    if limit < 1:
        raise bad_parameter("limit", "must be a positive integer")
    return min(limit, MAX_LIMIT)


async def offset_parameter(
    offset: Annotated[
        int,
        Query(
            description="Items to skip (paging links set it).",
            json_schema_extra={"minimum": 0, "maximum": MAX_OFFSET},
        ),
    ] = 0,
) -> int:
    """Where a page starts."""
    if not 0 <= offset <= MAX_OFFSET:
        raise bad_parameter("offset", f"must be an integer from 0 to {MAX_OFFSET}")
    return offset


LimitDep = Annotated[int, Depends(limit_parameter)]
OffsetDep = Annotated[int, Depends(offset_parameter)]


def parse_crs(parameter: str, text: str | None) -> ServedCrs | None:
    """crs or bbox-crs: one of the served CRSs (URI or EPSG:nnnn), else a 400 naming them."""
    if text is None:
        return None
    chosen = served_crs(text)
    if chosen is None:
        raise bad_parameter(parameter, f"{text!r} is not served; use one of {', '.join(SERVED)}")
    return chosen
