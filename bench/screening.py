"""Screening flown tracks on Dask (`airspace-risk screen`), and the same question asked of PostGIS.

    createdb -h 127.0.0.1 -U postgres airspace_risk_bench_screen
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/airspace_risk_bench_screen
    .venv/bin/airspace-risk db create && .venv/bin/airspace-risk db upgrade
    .venv/bin/airspace-risk load                          # the bundled layers, as `make run` does
    .venv/bin/python -m bench.screening --positions 1000000 --positions 10000000 \\
        --rounds 2 --large-rounds 1 --profile             # ~22 min on 2 cores
    dropdb -h 127.0.0.1 -U postgres airspace_risk_bench_screen

Tracks: bench/tracks_generate.py's synthetic flights (seeded), written to <--data>/tracks_<N>/
(default /tmp/bench_screen; one Parquet file per million positions) unless already there.
Hazards: loaded once, exactly as the command does (`load_hazards`, then `screening_hazards`
with the default incident radius).

For each size, --rounds rounds (--large-rounds from 10^7 positions on), each worker count
(--workers, default 1 and 2) in turn, the order reversed every other round; before each run, a
wait (at most --quiet-wait s) until other work on the machine stays under 0.3 core for 2 s:
  - a fresh LocalCluster(n_workers=W, threads_per_worker=1, processes=True, no dashboard), as
    the command starts one; its start-up (cluster, client, workers up; spawned workers import
    this module, so the screening code too) is timed apart and not counted in the screening;
  - `screen_tracks(client, [folder], hazards, partitions=8)` (the command's default), timed;
    the first pass (reading, `aircraft_near`) ends when the progress callback is first told;
    the scheduler's task stream gives the compute seconds per kind of task and worker;
  - peak RSS of each worker process: psutil on the workers' pids (asked once with client.run),
    sampled every 0.2 s from a thread of this process; the CPU seconds of the workers, of this
    process and its children (client, scheduler, nannies, workers), and of everything else on
    the machine over the run ("other work", in cores).
Then, once per size, outside the screening's timings:
  - the first pass alone in this process over every file (how many aircraft and reports it
    keeps), and the pairs the screening's band leaves out where a system has two ceilings;
  - PostGIS: table bench_positions (icao24, callsign, time_s, alt_ft, onground, lon, lat, and
    geom geometry(Point,4326) generated from lon/lat), filled by COPY (timed: reading the Parquet
    files and writing CSV here, and the COPY itself), a GiST index on geom (timed), ANALYZE
    (timed); then ONE query (`_query`) joining the reports with conflict_zones and
    engagement_areas by ST_Intersects, in each record's band and validity window at the report's
    time, grouped by (aircraft, layer, record), run as many times as the screening's rounds; and
    the same query on the screening's own hazards written to a table (their areas, bands and
    counting windows, incident rings included); EXPLAIN ANALYZE of each once more;
  - the (aircraft, hazard) pairs of both compared; each pair found by one side only is
    explained by testing that aircraft's reports against what the query was asked about and
    against the screening's hazard (area, band, counting window).
With --profile, the screening of 100 of the kept aircraft of the first size in this process
under cProfile: where the time goes. --keep-tables leaves bench_positions (the last size) and
bench_screening_hazards in the database.

Results: <--data>/screening_results.json (and screening_profile.txt), a summary at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import statistics
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas
import psutil  # type: ignore[import-untyped]
import psycopg
import pyarrow.parquet
import shapely
from dask.utils import key_split
from distributed import Client, LocalCluster, get_task_stream

from app.core.risk.hazards import Hazard
from app.core.risk.model import DEFAULT_MODEL
from app.core.tracks.reading import read_track_file
from app.core.tracks.screen import HazardIndex, aircraft_near, of_aircraft, screen_frame
from app.core.units import METRES_PER_FOOT
from app.services.screening import layers_to_screen, screen_tracks
from app.settings import get_settings
from app.store.engine import make_engine
from bench.tracks_generate import generate

ROOT = Path(__file__).resolve().parent.parent
PARTITIONS = 8  # `airspace-risk screen --partitions`, its default
SAMPLE_S = 0.2
PROFILE_AIRCRAFT = 100
COMPARED_LAYERS = ("conflict_zones", "engagement_areas")
TABLE = "bench_positions"
COPY_COLUMNS = ("icao24", "callsign", "time_s", "alt_ft", "onground", "lon", "lat")
CREATE = f"""
DROP TABLE IF EXISTS {TABLE};
CREATE TABLE {TABLE} (
    icao24 text NOT NULL,
    callsign text,
    time_s double precision NOT NULL,
    alt_ft double precision,
    onground boolean,
    lon double precision,
    lat double precision,
    geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326))
        STORED
)"""
HAZARDS_TABLE = "bench_screening_hazards"
# The records as stored (the brief's question), or the screening's own hazards (their areas,
# bands and counting windows, incident rings included) written to HAZARDS_TABLE.
AS_STORED = """
    SELECT 'conflict_zones' AS layer, id, geom, lower_ft, upper_ft, valid_from, valid_to
    FROM conflict_zones WHERE retired_at IS NULL
    UNION ALL
    SELECT 'engagement_areas', id, geom, lower_ft, upper_ft, valid_from, valid_to
    FROM engagement_areas WHERE retired_at IS NULL"""
AS_SCREENED = f"""
    SELECT layer, id, geom, lower_ft, upper_ft, valid_from, valid_to FROM {HAZARDS_TABLE}"""  # noqa: S608


def _query(records: str) -> str:
    """The reports inside a record's area, band (null: open; an unknown altitude counts as
    inside, as the screening counts it) and validity window (null: open) at the report's time;
    one row per (aircraft, layer, record): how many reports, the first and last of them."""
    return f"""
