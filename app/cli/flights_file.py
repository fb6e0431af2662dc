"""A file of flights for `check --batch`: NDJSON (one route-check request per line, as
POST /v1/route-checks takes it) or CSV (a header of request fields), read as it streams."""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from app.cli.output import UsageError
from app.core.routes.request import RouteCheckRequest

# CSV columns beyond the request's own fields: the operator's two parts, flattened.
CSV_EXTRA = ("operator_state", "operator_designator")
# Request fields a CSV cell cannot hold (a GeoJSON route, waypoint objects).
CSV_UNSUPPORTED = ("route", "waypoints", "operator")
# Columns holding lists: space-separated in a cell.
CSV_LISTS = ("via", "issuers")
CSV_COLUMNS = (
    tuple(name for name in RouteCheckRequest.model_fields if name not in CSV_UNSUPPORTED)
    + CSV_EXTRA
)


@dataclass(frozen=True)
class Flight:
    """One flight of the file: where it is (line), and the request or why it cannot be read."""

    index: int
    line: int
    request: dict[str, Any] | None
    error: str | None = None


def read_flights(stream: IO[str]) -> Iterator[Flight]:
    """The flights of an NDJSON or CSV file (told apart by the first character), in order."""
    first = stream.read(1)
    while first.isspace():
        first = stream.read(1)
    if not first:
        return
    if first == "{":
        yield from _ndjson(first, stream)
    else:
        yield from _csv(first, stream)


def _ndjson(first: str, stream: IO[str]) -> Iterator[Flight]:
    """One JSON object per line; blank lines skipped."""
    index = 0
    for number, text in enumerate(_lines(first, stream), start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            yield Flight(index, number, None, f"not JSON ({error.msg}, column {error.colno})")
        else:
            if isinstance(value, dict):
                yield Flight(index, number, value)
            else:
                yield Flight(index, number, None, "not a JSON object (a route-check request)")
        index += 1


def _lines(first: str, stream: IO[str]) -> Iterator[str]:
    """The stream's lines, the first character already read put back."""
    head = stream.readline()
    yield first + head
    yield from stream


def _csv(first: str, stream: IO[str]) -> Iterator[Flight]:
    """A header naming request fields, then one flight per row."""
    reader = csv.DictReader(_lines(first, stream))
    columns = reader.fieldnames or []
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown:
        raise UsageError(
            f"--batch: unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            f"(columns are {', '.join(CSV_COLUMNS)})"
        )
    for index, row in enumerate(reader):
        if None in row:
            yield Flight(index, reader.line_num, None, "more cells than the header has columns")
            continue
        yield Flight(index, reader.line_num, csv_request(row))


def csv_request(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as a request: empty cells left out, lists split on spaces, the operator's
    state and designator put together."""
    request: dict[str, Any] = {}
    operator: dict[str, str] = {}
    for column, cell in row.items():
        value = (cell or "").strip()
        if not value:
            continue
        if column in CSV_EXTRA:
            operator[column.removeprefix("operator_")] = value
        elif column in CSV_LISTS:
            request[column] = value.split()
        else:
            request[column] = value
    if operator:
        request["operator"] = operator
    return request
