"""`check --batch FILE`: every flight of a file checked against the layers as known now (or at
each flight's as_of), one result printed per flight as soon as it is known — a JSON line, a CSV
row, a table row or a GeoJSON feature (its worst segment) — with a progress bar on a terminal."""

import itertools
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import IO, Any

import typer
from pydantic import ValidationError
from sqlalchemy import Connection

from app.cli.flights_file import Flight, read_flights
from app.cli.output import OutputFormat, csv_text, json_line
from app.core.risk.report import segment_feature
from app.core.risk.run import run_route_check
from app.core.routes.request import RouteCheckRequest
from app.core.routes.resolve import RouteInputError
from app.services.checkers import CheckerService
from app.services.navdata import navdata_lookup

ROW_COLUMNS = (
    "index", "line", "id", "departure", "destination", "score", "category", "worst_segment",
    "route_index", "length_nm", "binding_prohibitions", "warnings", "error",
)  # fmt: skip
TABLE_HEADER = (
    f"{'#':>5} {'line':>5} {'id':<16} {'from':<4} {'to':<4} {'score':>5} {'category':<9} "
    f"{'index':>6} {'NM':>7}  warnings / error"
)


def _problem(error: ValidationError | RouteInputError) -> str:
    """Why a flight was refused, naming the file's own fields."""
    if isinstance(error, RouteInputError):
        pairs = list(error.errors)
    else:
        pairs = [(".".join(str(p) for p in e["loc"]) or "flight", e["msg"]) for e in error.errors()]
    return "; ".join(f"{field}: {reason}" for field, reason in pairs[:5])


def _row(flight: Flight, result: dict[str, Any] | None, error: str | None) -> dict[str, Any]:
    """One flight's line of a CSV or table: its summary, or why it was refused."""
    asked = flight.request or {}
    row: dict[str, Any] = {
        "index": flight.index, "line": flight.line, "id": asked.get("id"),
        "departure": asked.get("departure"), "destination": asked.get("destination"),
        "error": error,
    }  # fmt: skip
    if result is not None:
        summary = result["summary"]
        row.update(
            score=summary["score"], category=summary["category"],
            worst_segment=summary["worst_segment"], route_index=summary["route_index"],
            length_nm=result["route"]["length_nm"],
            binding_prohibitions=summary["binding_prohibitions"],
            warnings=[w["id"] for w in summary["warnings"]],
        )  # fmt: skip
    return row


def _table_line(row: dict[str, Any]) -> str:
    """A row for people."""
    score = f"{row['score']:>5.1f}" if row.get("score") is not None else f"{'-':>5}"
    length = f"{row['length_nm']:>7.0f}" if row.get("length_nm") is not None else f"{'-':>7}"
    index = f"{row['route_index']:>6.1f}" if row.get("route_index") is not None else f"{'-':>6}"
    note = f"refused: {row['error']}" if row["error"] else " ".join(row.get("warnings") or [])
    return (
        f"{row['index']:>5} {row['line']:>5} {(row['id'] or '-')[:16]:<16} "
        f"{row['departure'] or '-':<4} {row['destination'] or '-':<4} {score} "
        f"{row.get('category') or '-':<9} {index} {length}  {note}"
    )


class BatchPrinter:
    """Writes each flight's result as it comes, in the chosen format."""

    def __init__(self, fmt: OutputFormat, out: IO[str]) -> None:
        self.fmt = fmt
        self.out = out
        self.features = 0

    def start(self) -> None:
        """What comes before the first flight."""
        if self.fmt is OutputFormat.CSV:
            self._write(csv_text([], ROW_COLUMNS))
        elif self.fmt is OutputFormat.TABLE:
            self._write(TABLE_HEADER)
        elif self.fmt is OutputFormat.GEOJSON:
            self.out.write('{"type":"FeatureCollection","features":[\n')

    def flight(self, flight: Flight, result: dict[str, Any] | None, error: str | None) -> None:
        """One flight's result."""
        if self.fmt is OutputFormat.JSON:
            line: dict[str, Any] = {"index": flight.index, "line": flight.line}
            if flight.request and isinstance(flight.request.get("id"), str):
                line["id"] = flight.request["id"]
            line.update({"result": result} if error is None else {"error": error})
            self._write(json_line(line))
        elif self.fmt is OutputFormat.CSV:
            self._write(csv_text([_row(flight, result, error)], ROW_COLUMNS).split("\n", 1)[1])
        elif self.fmt is OutputFormat.TABLE:
            self._write(_table_line(_row(flight, result, error)))
        elif result is not None:
            feature = segment_feature(result["worst_segment"])
            properties = {k: v for k, v in _row(flight, result, None).items() if k != "error"}
            feature = {**feature, "id": flight.index, "properties": properties}
            self.out.write(("," if self.features else "") + json_line(feature) + "\n")
            self.features += 1
        self.out.flush()

    def finish(self) -> None:
        """What closes the output."""
        if self.fmt is OutputFormat.GEOJSON:
            self.out.write("]}\n")
            self.out.flush()

    def _write(self, text: str) -> None:
        """A line of output."""
        self.out.write(text + "\n")


def _progress(total: int | None) -> AbstractContextManager[Any]:
    """A progress bar on stderr when it is a terminal; nothing in a pipe or a log."""
    if not sys.stderr.isatty():
        return nullcontext(None)
    return typer.progressbar(length=total, label="checking", file=sys.stderr)


def run_batch(
    stream: IO[str],
    total: int | None,
    connection: Connection,
    fmt: OutputFormat,
    detail: str,
    out: IO[str] = sys.stdout,
) -> tuple[int, int]:
    """Check every flight of the stream; (checked, refused)."""
    service = CheckerService()
    lookup = navdata_lookup(connection)
    printer = BatchPrinter(fmt, out)
    flights = read_flights(stream)
    # The first flight read before anything is printed: a bad header is refused on its own.
    first = next(flights, None)
    printer.start()
    checked = refused = 0
    # geojson wants the worst segment and its line.
    geojson = fmt is OutputFormat.GEOJSON
    wanted = "summary" if geojson else detail
    with _progress(total) as bar:
        for flight in itertools.chain([first] if first is not None else [], flights):
            result, error = _check(flight, service, connection, lookup, wanted, geojson)
            printer.flight(flight, result, error)
            checked, refused = (checked + 1, refused) if error is None else (checked, refused + 1)
            if bar is not None:
                bar.update(1)
    printer.finish()
    return checked, refused


def _check(
    flight: Flight,
    service: CheckerService,
    connection: Connection,
    lookup: Callable[..., Any],
    detail: str,
    geometry: bool,
) -> tuple[dict[str, Any] | None, str | None]:
    """One flight's result, or why it was refused."""
    if flight.request is None:
        return None, flight.error
    try:
        request = RouteCheckRequest.model_validate(flight.request)
        version, checker = service.checker(connection, request.as_of)
        return run_route_check(request, checker, version, geometry, detail, lookup), None
    except (ValidationError, RouteInputError) as error:
        return None, _problem(error)


def count_lines(path: str) -> int | None:
    """How many flights a file may hold (its non-blank lines, less a CSV header), for the
    progress bar; None for standard input."""
    if path == "-":
        return None
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    if lines and not lines[0].lstrip().startswith("{"):
        return len(lines) - 1
    return len(lines)


@contextmanager
def flights_source(path: str) -> Iterator[IO[str]]:
    """The file (or standard input for '-') as text."""
    if path == "-":
        yield sys.stdin
        return
    with open(path, encoding="utf-8", newline="") as handle:
        yield handle