WITH records AS ({records}
)
SELECT p.icao24, r.layer, r.id, count(*) AS reports, min(p.time_s), max(p.time_s)
FROM records r
JOIN {TABLE} p ON ST_Intersects(r.geom, p.geom)
WHERE NOT coalesce(p.onground, false)
  AND (p.alt_ft IS NULL OR ((r.lower_ft IS NULL OR p.alt_ft >= r.lower_ft)
                            AND (r.upper_ft IS NULL OR p.alt_ft <= r.upper_ft)))
  AND (r.valid_from IS NULL OR to_timestamp(p.time_s) >= r.valid_from)
  AND (r.valid_to IS NULL OR to_timestamp(p.time_s) < r.valid_to)
GROUP BY 1, 2, 3"""  # noqa: S608 (this module's constants)


QUERIES = {"as stored": _query(AS_STORED), "screening's hazards": _query(AS_SCREENED)}
COMPARED = {"as stored": COMPARED_LAYERS, "screening's hazards": (*COMPARED_LAYERS, "incidents")}

Pair = tuple[str, str, str]  # icao24, layer, record id


def _git(*args: str) -> str:
    """A git command's output in the repository."""
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _machine() -> dict[str, Any]:
    """CPU model, cores and memory of this machine."""
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    model = next(
        (line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line), "?"
    )
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "load_average": os.getloadavg(),
    }


# ---------------------------------------------------------------- data


def track_folder(data: Path, positions: int) -> tuple[Path, dict[str, Any]]:
    """The folder of N generated positions (generated if missing), and what is in it."""
    folder = data / f"tracks_{positions}"
    generated_s = None
    if not sorted(folder.glob("*.parquet")):
        started = time.perf_counter()
        generate(positions, folder)
        generated_s = time.perf_counter() - started
    files = sorted(folder.glob("*.parquet"))
    rows = [pyarrow.parquet.ParquetFile(f).metadata.num_rows for f in files]
    groups = [pyarrow.parquet.ParquetFile(f).metadata.num_row_groups for f in files]
    return folder, {
        "positions": sum(rows),
        "files": len(files),
        "row_groups": sum(groups),
        "bytes": sum(f.stat().st_size for f in files),
        "generated_s": generated_s,
    }


def hazards_as_the_command_loads_them() -> tuple[list[Hazard], dict[str, Any]]:
    """`airspace-risk screen`'s hazards (`layers_to_screen`, the default incident radius)."""
    started = time.perf_counter()
    engine = make_engine(get_settings())
    try:
        chosen = layers_to_screen(engine, DEFAULT_MODEL.default_incident_radius_nm)
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    return chosen, {
        "load_s": seconds,
        "screened": dict(Counter(h.layer.value for h in chosen)),
        "incident_radius_nm": DEFAULT_MODEL.default_incident_radius_nm,
    }


# ---------------------------------------------------------------- sampling


@dataclass
class Sampler:
    """Peak RSS of some processes, sampled from a thread of this one."""

    pids: list[int]
    peaks: dict[int, int] = field(default_factory=dict)
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        processes = [psutil.Process(pid) for pid in self.pids]
        while not self._stop.is_set():
            for process in processes:
                try:
                    rss = process.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                self.peaks[process.pid] = max(self.peaks.get(process.pid, 0), rss)
            self.samples += 1
            self._stop.wait(SAMPLE_S)

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far."""
    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (not idle, iowait or steal)."""
    times = psutil.cpu_times()._asdict()
    idle = ("idle", "iowait", "steal", "guest", "guest_nice")  # guest time is in user already
    return float(sum(v for k, v in times.items() if k not in idle))


def _ours() -> list[int]:
    """This process and all its descendants (nannies, workers, their helpers)."""
    me = psutil.Process()
    return [me.pid, *(child.pid for child in me.children(recursive=True))]


def _worker_ready() -> int:
    """On a worker: the screening code imported; its pid."""
    import app.services.screening  # noqa: F401

    return os.getpid()


