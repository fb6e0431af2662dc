"""Instants as clients write them: an RFC 3339 date-time with a zone, or a date (a whole UTC
day), also with a bare 'T' ('2014-01-01T', as GDAL writes a date). One reading for the
`datetime` parameters and the CQL2 filters."""

from datetime import UTC, date, datetime, time


class InstantError(ValueError):
    """Text that is no instant; the message says why (it starts with the text, quoted)."""


def read_instant(text: str) -> tuple[datetime, bool]:
    """The instant in UTC, and whether the text was a date (the start of that day)."""
    if len(text) == 11 and text[-1] in "Tt":
        text = text[:-1]
    try:
        if "T" not in text and "t" not in text:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC), True
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InstantError(
            f"{text!r} is not an RFC 3339 date-time (2014-01-01T00:00:00Z) or date (2014-01-01)"
        ) from None
    if parsed.tzinfo is None:
        raise InstantError(f"{text!r} has no time zone (add Z for UTC)")
    return parsed, False
