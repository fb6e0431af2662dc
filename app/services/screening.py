"""Screening flown tracks on Dask. The files are read in parts (a CSV file, or about a million
rows of a Parquet file: OpenSky's files are an hour each, so parts follow time); a first pass
over the positions alone finds the aircraft that come near a hazard while it counts (space and
time), and only their reports are gathered by aircraft (a flight is never cut between tasks) and
screened (`core/tracks/screen.py`) against the hazards whose boxes their tracks meet. The
hazards go to each worker once, not with every task. The same code runs on a local cluster or
on any scheduler given by address."""

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import dask.dataframe
import pandas
from dask.delayed import delayed
from distributed import Client, as_completed
from sqlalchemy import Engine

from app.core.risk.hazards import Hazard
from app.core.tracks.flights import COLUMNS, OPTIONAL_COLUMNS
from app.core.tracks.reading import (
    check_track_columns,
    in_window,
    read_track_file,
    track_files,
    track_parts,
)
from app.core.tracks.screen import (
    EXPOSURE_COLUMNS,
    HazardIndex,
    aircraft_near,
    of_aircraft,
    screen_frame,
    screening_hazards,
)
from app.core.tracks.selection import Selection
from app.store.hazard_loading import load_hazards

MIN_PARTITIONS = 8
# Told (tasks done, tasks in all) as the screening goes.
Progress = Callable[[int, int], None]


def layers_to_screen(engine: Engine, incident_radius_nm: float) -> list[Hazard]:
    """The zones, engagement areas and incident rings as on record now, as screened."""
    with engine.connect() as connection:
        hazards, incidents = load_hazards(connection)
    return screening_hazards(hazards, incidents, incident_radius_nm)


def _read(path: Path, mapping: Mapping[str, str] | None, groups: tuple[int, ...] | None,
          selection: Selection) -> pandas.DataFrame:  # fmt: skip
    """One part's reports between the selection's times."""
    frame = read_track_file(path, mapping, groups)
    return in_window(frame, selection.start_s, selection.end_s)


def _gather(
    client: Client,
    graph: dask.dataframe.DataFrame,
    empty: pandas.DataFrame,
    progress: Progress | None,
) -> pandas.DataFrame:
    """A dataframe's partitions computed on the cluster and joined (`empty` if none), telling
    progress."""
    futures = client.compute(graph.to_delayed())
    if progress is not None:
        progress(0, len(futures))
        for done, _ in enumerate(as_completed(futures), start=1):
            progress(done, len(futures))
    frames = client.gather(futures)
    return pandas.concat(frames, ignore_index=True) if frames else empty


def screen_tracks(
    client: Client,
    paths: list[Path],
    hazards: Sequence[Hazard],
    partitions: int | None,
    mapping: Mapping[str, str] | None = None,
    selection: Selection | None = None,
    progress: Progress | None = None,
) -> pandas.DataFrame:
    """Every exposure in the track files (between the selection's times, of the hazards meeting
    its box), computed on the client's cluster, the reports gathered by aircraft into
    `partitions` (None: one per part read, at least MIN_PARTITIONS)."""
    selection = selection or Selection()
    hazards = selection.hazards(hazards)
    files = track_files(paths)
    for path in files:  # a file without our columns refused here, before any task runs
        check_track_columns(path, mapping)
    parts = track_parts(files)
    reads = [delayed(_read)(p.path, mapping, p.row_groups, selection) for p in parts]
    meta = pandas.DataFrame({c: pandas.Series(dtype="object") for c in COLUMNS})
    for column in OPTIONAL_COLUMNS:
        meta[column] = pandas.Series(dtype="float64")
    frame = dask.dataframe.from_delayed(reads, meta=meta, verify_meta=False)
    # The hazards go to every worker once; each task gets them by reference.
    [index] = client.scatter([HazardIndex(hazards)], broadcast=True)
    # Which aircraft come near a hazard while it counts (the files' first reading).
    near = frame.map_partitions(aircraft_near, index, meta=pandas.Series(dtype="object"))
    aircraft = frozenset(client.compute(near.drop_duplicates()).result())
    empty = pandas.DataFrame({c: pandas.Series(dtype="object") for c in EXPOSURE_COLUMNS})
    if not aircraft:
        return empty
    # Their reports only (the second reading), all of an aircraft's in one partition.
    [chosen] = client.scatter([aircraft], broadcast=True)
    theirs = frame.map_partitions(of_aircraft, chosen, meta=meta)
    # By default a partition per part read (about a million reports each), and at least 8, so
    # that a task's memory stays the same whatever the input's size.
    by_aircraft = theirs.shuffle(
        "icao24", npartitions=partitions or max(MIN_PARTITIONS, len(parts))
    )
    exposures = by_aircraft.map_partitions(screen_frame, index, meta=empty)
    result = _gather(client, exposures, empty, progress)
    return result.sort_values(["flight_id", "entry_t_s", "hazard_id"], ignore_index=True)
