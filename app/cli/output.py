"""How commands print results: `--format table|json|csv|geojson`, the same on every command that
prints results, tables for people and the others for scripts (stdout holds only the results;
messages and progress go to stderr)."""

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer


class OutputFormat(StrEnum):
    """What a command prints."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    GEOJSON = "geojson"


FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="table (for people), json, csv or geojson (for scripts; geojson where there is "
        "geometry).",
    ),
]


class UsageError(Exception):
    """A flag or argument a command cannot use: the message names it (exit code 2)."""


def refuse_geojson(fmt: OutputFormat, command: str) -> None:
    """geojson is for results with geometry: say so, naming the flag."""
    if fmt is OutputFormat.GEOJSON:
        raise UsageError(f"--format: {command} has no geometry; use table, json or csv")


def json_text(value: Any) -> str:
    """Indented JSON, times as RFC 3339 (stdout of one document)."""
    return json.dumps(value, indent=2, default=_plain, ensure_ascii=False)


def json_line(value: Any) -> str:
    """One compact JSON line (NDJSON)."""
    return json.dumps(value, default=_plain, ensure_ascii=False, separators=(",", ":"))


def _plain(value: Any) -> Any:
    """What json cannot write itself: datetimes and other objects as text."""
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return str(isoformat()).replace("+00:00", "Z")
    return str(value)


def csv_text(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """A header and one line per row; lists joined by spaces, None empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
    return buffer.getvalue().rstrip("\n")


def csv_cell(value: Any) -> Any:
    """One CSV cell."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json_line(value)
    return _plain(value) if hasattr(value, "isoformat") else value


def print_rows(
    rows: list[dict[str, Any]],
    columns: Sequence[str],
    fmt: OutputFormat,
    command: str,
    table: Callable[[list[dict[str, Any]]], str],
) -> None:
    """A list of records as the format asks: a table, a JSON array or CSV."""
    refuse_geojson(fmt, command)
    if fmt is OutputFormat.JSON:
        typer.echo(json_text([{c: row.get(c) for c in columns} for row in rows]))
    elif fmt is OutputFormat.CSV:
        typer.echo(csv_text(rows, columns))
    else:
        typer.echo(table(rows))