def _digest(found: pandas.DataFrame) -> list[Any]:
    """What a screening found, in a comparable form (rounded to a millisecond)."""
    return [
        len(found),
        int(found["flight_id"].nunique()) if len(found) else 0,
        pandas.util.hash_pandas_object(
            found[["flight_id", "hazard_id", "entry_t_s", "exit_t_s"]].round(3), index=False
        )
        .sum()
        .item()
        if len(found)
        else 0,
    ]


# ---------------------------------------------------------------- the screening on Dask


def screen_once(folder: Path, hazards: list[Hazard], workers: int) -> tuple[dict[str, Any], Any]:
    """One screening on a fresh local cluster of `workers` processes: times, memory, CPU."""
    started = time.perf_counter()
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)  # type: ignore[no-untyped-call]
    client.wait_for_workers(workers)
    startup_s = time.perf_counter() - started
    try:
        started = time.perf_counter()
        pids = sorted(client.run(_worker_ready).values())
        import_s = time.perf_counter() - started
        idle = {pid: psutil.Process(pid).memory_info().rss for pid in pids}
        told: list[tuple[float, int, int]] = []

        def progress(done: int, total: int) -> None:
            told.append((time.perf_counter(), done, total))

        ours = _ours()
        workers_cpu, ours_cpu, busy = _cpu_s(pids), _cpu_s(ours), _machine_busy_s()
        with Sampler(pids) as sampler, get_task_stream(client) as stream:
            screen_started = time.perf_counter()
            found = screen_tracks(client, [folder], hazards, PARTITIONS, progress=progress)
            seconds = time.perf_counter() - screen_started
        ours = [pid for pid in _ours() if psutil.pid_exists(pid)]
        workers_cpu = _cpu_s(pids) - workers_cpu
        ours_cpu = _cpu_s(ours) - ours_cpu
        other_cpu = max(_machine_busy_s() - busy - ours_cpu, 0.0)
    finally:
        started = time.perf_counter()
        client.close()  # type: ignore[no-untyped-call]
        cluster.close()
        close_s = time.perf_counter() - started
    first_pass_s = told[0][0] - screen_started if told else seconds
    return {
        "workers": workers,
        "startup_s": startup_s,
        "worker_import_s": import_s,
        "close_s": close_s,
        "seconds": seconds,
        # From the call to the first progress call: the first pass (reading, aircraft_near),
        # the chosen aircraft gathered and scattered; the rest reads again, shuffles, screens.
        "first_pass_s": first_pass_s,
        "tasks": told[0][2] if told else 0,
        "rss_idle": [idle[pid] for pid in pids],
        "rss_peak": [sampler.peaks.get(pid, 0) for pid in pids],
        "samples": sampler.samples,
        "workers_cpu_s": workers_cpu,
        "ours_cpu_s": ours_cpu,
        "other_cores": other_cpu / seconds,
        "exposures": len(found),
        "digest": _digest(found),
        "tasks_by_kind": _task_kinds(stream.data),
    }, found


