"""Screening flown tracks on Dask: the state vectors read as a Dask dataframe, partitioned by
aircraft (a flight is never cut between tasks), and each partition screened against the hazards
(`core/tracks/screen.py`), which are sent once to each worker, not with every task. The same
code runs on a local cluster or on any scheduler given by address."""

from collections.abc import Mapping, Sequence
from pathlib import Path

import dask.dataframe
import pandas
from dask.delayed import delayed
from distributed import Client

from app.core.risk.hazards import Hazard
from app.core.tracks.flights import COLUMNS
from app.core.tracks.reading import read_track_file, track_files
from app.core.tracks.screen import EXPOSURE_COLUMNS, HazardIndex, screen_frame


def screen_tracks(
    client: Client,
    paths: list[Path],
    hazards: Sequence[Hazard],
    partitions: int,
    mapping: Mapping[str, str] | None = None,
) -> pandas.DataFrame:
    """Every exposure in the track files, computed on the client's cluster."""
    files = track_files(paths)
    parts = [delayed(read_track_file)(path, mapping) for path in files]
    meta = pandas.DataFrame({c: pandas.Series(dtype="object") for c in COLUMNS})
    frame = dask.dataframe.from_delayed(parts, meta=meta, verify_meta=False)
    # All of an aircraft's reports in one partition: its flights are split whole.
    by_aircraft = frame.shuffle("icao24", npartitions=partitions)
    # The hazards go to every worker once; each task gets them by reference.
    [index] = client.scatter([HazardIndex(hazards)], broadcast=True)
    empty = pandas.DataFrame({c: pandas.Series(dtype="object") for c in EXPOSURE_COLUMNS})
    exposures = by_aircraft.map_partitions(screen_frame, index, meta=empty)
    result: pandas.DataFrame = client.compute(exposures).result()
    return result.sort_values(["flight_id", "entry_t_s", "hazard_id"], ignore_index=True)
