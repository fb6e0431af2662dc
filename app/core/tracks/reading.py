"""Reading flown tracks: CSV or Parquet files of state vectors in OpenSky's columns, gzip'd or
not, one file or a folder of them, with a column mapping for other sources
(`{"ts": "time", "hex": "icao24", …}`: their name → ours)."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas
import pyarrow.parquet

from app.core.tracks.flights import COLUMNS, OPTIONAL_COLUMNS

SUFFIXES = (".csv", ".csv.gz", ".parquet")
# A Parquet file is read in parts of about this many rows (whole row groups), so one task never
# holds a large file; a CSV file is one part (a gzip'd one cannot be entered midway).
ROWS_PER_PART = 1_000_000


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


@dataclass(frozen=True)
class TrackPart:
    """A file, or some row groups of a Parquet file: what one task reads."""

    path: Path
    row_groups: tuple[int, ...] | None = None


def track_parts(files: list[Path], rows_per_part: int = ROWS_PER_PART) -> list[TrackPart]:
    """The parts to read the files in: a CSV file whole, a Parquet file by its row groups."""
    parts: list[TrackPart] = []
    for path in files:
        if not path.name.endswith(".parquet"):
            parts.append(TrackPart(path))
            continue
        try:
            metadata = pyarrow.parquet.ParquetFile(path).metadata
        except (OSError, pyarrow.ArrowException) as error:
            raise TrackFileError(f"{path}: cannot be read as Parquet: {error}") from None
        group: list[int] = []
        rows = 0
        for index in range(metadata.num_row_groups):
            group.append(index)
            rows += metadata.row_group(index).num_rows
            if rows >= rows_per_part:
                parts.append(TrackPart(path, tuple(group)))
                group, rows = [], 0
        if group or not parts or parts[-1].path != path:
            parts.append(TrackPart(path, tuple(group)))
    return parts


def check_track_columns(path: Path, mapping: Mapping[str, str] | None = None) -> None:
    """TrackFileError unless the file can be read and has our columns (after the mapping):
    its schema or first rows only, so a large upload is refused at once."""
    try:
        if path.name.endswith(".parquet"):
            names = list(pyarrow.parquet.read_schema(path).names)
        else:
            names = list(pandas.read_csv(path, compression="infer", nrows=5).columns)
    except (OSError, ValueError, pandas.errors.ParserError, pyarrow.ArrowException) as error:
        raise TrackFileError(f"{path.name}: cannot be read: {error}") from None
    renamed = {dict(mapping or {}).get(name, name) for name in names}
    missing = [c for c in COLUMNS if c not in renamed]
    if missing:
        raise TrackFileError(
            f"{path.name}: no column {', '.join(missing)} (give a column mapping for other sources)"
        )


def read_track_file(
    path: Path, mapping: Mapping[str, str] | None = None, row_groups: tuple[int, ...] | None = None
) -> pandas.DataFrame:
    """A file's state vectors (or these row groups of a Parquet file) in our columns (others
    dropped), times as seconds since 1970."""
    try:
        if path.name.endswith(".parquet"):
            source = pyarrow.parquet.ParquetFile(path)
            table = source.read() if row_groups is None else source.read_row_groups(row_groups)
            frame = table.to_pandas()
        else:
            frame = pandas.read_csv(
                path, compression="infer", dtype={"icao24": str, "callsign": str}
            )
    except (OSError, ValueError, pandas.errors.ParserError, pyarrow.ArrowException) as error:
        raise TrackFileError(f"{path}: cannot be read: {error}") from None
    if mapping:
        frame = frame.rename(columns=dict(mapping))
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise TrackFileError(
            f"{path}: no column {', '.join(missing)} (give a column mapping for other sources)"
        )
    # Every frame has the same columns (NIC and NACp empty where the source has none).
    frame = frame.reindex(columns=[*COLUMNS, *OPTIONAL_COLUMNS])
    for column in OPTIONAL_COLUMNS:
        frame[column] = pandas.to_numeric(frame[column], errors="coerce").astype("float64")
    if not pandas.api.types.is_numeric_dtype(frame["time"]):
        frame = frame.assign(time=pandas.to_datetime(frame["time"], utc=True).astype("int64") / 1e9)
    return frame


def in_window(
    frame: pandas.DataFrame, start_s: float | None, end_s: float | None
) -> pandas.DataFrame:
    """The reports from start_s (inclusive) to end_s (exclusive); None: open."""
    keep = pandas.Series(True, index=frame.index)
    if start_s is not None:
        keep &= frame["time"] >= start_s
    if end_s is not None:
        keep &= frame["time"] < end_s
    return frame.loc[keep]