def _task_kinds(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Seconds computing (and transferring) per kind of task, per worker, and the longest."""
    kinds: dict[str, dict[str, Any]] = {}
    workers = sorted({t["worker"] for t in tasks})
    for task in tasks:
        kind = kinds.setdefault(
            key_split(task["key"]),
            {"count": 0, "compute_s": [0.0] * len(workers), "longest_s": 0.0, "transfer_s": 0.0},
        )
        kind["count"] += 1
        for step in task["startstops"]:
            length = step["stop"] - step["start"]
            if step["action"] == "compute":
                kind["compute_s"][workers.index(task["worker"])] += length
                kind["longest_s"] = max(kind["longest_s"], length)
            elif step["action"] == "transfer":
                kind["transfer_s"] += length
    return dict(sorted(kinds.items(), key=lambda item: -sum(item[1]["compute_s"])))


def wait_quiet(max_s: float, cores: float = 0.3) -> dict[str, float]:
    """Wait (at most max_s) until other work on the machine stays under `cores` for 2 s."""
    started = time.perf_counter()
    while True:
        before = _machine_busy_s()
        time.sleep(2.0)
        busy = (_machine_busy_s() - before) / 2.0
        waited = time.perf_counter() - started
        if busy < cores or waited >= max_s:
            return {"waited_s": waited, "busy_cores_before": busy}


# ---------------------------------------------------------------- in this process


def _reports(path: Path, aircraft: frozenset[str] | None = None) -> pandas.DataFrame:
    """A file's reports (of these aircraft), with the altitude in feet as the screening takes
    it (barometric, else geometric)."""
    frame = read_track_file(path)
    if aircraft is not None:
        frame = of_aircraft(frame, aircraft)
    altitude_m = frame["baroaltitude"].where(frame["baroaltitude"].notna(), frame["geoaltitude"])
    return frame.assign(alt_ft=altitude_m.astype("float64") / METRES_PER_FOOT, time_s=frame["time"])


def first_pass(folder: Path, hazards: list[Hazard]) -> tuple[dict[str, Any], frozenset[str]]:
    """aircraft_near over every file, in this process: how many aircraft and reports it keeps."""
    index = HazardIndex(hazards)
    started = time.perf_counter()
    everyone: set[str] = set()
    kept: set[str] = set()
    for path in sorted(folder.glob("*.parquet")):
        frame = read_track_file(path)
        everyone.update(frame["icao24"].unique())
        kept.update(aircraft_near(frame, index))
    seconds = time.perf_counter() - started
    chosen = frozenset(kept)
    reports = total = 0
    for path in sorted(folder.glob("*.parquet")):
        frame = read_track_file(path)
        total += len(frame)
        reports += int(frame["icao24"].isin(chosen).sum())
    return {
        "seconds_one_core": seconds,
        "aircraft": len(everyone),
        "aircraft_kept": len(chosen),
        "reports": total,
        "reports_kept": reports,
    }, chosen


def between_ceilings(folder: Path, hazards: list[Hazard]) -> dict[str, Any]:
    """For hazards with two published ceilings (upper_ft the lower, ceiling_spread_ft the
    higher): the (aircraft, hazard) pairs with a report inside the area and counting window
    between the two, which the screening's band (up to upper_ft) leaves out."""
    spread = [
        h for h in hazards if h.ceiling_spread_ft is not None and h.upper_ft is not None
        and h.ceiling_spread_ft > h.upper_ft
    ]  # fmt: skip
    pairs: set[tuple[str, str, str]] = set()
    below: set[tuple[str, str, str]] = set()
    for path in sorted(folder.glob("*.parquet")):
        frame = _reports(path)
        frame = frame.loc[frame["lat"].notna() & frame["lon"].notna()]
        for h in spread:
            west, south, east, north = h.area.bounds
            near = frame.loc[frame["lon"].between(west, east) & frame["lat"].between(south, north)]
            start = None if h.valid_from is None else h.valid_from.timestamp()
            end = None if h.valid_to is None else h.valid_to.timestamp()
            tests = _tests(near, h.area, h.lower_ft, h.ceiling_spread_ft, start, end)
            inside = tests["area"] & tests["window"]
            upper = float(h.upper_ft) if h.upper_ft is not None else np.inf
            alt = near["alt_ft"].to_numpy(dtype="float64")
            key = (h.layer.value, h.id)
            aircraft = near["icao24"].to_numpy()
            pairs.update((a, *key) for a in aircraft[inside & tests["band"] & (alt > upper)])
            below.update((a, *key) for a in aircraft[inside & tests["band"] & (alt <= upper)])
    return {
        "hazards": [(h.layer.value, h.id, h.upper_ft, h.ceiling_spread_ft) for h in spread],
        "pairs_between_ceilings": len(pairs),
        "of_which_never_below_the_lower": len(pairs - below),
    }


def profile(folder: Path, hazards: list[Hazard], kept: frozenset[str]) -> dict[str, Any]:
    """The screening of PROFILE_AIRCRAFT kept aircraft, in this process, under cProfile."""
    aircraft = frozenset(sorted(kept)[:PROFILE_AIRCRAFT])
    frame = pandas.concat(
        [of_aircraft(read_track_file(p), aircraft) for p in sorted(folder.glob("*.parquet"))],
        ignore_index=True,
    )
    index = HazardIndex(hazards)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    found = screen_frame(frame, index)
    profiler.disable()
    seconds = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]

    def cumulative(name: str, file_part: str) -> tuple[int, float]:
        calls, seconds_in = 0, 0.0
        for (path, _, function), (_, primitive, _, cum, _) in raw.items():
            if function == name and file_part in path:
                calls += primitive
                seconds_in += cum
        return calls, seconds_in

    parts = {
        name: cumulative(name, where)
        for name, where in (
            ("flight_exposures", "tracks/exposures.py"),
            ("_substeps", "tracks/exposures.py"),
            ("_crossing", "tracks/exposures.py"),
            ("_bridges", "tracks/exposures.py"),
            ("fwd", "pyproj/geod.py"),
            ("inv", "pyproj/geod.py"),
            ("intersects_xy", "shapely/predicates.py"),
            ("asdict", "dataclasses.py"),
            ("split_flights", "tracks/flights.py"),
            ("along", "tracks/screen.py"),
        )
    }
    return {
        "aircraft": len(aircraft),
        "reports": len(frame),
        "exposures": len(found),
        "seconds_profiled": seconds,
        "calls_and_cumulative_s": parts,
        "text": text.getvalue(),
    }


# ---------------------------------------------------------------- PostGIS


def _dsn() -> str:
    """The database the hazards were loaded from, as psycopg takes it."""
    return str(get_settings().database_url).replace("postgresql+psycopg://", "postgresql://")


