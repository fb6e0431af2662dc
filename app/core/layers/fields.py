"""Field types shared by the layers' records: ids, source URLs, FIR codes, altitudes, times."""

import re
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,127}$"
MAX_ALTITUDE_FT = 100_000
MIN_ALTITUDE_FT = -1_500  # the Dead Sea shore is about -1,400 ft


MAX_URL_LENGTH = 2_048


def _check_url(value: str) -> str:
    """Accept only absolute http(s) URLs with a host, of a length browsers and GIS keep."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"[\s\x00]", value):
        raise ValueError("must be an absolute http(s) URL")
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"a URL may be at most {MAX_URL_LENGTH} characters")
    return value


def _no_nul(value: str) -> str:
    """Refuse the NUL character, which no text field can hold (PostgreSQL refuses it too)."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


def _to_utc(value: datetime) -> datetime:
    """Normalise an aware datetime to UTC, within years the service can compute with."""
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(f"the year must be from {EARLIEST_YEAR} to {LATEST_YEAR}")
    return moment


# Ids are URL-safe and have no dots: QGIS and GDAL mis-handle dotted ids.
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
SourceUrl = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_url)]


def _split_spaces(value: object) -> object:
    """Accept the space-separated form the layer API publishes, as well as a list."""
    return value.split() if isinstance(value, str) else value


def _split_semicolons(value: object) -> object:
    """Accept the '; '-separated form the layer API publishes (for lists of phrases)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


Sources = Annotated[list[SourceUrl], Field(min_length=1), BeforeValidator(_split_spaces)]
Slugs = Annotated[list[Slug], BeforeValidator(_split_spaces)]
FirCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{4}$")]
FirCodes = Annotated[list[FirCode], BeforeValidator(_split_spaces)]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_no_nul)
]
# Phrases such as "US operators"; published joined by "; ", so none may hold a ';'.
Phrase = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^;]+$"),
    AfterValidator(_no_nul),
]
Texts = Annotated[list[Phrase], BeforeValidator(_split_semicolons)]
AltitudeFt = Annotated[int, Field(ge=MIN_ALTITUDE_FT, le=MAX_ALTITUDE_FT)]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
