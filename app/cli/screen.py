"""airspace-risk screen: which flown flights were inside which zones, engagement areas and
incident rings, when — state vectors (CSV, gzip'd CSV, Parquet; files or folders) screened on
Dask (a local cluster, or a scheduler by address) against the layers as on record, written as
Parquet."""

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from distributed import Client, LocalCluster

from app.cli.layers import Refused
from app.cli.progress import ProgressBars
from app.core.instants import InstantError, read_instant
from app.core.risk.model import DEFAULT_MODEL
from app.core.tracks.reading import TrackFileError
from app.core.tracks.selection import Selection, SelectionError, bbox_from_text
from app.services.screening import layers_to_screen, screen_tracks
from app.services.screening_outputs import (
    as_table,
    write_geopackage,
    write_parquet,
    write_plot,
    write_summary,
)
from app.settings import get_settings
from app.store.engine import make_engine


def _mapping(path: Path | None) -> dict[str, str] | None:
    """A column mapping (JSON: their column → ours), or None."""
    if path is None:
        return None
    try:
        mapping = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise Refused(f"--columns: {path} cannot be read: {error}") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise Refused('--columns: a JSON object of their column names to ours ({"ts": "time"})')
    return mapping


def _instant(flag: str, text: str | None) -> datetime | None:
    """A --from/--to time (RFC 3339 with a zone, or a date: its start, UTC)."""
    if text is None:
        return None
    try:
        return read_instant(text)[0]
    except InstantError as error:
        raise Refused(f"{flag}: {error}") from None


def _selection(start: str | None, end: str | None, bbox: str | None) -> Selection:
    """The flags' times and box, checked."""
    try:
        return Selection(
            _instant("--from", start), _instant("--to", end),
            None if bbox is None else bbox_from_text(bbox),
        )  # fmt: skip
    except SelectionError as error:
        flag = {"from": "--from", "to": "--to", "bbox": "--bbox"}[error.field]
        raise Refused(f"{flag}: {error.reason}") from None


def screen(
    tracks: Annotated[list[Path], typer.Argument(help="State-vector files or folders.")],
    out: Annotated[Path, typer.Option("--out", help="The exposures, as Parquet.")],
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="A Dask scheduler's address (else a local cluster)."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Local cluster: worker processes.")
    ] = 2,
    partitions: Annotated[
        int | None,
        typer.Option(
            "--partitions",
            min=1,
            help="Partitions by aircraft (default: a CSV file or 10^6 Parquet rows each, >= 8).",
        ),
    ] = None,
    columns: Annotated[
        Path | None,
        typer.Option("--columns", help="JSON mapping of another source's columns to OpenSky's."),
    ] = None,
    gpkg: Annotated[
        Path | None, typer.Option("--gpkg", help="Also a GeoPackage: each exposure's path.")
    ] = None,
    summary: Annotated[
        Path | None, typer.Option("--summary", help="Also a CSV per hazard and day.")
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Also a PNG: exposures per hour per hazard.")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="Only reports from this UTC time (or date), e.g. 2024-12-25."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Only reports before this UTC time (or date).")
    ] = None,
    bbox: Annotated[
        str | None,
        typer.Option("--bbox", help="Only hazards meeting west,south,east,north (degrees)."),
    ] = None,
    incident_radius: Annotated[
        float,
        typer.Option(
            "--incident-radius",
            min=0.0,
            max=500.0,
            help="Incidents: the ring screened around each, NM (0: none).",
        ),
    ] = DEFAULT_MODEL.default_incident_radius_nm,
) -> None:
    """Screen flown tracks against the zones, engagement areas and incident rings in 4D."""
    # Dask's shuffle says at WARNING level that it started and ended: not news to a user.
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
    mapping = _mapping(columns)
    selection = _selection(start, end, bbox)
    engine = make_engine(get_settings())
    try:
        chosen = layers_to_screen(engine, incident_radius)
    finally:
        engine.dispose()
    try:
        with ProgressBars() as bars:
            told = bars.bar("screening")
            if scheduler is not None:
                with Client(scheduler, timeout=60) as client:
                    found = screen_tracks(
                        client, tracks, chosen, partitions, mapping, selection, told
                    )
            else:
                cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, dashboard_address=None
                )
                with cluster, Client(cluster) as client:
                    found = screen_tracks(
                        client, tracks, chosen, partitions, mapping, selection, told
                    )
    except TrackFileError as error:
        raise Refused(str(error)) from None
    table = as_table(found)
    write_parquet(table, out)
    for path, write in ((gpkg, write_geopackage), (summary, write_summary), (plot, write_plot)):
        if path is not None:
            write(table, path)
    flights = table["flight_id"].nunique()
    typer.echo(f"{len(table)} exposures of {flights} flights written to {out}", err=True)