def _write_hazards(connection: psycopg.Connection[Any], hazards: list[Hazard]) -> None:
    """The screening's hazards as rows of HAZARDS_TABLE."""
    connection.execute(
        f"DROP TABLE IF EXISTS {HAZARDS_TABLE}; CREATE TABLE {HAZARDS_TABLE} (layer text, id text,"
        " geom geometry(Geometry, 4326), lower_ft double precision, upper_ft double precision,"
        " valid_from timestamptz, valid_to timestamptz)"
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {HAZARDS_TABLE} VALUES"  # noqa: S608
            " (%s, %s, ST_GeomFromWKB(%s, 4326), %s, %s, %s, %s)",
            [
                (h.layer.value, h.id, shapely.to_wkb(h.area), h.lower_ft, h.upper_ft,
                 h.valid_from, h.valid_to)
                for h in hazards
            ],
        )  # fmt: skip


def postgis(
    folder: Path, hazards: list[Hazard], rounds: int, quiet_s: float
) -> tuple[dict[str, Any], dict[str, dict[Pair, tuple[int, float, float]]]]:
    """Load the reports, index them, run each of QUERIES `rounds` times: times, sizes, pairs."""
    result: dict[str, Any] = {"queries": {}}
    pairs: dict[str, dict[Pair, tuple[int, float, float]]] = {}
    with psycopg.connect(_dsn(), autocommit=True) as connection:
        connection.execute(CREATE)
        encode_s = 0.0
        started = time.perf_counter()
        with connection.cursor() as cursor:
            columns = ", ".join(COPY_COLUMNS)
            with cursor.copy(f"COPY {TABLE} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                for path in sorted(folder.glob("*.parquet")):
                    begun = time.perf_counter()
                    frame = _reports(path)[list(COPY_COLUMNS)]
                    text = frame.to_csv(header=False, index=False)
                    encode_s += time.perf_counter() - begun
                    copy.write(text)
        result["copy_s"] = time.perf_counter() - started
        result["copy_encode_s"] = encode_s
        started = time.perf_counter()
        connection.execute(f"CREATE INDEX {TABLE}_geom ON {TABLE} USING gist (geom)")
        result["index_s"] = time.perf_counter() - started
        started = time.perf_counter()
        connection.execute(f"ANALYZE {TABLE}")
        result["analyze_s"] = time.perf_counter() - started
        sizes = connection.execute(
            f"SELECT count(*), pg_table_size('{TABLE}'), pg_indexes_size('{TABLE}') FROM {TABLE}"  # noqa: S608
        ).fetchone()
        assert sizes is not None
        result["rows"], result["table_bytes"], result["index_bytes"] = sizes
        _write_hazards(connection, hazards)
        result["settings"] = dict(
            connection.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('work_mem',"
                " 'shared_buffers', 'max_parallel_workers_per_gather', 'jit')"
            ).fetchall()
        )
        for name, query in QUERIES.items():
            timed: dict[str, Any] = {"seconds": [], "busy_cores": [], "quiet": []}
            rows: list[tuple[Any, ...]] = []
            for _ in range(rounds):
                timed["quiet"].append(wait_quiet(quiet_s))
                busy = _machine_busy_s()
                started = time.perf_counter()
                rows = connection.execute(query).fetchall()
                seconds = time.perf_counter() - started
                timed["seconds"].append(seconds)
                timed["busy_cores"].append((_machine_busy_s() - busy) / seconds)
            analysed = connection.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}").fetchone()
            assert analysed is not None
            timed["explain_analyze"] = analysed[0]
            found = {
                (str(a), str(b), str(c)): (int(n), float(lo), float(hi))
                for a, b, c, n, lo, hi in rows
            }
            timed["pairs"] = len(found)
            timed["report_rows"] = sum(n for n, _, _ in found.values())
            timed["aircraft"] = len({p[0] for p in found})
            result["queries"][name] = timed
            pairs[name] = found
    return result, pairs


def _plan_summary(plan: Any) -> list[str]:
    """The plan's nodes, one line each, indented by depth."""
    lines: list[str] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        label = node["Node Type"]
        if "Relation Name" in node:
            label += f" on {node['Relation Name']}"
        if "Index Name" in node:
            label += f" using {node['Index Name']}"
        for key in (
            "Workers Planned", "Workers Launched", "Actual Total Time", "Actual Rows",
            "Actual Loops", "Sort Method", "Sort Space Used", "Sort Space Type",
        ):  # fmt: skip
            if key in node:
                label += f" {key}={node[key]}"
        lines.append("  " * depth + label)
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(plan[0]["Plan"], 0)
    return lines


# ---------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Record:
    """A zone or engagement area as stored."""

    area: Any
    lower_ft: float | None
    upper_ft: float | None
    valid_from: float | None
    valid_to: float | None


