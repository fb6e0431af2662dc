"""airspace-risk load / import / stats / review: the layers in the database, what they hold,
and what editors must look at (results as a table, JSON or CSV)."""

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.output import FormatOption, OutputFormat, print_rows
from app.cli.progress import ProgressBars
from app.core.layers.layer_file import LayerFileError
from app.core.layers.vocabulary import Layer
from app.settings import get_settings
from app.store.engine import make_engine
from app.store.layer_import import import_layer, load_bundled
from app.store.layer_stats import data_version, layer_stats
from app.store.layer_writer import WriteResult
from app.store.review_queue import review_queue

RESULT_COLUMNS = ("layer", "inserted", "updated", "unchanged")


class Refused(Exception):
    """Input refused or missing; the message says why (exit code 1)."""


def _report_refusal(error: LayerFileError) -> Refused:
    """Every problem of a refused file, on stderr; nothing was written."""
    typer.echo(f"refused: {len(error.problems)} problem(s); nothing was written", err=True)
    for problem in error.problems:
        typer.echo(f"  - {problem}", err=True)
    return Refused("the file was refused")


def _result_rows(results: dict[str, WriteResult]) -> list[dict[str, Any]]:
    """What a load or import wrote, per layer."""
    return [
        {"layer": name, "inserted": r.inserted, "updated": r.updated, "unchanged": r.unchanged}
        for name, r in results.items()
    ]


def _result_table(rows: list[dict[str, Any]]) -> str:
    """A line per layer, as people read it."""
    return "\n".join(
        f"{r['layer']}: {r['inserted']} inserted, {r['updated']} updated, "
        f"{r['unchanged']} unchanged"
        for r in rows
    )


def load(
    geodata: Annotated[Path | None, typer.Option(help="Folder of the bundled layers.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Load the bundled layers (upsert by id, all or nothing)."""
    settings = get_settings()
    engine = make_engine(settings)
    try:
        with engine.begin() as connection, ProgressBars() as bars:
            results = load_bundled(
                connection,
                geodata or settings.geodata_dir,
                lambda name: bars.bar(f"checking {name}"),
            )
    except LayerFileError as error:
        raise _report_refusal(error) from None
    except OSError as error:
        raise Refused(f"cannot read the bundled layers: {error}") from None
    finally:
        engine.dispose()
    print_rows(_result_rows(results), RESULT_COLUMNS, fmt, "load", _result_table)


def import_command(
    layer: Annotated[Layer, typer.Argument(help="Which layer the file holds.")],
    file: Annotated[Path, typer.Argument(help="A GeoJSON FeatureCollection.", exists=False)],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Import a GeoJSON file into a layer; a file with any problem writes nothing."""
    try:
        text = file.read_bytes()
    except OSError as error:
        raise Refused(f"cannot read {file}: {error.strerror}") from None
    engine = make_engine(get_settings())
    try:
        with engine.begin() as connection, ProgressBars() as bars:
            result = import_layer(connection, layer, text, bars.bar(f"checking {file.name}"))
    except LayerFileError as error:
        raise _report_refusal(error) from None
    finally:
        engine.dispose()
    print_rows(_result_rows({layer.value: result}), RESULT_COLUMNS, fmt, "import", _result_table)


def _when(moment: datetime | None) -> str:
    """A time for a table, or '-'."""
    return moment.strftime("%Y-%m-%dT%H:%MZ") if moment else "-"


def stats(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Each layer's feature count and time range, and the data version."""
    engine = make_engine(get_settings())
    try:
        with engine.connect() as connection:
            rows = [asdict(row) for row in layer_stats(connection)]
            version = data_version(connection)
    finally:
        engine.dispose()
    for row in rows:
        row["data_version"] = version

    def table(rows: list[dict[str, Any]]) -> str:
        lines = [f"{'layer':<18} {'count':>6}  {'from':<20} {'to':<20} open/pending"]
        lines += [
            f"{r['layer']:<18} {r['count']:>6}  {_when(r['earliest']):<20} "
            f"{_when(r['latest']):<20} {r['open_ended']}"
            for r in rows
        ]
        return "\n".join([*lines, f"data_version {version}"])

    columns = ("layer", "count", "earliest", "latest", "open_ended", "data_version")
    print_rows(rows, columns, fmt, "stats", table)


def review(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List the records editors must look at: lapsed, ending within 30 days, or not reviewed
    for 90 days (record a review with POST /v1/{layer}/{id}/reviews)."""
    engine = make_engine(get_settings())
    try:
        with engine.connect() as connection:
            items = review_queue(connection, datetime.now(UTC).replace(microsecond=0))
    finally:
        engine.dispose()

    def table(rows: list[dict[str, Any]]) -> str:
        if not rows:
            return "nothing needs review"
        lines = [f"{'layer':<17} {'id':<44} {'status':<19} reasons"]
        lines += [
            f"{r['layer']:<17} {r['id']:<44} {r['status']:<19} " + "; ".join(r["reasons"])
            for r in rows
        ]
        return "\n".join([*lines, f"{len(rows)} record(s) need review"])

    columns = list(items[0]) if items else ["layer", "id", "status", "reasons"]
    print_rows(items, columns, fmt, "review", table)
