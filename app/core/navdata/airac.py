"""AIRAC cycles: a 28-day schedule fixed by ICAO; cycle YYNN is the NN-th effective date of
year 20YY."""

from datetime import UTC, datetime, timedelta

from app.core.navdata.model import Cycle

# A known effective date: cycle 2001 took effect on 2 January 2020 (ICAO Doc 8126).
_KNOWN = datetime(2020, 1, 2, tzinfo=UTC)
_PERIOD = timedelta(days=28)


def cycle_of(ident: str) -> Cycle:
    """The cycle numbered `ident` ('2513'); ValueError if there is no such cycle."""
    if len(ident) != 4 or not ident.isdigit():
        raise ValueError(f"an AIRAC cycle is four digits, YYNN: got {ident!r}")
    year, number = 2000 + int(ident[:2]), int(ident[2:])
    first = _first_of_year(year)
    start = first + (number - 1) * _PERIOD
    if number < 1 or start.year != year:
        raise ValueError(f"there is no AIRAC cycle {ident}")
    return Cycle(ident, start, start + _PERIOD)


def cycle_at(moment: datetime) -> Cycle:
    """The cycle in force at `moment` (aware)."""
    start = _KNOWN + ((moment - _KNOWN) // _PERIOD) * _PERIOD
    first = _first_of_year(start.year)
    number = (start - first) // _PERIOD + 1
    return Cycle(f"{start.year % 100:02d}{number:02d}", start, start + _PERIOD)


def _first_of_year(year: int) -> datetime:
    """The first effective date in `year`."""
    new_year = datetime(year, 1, 1, tzinfo=UTC)
    steps = -((_KNOWN - new_year) // _PERIOD)  # ceil((new_year − _KNOWN) / 28 days)
    return _KNOWN + steps * _PERIOD