def records() -> dict[tuple[str, str], Record]:
    """The compared tables' records as stored (times as seconds since 1970)."""
    found: dict[tuple[str, str], Record] = {}
    with psycopg.connect(_dsn()) as connection:
        statement = (
            "SELECT layer, id, ST_AsBinary(geom), lower_ft, upper_ft, extract(epoch FROM"  # noqa: S608
            f" valid_from), extract(epoch FROM valid_to) FROM ({AS_STORED}) r"
        )
        rows = connection.execute(statement).fetchall()
    for layer, row_id, wkb, lower, upper, start, end in rows:
        found[(layer, row_id)] = Record(
            shapely.from_wkb(bytes(wkb)), lower, upper,
            None if start is None else float(start), None if end is None else float(end),
        )  # fmt: skip
    return found


def as_records(hazards: list[Hazard]) -> dict[tuple[str, str], Record]:
    """The screening's hazards in the same form."""
    found: dict[tuple[str, str], Record] = {}
    for h in hazards:
        start = None if h.valid_from is None else h.valid_from.timestamp()
        end = None if h.valid_to is None else h.valid_to.timestamp()
        found[(h.layer.value, h.id)] = Record(h.area, h.lower_ft, h.upper_ft, start, end)
    return found


def _tests(
    frame: pandas.DataFrame,
    area: Any,
    lower: float | None,
    upper: float | None,
    start: float | None,
    end: float | None,
) -> dict[str, np.ndarray]:
    """Per report: inside the area, the band (unknown altitude: inside), the window."""
    alt = frame["alt_ft"].to_numpy(dtype="float64")
    t = frame["time"].to_numpy(dtype="float64")
    return {
        "area": np.asarray(
            shapely.intersects_xy(
                area, frame["lon"].to_numpy(dtype="float64"), frame["lat"].to_numpy(dtype="float64")
            )
        ),
        "band": np.isnan(alt)
        | (
            (alt >= (-np.inf if lower is None else lower))
            & (alt <= (np.inf if upper is None else upper))
        ),
        "window": (t >= (-np.inf if start is None else start))
        & (t < (np.inf if end is None else end)),
    }


def compare(
    folder: Path,
    hazards: list[Hazard],
    found: pandas.DataFrame,
    pairs: dict[Pair, tuple[int, float, float]],
    stored: dict[tuple[str, str], Record],
    layers: tuple[str, ...],
) -> dict[str, Any]:
    """The (aircraft, hazard) pairs of both (of these layers), and why a pair is found by one
    side only: the aircraft's reports tested against `stored` (what PostGIS was asked about)
    and against the screening's hazard."""
    compared = found.loc[found["layer"].isin(layers)]
    screened = set(zip(compared["icao24"], compared["layer"], compared["hazard_id"], strict=True))
    queried = set(pairs)
    only_screening, only_postgis = screened - queried, queried - screened
    by_record = {(h.layer.value, h.id): h for h in hazards}
    aircraft = frozenset(p[0] for p in only_screening | only_postgis)
    reports = pandas.concat(
        [_reports(p, aircraft) for p in sorted(folder.glob("*.parquet"))], ignore_index=True
    )
    reports = reports.loc[
        reports["lat"].notna() & reports["lon"].notna() & ~reports["onground"].fillna(False)
    ]
    grouped = dict(tuple(reports.groupby("icao24")))
    reasons: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for side, differing in (("screening only", only_screening), ("PostGIS only", only_postgis)):
        for pair in sorted(differing):
            icao24, layer, record_id = pair
            theirs = grouped[icao24]
            record = stored[(layer, record_id)]
            hazard = by_record.get((layer, record_id))
            as_stored = _tests(
                theirs, record.area, record.lower_ft, record.upper_ft,
                record.valid_from, record.valid_to,
            )  # fmt: skip
            if hazard is None:
                reason = "no screening hazard for the record"
            else:
                as_screened = _tests(
                    theirs, hazard.area, hazard.lower_ft, hazard.upper_ft,
                    None if hazard.valid_from is None else hazard.valid_from.timestamp(),
                    None if hazard.valid_to is None else hazard.valid_to.timestamp(),
                )  # fmt: skip
                inside_screened = as_screened["area"] & as_screened["band"] & as_screened["window"]
                inside_stored = as_stored["area"] & as_stored["band"] & as_stored["window"]
                if side == "screening only" and not inside_screened.any():
                    reason = "crossed between reports (no report inside)"
                elif side == "PostGIS only" and inside_screened.any():
                    reason = "reports inside the screening's own hazard, yet no exposure"
                else:
                    # The reports one side counts: which of the other side's tests they fail.
                    counted = inside_screened if side == "screening only" else inside_stored
                    other = as_stored if side == "screening only" else as_screened
                    failed = [k for k in ("area", "window", "band") if not other[k][counted].all()]
                    reason = "differs in " + " and ".join(failed) if failed else "unexplained"
            key = f"{side}: {layer}: {reason}"
            reasons[key] += 1
            examples.setdefault(key, [])
            if len(examples[key]) < 3:
                examples[key].append(f"{icao24} {record_id}")
    return {
        "screening_pairs": len(screened),
        "postgis_pairs": len(queried),
        "both": len(screened & queried),
        "screening_only": len(only_screening),
        "postgis_only": len(only_postgis),
        "screening_pairs_by_layer": dict(Counter(p[1] for p in screened)),
        "postgis_pairs_by_layer": dict(Counter(p[1] for p in queried)),
        "incident_pairs": int(
            found.loc[found["layer"] == "incidents", ["icao24", "hazard_id"]]
            .drop_duplicates()
            .shape[0]
        ),
        "reasons": dict(sorted(reasons.items())),
        "examples": examples,
    }


