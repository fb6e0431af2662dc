"""airspace-risk navdata …: import an AIRAC cycle of navigation data (ARINC 424, or X-Plane's
earth_fix/nav/awy.dat), and list the cycles loaded."""

import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.output import FormatOption, OutputFormat, print_rows
from app.cli.progress import stage
from app.core.navdata.arinc424 import read_arinc424_file
from app.core.navdata.model import Navdata, NavdataFileError
from app.core.navdata.xplane import read_xplane_files
from app.settings import get_settings
from app.store.engine import make_engine
from app.store.navdata import CycleSummary, EmptyNavdata, cycles, import_cycle

navdata_cli = typer.Typer(help="Navigation data for filed routes.", no_args_is_help=True)
CYCLE_COLUMNS = (
    "cycle", "effective_from", "effective_to", "source_format", "source_name", "imported_at",
    "fixes", "airway_legs", "procedures", "skipped",
)  # fmt: skip
# Skipped records shown after an import (the rest are counted).
SHOWN_SKIPPED = 10


def _engine() -> Any:
    """An engine on the configured database."""
    return make_engine(get_settings())


def _read(paths: list[Path], form: str) -> Navdata:
    """The files as one cycle's navigation data, in the form given or recognised."""
    xplane = form == "xplane" or (
        form == "auto" and any(p.is_dir() or p.name.startswith("earth_") for p in paths)
    )
    if xplane:
        return read_xplane_files(paths)
    if len(paths) != 1:
        raise NavdataFileError(None, "an ARINC 424 import is one file")
    return read_arinc424_file(paths[0])


def _line(summary: CycleSummary) -> str:
    """One cycle as a line of the list."""
    window = f"{summary.effective_from:%d %b %Y} – {summary.effective_to:%d %b %Y}"
    return (
        f"{summary.cycle}  {window}  {summary.source_format:<8}  {summary.fixes:>7} fixes "
        f"{summary.airway_legs:>7} airway legs {summary.procedures:>6} procedures  "
        f"{summary.source_name}"
    )


@navdata_cli.command("import")
def navdata_import(
    paths: Annotated[
        list[Path],
        typer.Argument(help="An ARINC 424 file, or X-Plane's three .dat files (or their folder)."),
    ],
    form: Annotated[
        str,
        typer.Option(
            "--input-format", help="auto, arinc424 or xplane (auto: by the files' names)."
        ),
    ] = "auto",
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Import one AIRAC cycle (replacing that cycle if it was imported before)."""
    if form not in ("auto", "arinc424", "xplane"):
        typer.echo(f"error: --input-format: {form!r} is not auto, arinc424 or xplane", err=True)
        raise typer.Exit(code=2)
    for path in paths:
        if not path.exists():
            typer.echo(f"error: {path}: no such file or folder", err=True)
            raise typer.Exit(code=1)
    started = time.monotonic()
    stage(f"reading {', '.join(p.name for p in paths)}…")
    try:
        navdata = _read(paths, form)
    except NavdataFileError as error:
        typer.echo(f"error: {', '.join(map(str, paths))}: {error}", err=True)
        raise typer.Exit(code=1) from None
    except (OSError, UnicodeError) as error:
        typer.echo(f"error: cannot read {', '.join(map(str, paths))}: {error}", err=True)
        raise typer.Exit(code=1) from None
    stage(f"read in {time.monotonic() - started:.1f} s; writing cycle {navdata.cycle}…")
    engine = _engine()
    try:
        with engine.begin() as connection:
            summary = import_cycle(connection, navdata, ", ".join(p.name for p in paths))
    except EmptyNavdata as error:
        typer.echo(f"error: {', '.join(map(str, paths))}: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    stage(f"done in {time.monotonic() - started:.1f} s")
    print_rows([_row(summary)], CYCLE_COLUMNS, fmt, "navdata import", _cycle_table)
    # What was skipped is a message about the input, not a result: stderr.
    for line, reason in navdata.skipped[:SHOWN_SKIPPED]:
        typer.echo(f"  skipped line {line}: {reason}", err=True)
    if len(navdata.skipped) > SHOWN_SKIPPED:
        more = len(navdata.skipped) - SHOWN_SKIPPED
        typer.echo(f"  … and {more} more records skipped", err=True)


@navdata_cli.command("list")
def navdata_list(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """The cycles loaded, the newest first."""
    engine = _engine()
    try:
        with engine.connect() as connection:
            loaded = cycles(connection)
    finally:
        engine.dispose()
    if not loaded and fmt is OutputFormat.TABLE:
        typer.echo(
            "no navigation data loaded: import a cycle with `airspace-risk navdata import`",
            err=True,
        )
        return
    print_rows([_row(s) for s in loaded], CYCLE_COLUMNS, fmt, "navdata list", _cycle_table)


def _row(summary: CycleSummary) -> dict[str, Any]:
    """A cycle as a record."""
    return asdict(summary)


def _cycle_table(rows: list[dict[str, Any]]) -> str:
    """Cycles as people read them."""
    return "\n".join(_line(CycleSummary(**row)) for row in rows)
