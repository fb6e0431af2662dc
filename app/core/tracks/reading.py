"""Reading flown tracks: CSV or Parquet files of state vectors in OpenSky's columns, gzip'd or
not, one file or a folder of them, with a column mapping for other sources
(`{"ts": "time", "hex": "icao24", …}`: their name → ours)."""

from collections.abc import Mapping
from pathlib import Path

import pandas

from app.core.tracks.flights import COLUMNS

SUFFIXES = (".csv", ".csv.gz", ".parquet")


class TrackFileError(ValueError):
    """A track file that cannot be read as state vectors; the message names the file."""


def track_files(paths: list[Path]) -> list[Path]:
    """The files to read: each file given, and the track files of each folder given (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.name.endswith(SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise TrackFileError(f"{path}: no such file or folder")
    if not found:
        raise TrackFileError(
            f"no track files ({', '.join(SUFFIXES)}) in {', '.join(map(str, paths))}"
        )
    return found


def read_track_file(path: Path, mapping: Mapping[str, str] | None = None) -> pandas.DataFrame:
    """One file's state vectors in our columns (others dropped), times as seconds since 1970."""
    try:
        if path.name.endswith(".parquet"):
            frame = pandas.read_parquet(path)
        else:
            frame = pandas.read_csv(
                path, compression="infer", dtype={"icao24": str, "callsign": str}
            )
    except (OSError, ValueError, pandas.errors.ParserError) as error:
        raise TrackFileError(f"{path}: cannot be read: {error}") from None
    if mapping:
        frame = frame.rename(columns=dict(mapping))
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise TrackFileError(
            f"{path}: no column {', '.join(missing)} (give a column mapping for other sources)"
        )
    frame = frame[list(COLUMNS)]
    if not pandas.api.types.is_numeric_dtype(frame["time"]):
        frame = frame.assign(time=pandas.to_datetime(frame["time"], utc=True).astype("int64") / 1e9)
    return frame