# ---------------------------------------------------------------- main

MEASURED = ("app/core/tracks", "app/core/risk", "app/services/screening.py", "app/store")


def _measured_code() -> dict[str, Any]:
    """The last commit touching the measured code, and its uncommitted changes (another
    engineer may be editing app/ while this runs; every fresh cluster imports the work tree)."""
    return {
        "last_commit": _git("log", "-1", "--format=%h", "--", *MEASURED),
        "uncommitted": _git("status", "--short", "--", *MEASURED).splitlines(),
        "diff_sha": subprocess.run(
            ["sh", "-c", f"git -C {ROOT} diff HEAD -- {' '.join(MEASURED)} | sha1sum"],
            capture_output=True, text=True, check=True,
        ).stdout.split()[0],
    }  # fmt: skip


def main() -> None:
    """Generate (if needed), screen, query, compare, write and print the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--positions", type=int, action="append")
    parser.add_argument("--workers", type=int, action="append")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--large-rounds", type=int, default=1, help="rounds from 10,000,000 positions on"
    )
    parser.add_argument("--data", type=Path, default=Path("/tmp/bench_screen"))
    parser.add_argument("--no-postgis", action="store_true")
    parser.add_argument("--keep-tables", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--quiet-wait", type=float, default=90.0, help="s to wait for other work to stop"
    )
    args = parser.parse_args()
    # Dask's shuffle says at WARNING level that it started and ended (as the command, quiet).
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
    sizes = sorted(args.positions or [1_000_000, 10_000_000])
    worker_counts = sorted(args.workers or [1, 2])
    args.data.mkdir(parents=True, exist_ok=True)
    out = args.data / "screening_results.json"
    results: dict[str, Any] = {
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": _git("status", "--short").splitlines(),
        "measured_code_at_start": _measured_code(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "partitions": PARTITIONS,
        "sizes": [],
    }
    begun = time.perf_counter()
    hazards, results["hazards"] = hazards_as_the_command_loads_them()
    print("hazards:", results["hazards"], flush=True)
    for size in sizes:
        folder, data = track_folder(args.data, size)
        rounds = args.large_rounds if size >= 10_000_000 else args.rounds
        entry: dict[str, Any] = {"requested": size, "data": data, "rounds": rounds, "runs": []}
        results["sizes"].append(entry)
        print(f"\n=== {size:,} ({time.perf_counter() - begun:.0f} s): {data}", flush=True)
        found: pandas.DataFrame | None = None
        for round_no in range(rounds):
            order = worker_counts if round_no % 2 == 0 else worker_counts[::-1]
            for workers in order:
                quiet = wait_quiet(args.quiet_wait)
                run, screened = screen_once(folder, hazards, workers)
                run |= quiet
                run["round"] = round_no + 1
                run["positions_per_s"] = data["positions"] / run["seconds"]
                run["positions_per_s_per_core"] = run["positions_per_s"] / workers
                run["finished_after_s"] = time.perf_counter() - begun
                entry["runs"].append(run)
                found = screened if found is None else found
                print(
                    f"round {round_no + 1}, {workers} worker(s): {run['seconds']:.1f} s"
                    f" (first pass {run['first_pass_s']:.1f} s), start-up {run['startup_s']:.1f}"
                    f" s, {run['positions_per_s']:,.0f} positions/s,"
                    f" {run['positions_per_s_per_core']:,.0f} per core, peak RSS"
                    f" {[round(r / 2**20) for r in run['rss_peak']]} MiB, workers' CPU"
                    f" {run['workers_cpu_s']:.1f} s, ours {run['ours_cpu_s']:.1f} s, other"
                    f" {run['other_cores']:.2f} cores, {run['exposures']} exposures; waited"
                    f" {run['waited_s']:.0f} s for quiet ({run['busy_cores_before']:.2f} busy)",
                    flush=True,
                )
                for kind, spent in list(run["tasks_by_kind"].items())[:4]:
                    print(
                        f"  {kind}: {spent['count']} tasks, compute per worker"
                        f" {[round(v, 1) for v in spent['compute_s']]} s, longest"
                        f" {spent['longest_s']:.1f} s, transfer {spent['transfer_s']:.1f} s",
                        flush=True,
                    )
                out.write_text(json.dumps(results, indent=2, default=str))
        entry["same_exposures_every_run"] = (
            len({json.dumps(r["digest"]) for r in entry["runs"]}) == 1
        )
        entry["first_pass"], kept = first_pass(folder, hazards)
        print("first pass:", entry["first_pass"], flush=True)
        entry["between_ceilings"] = between_ceilings(folder, hazards)
        print("between two ceilings:", entry["between_ceilings"], flush=True)
        if args.profile and size == sizes[0]:
            entry["profile"] = profile(folder, hazards, kept)
            (args.data / "screening_profile.txt").write_text(entry["profile"].pop("text"))
            print("profile:", entry["profile"], flush=True)
        if not args.no_postgis and found is not None:
            entry["postgis"], pairs = postgis(folder, hazards, rounds, args.quiet_wait)
            entry["compare"] = {}
            stored = {"as stored": records(), "screening's hazards": as_records(hazards)}
            for name, timed in entry["postgis"]["queries"].items():
                print(
                    f"postgis, {name}: {timed['seconds']} s, busy {timed['busy_cores']} cores,"
                    f" {timed['pairs']} pairs, {timed['report_rows']} report rows",
                    flush=True,
                )
                print("\n".join(_plan_summary(timed["explain_analyze"])), flush=True)
                entry["compare"][name] = compare(
                    folder, hazards, found, pairs[name], stored[name], COMPARED[name]
                )
                print(f"compare, {name}:", json.dumps(entry["compare"][name]), flush=True)
        out.write_text(json.dumps(results, indent=2, default=str))
    if not args.no_postgis and not args.keep_tables:
        with psycopg.connect(_dsn(), autocommit=True) as connection:
            connection.execute(f"DROP TABLE IF EXISTS {TABLE}, {HAZARDS_TABLE}")
    results["measured_code_at_end"] = _measured_code()
    results["seconds"] = time.perf_counter() - begun
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    out.write_text(json.dumps(results, indent=2, default=str))
    print("\n" + summary(results))
    print(f"\ntotal {results['seconds']:.0f} s; results in {out}")


def summary(results: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    lines = [
        f"commit {results['commit']}, {results['machine']['cpu']}, {results['started']}",
        f"measured code at start {results['measured_code_at_start']}, at end"
        f" {results.get('measured_code_at_end')}",
        "",
        "| positions | workers | screening s (runs) | median | positions/s | per core |"
        " 2 ÷ 1 workers | first pass s | start-up s | peak RSS per worker (MiB) |"
        " other work (cores) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in results["sizes"]:
        positions = entry["data"]["positions"]
        medians: dict[int, float] = {}
        for workers in sorted({r["workers"] for r in entry["runs"]}):
            runs = [r for r in entry["runs"] if r["workers"] == workers]
            medians[workers] = statistics.median(r["seconds"] for r in runs)
        for workers, median in medians.items():
            runs = [r for r in entry["runs"] if r["workers"] == workers]
            speedup = medians[1] / median if 1 in medians and workers != 1 else None
            rss = [max(r["rss_peak"][i] for r in runs) / 2**20 for i in range(workers)]
            times = " / ".join(f"{r['seconds']:.1f}" for r in runs)
            lines.append(
                f"| {positions:,} | {workers} | {times}"
                f" | **{median:.1f}** | {positions / median:,.0f} |"
                f" {positions / median / workers:,.0f} |"
                f" {'' if speedup is None else f'{speedup:.2f}×'} |"
                f" {statistics.median(r['first_pass_s'] for r in runs):.1f} |"
                f" {statistics.median(r['startup_s'] for r in runs):.1f} |"
                f" {' / '.join(f'{v:,.0f}' for v in rss)} |"
                f" {max(r['other_cores'] for r in runs):.2f} |"
            )
    lines += [
        "",
        "| positions | COPY s (of which Parquet → CSV here) | GiST index s | ANALYZE s |"
        " table + index MB | query | query s (runs) | busy cores | result rows = pairs |"
        " (report, record) rows |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for entry in results["sizes"]:
        pg = entry.get("postgis")
        if pg is None:
            continue
        for name, timed in pg["queries"].items():
            lines.append(
                f"| {entry['data']['positions']:,} | {pg['copy_s']:.1f} ({pg['copy_encode_s']:.1f})"
                f" | {pg['index_s']:.1f} | {pg['analyze_s']:.1f} |"
                f" {(pg['table_bytes'] + pg['index_bytes']) / 1e6:,.0f} | {name} |"
                f" {' / '.join(f'{s:.2f}' for s in timed['seconds'])} |"
                f" {' / '.join(f'{c:.2f}' for c in timed['busy_cores'])} | {timed['pairs']:,} |"
                f" {timed['report_rows']:,} |"
            )
    for entry in results["sizes"]:
        for name, compared in entry.get("compare", {}).items():
            lines.append(f"\n{entry['data']['positions']:,}, {name}: {json.dumps(compared)}")
        lines.append(f"first pass: {json.dumps(entry['first_pass'])}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
