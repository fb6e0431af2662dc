"""Serving at scale (issue 11): checker build time and memory per worker at 10,000 and 100,000
zones, `/readyz` while 200 route checks queue, and the time from a write to the first check
that sees it.

    .venv/bin/python -m bench.generate --zones 10000 --zones 100000   # bench/data/ (~4 min)
    git worktree add /tmp/baseline c470c7b                             # the baseline's code
    .venv/bin/python -m bench.serving --zones 10000 --zones 100000 --baseline /tmp/baseline

For each zone count: a database of its own (airspace_risk_bench_serving_<N>, on
127.0.0.1:5432) with the bundled layers and the N synthetic zones of bench/generate.py; then
  1. build: in a fresh process, one checker built through the service's CheckerService (what a
     worker does on its first check): seconds, RSS before and after, peak RSS of that process
     and of the process that built the edge grid apart;
  2. a server with `--workers 2`; each worker's RSS and PSS (proportional set size: shared
     pages split among the processes sharing them) after it has answered route checks;
  3. `/readyz` and `/healthz` latency while 200 route checks are in flight on that server;
  4. write to visible: an editor creates a zone across a route; then the route is checked
     again and again until the zone is in the answer. Time from the 201 to that answer.
With --baseline, each zone count is measured first with the baseline's code (a checkout of
another commit, put first on the path), then with this checkout's. Results:
bench/data/serving.json and stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
from sqlalchemy import create_engine, text

from bench.generate import zones_path
from bench.http_throughput import BIN, HOST, ROOT, setup_database, start_server, stop_server

DATA = ROOT / "bench" / "data"
SERVER = "postgresql://postgres@127.0.0.1:5432"
PORT = 8931
# Shared checker directories of the bench's own, emptied before each measurement.
BUILD_ONLY_SHARED = Path("/dev/shm/airspace-risk-bench")
SERVER_SHARED = Path("/dev/shm/airspace-risk-bench-server")
QUEUED = 200
# A route through the synthetic zones (Iran, Afghanistan, Pakistan): about 270 segments and
# 1.8 MB of answer at 10,000 zones (EHAM→WMKK there is 228 MB, a report-size problem of its own).
HEAVY_ROUTE = {"departure": "OMDB", "destination": "VIDP", "cruise_fl": 350}
# Over the Caspian Sea, on the UBBB→UATG great circle; no synthetic zone is needed there.
WRITE_ROUTE = {"departure": "UBBB", "destination": "UATG", "cruise_fl": 300}
INSERT = text(
    "INSERT INTO conflict_zones (id, name, level, lower_ft, upper_ft, published_at,"
    " valid_from, end_basis, threat, issuer, instrument, sources, certainty, geom)"
    " VALUES (:id, :id, :level, :lower_ft, :upper_ft, '2025-01-01Z', '2025-01-01Z',"
    " 'until_further_notice', 'bench', 'BENCH', 'bench', ARRAY['https://example.org/'], 'low',"
    " ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326)))"
)


def database_url(count: int, app_root: Path = ROOT) -> str:
    """The bench database for a zone count and a checkout (each migrated by its own code)."""
    suffix = "" if app_root == ROOT else "_baseline"
    return f"{SERVER}/airspace_risk_bench_serving_{count}{suffix}"


def prepare(count: int, app_root: Path = ROOT) -> None:
    """Create the database with the bundled layers and the synthetic zones (once), with the
    code (migrations included) of `app_root`."""
    url = database_url(count, app_root)
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(app_root)}
    setup_database(env, cwd=app_root)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        # The zones earlier runs' write-to-visible measurements added.
        connection.execute(text("DELETE FROM conflict_zones WHERE issuer = 'BENCH-WRITE'"))
        have = connection.execute(
            text("SELECT count(*) FROM conflict_zones WHERE issuer = 'BENCH'")
        ).scalar_one()
        if have == count:
            return
        connection.execute(text("DELETE FROM conflict_zones WHERE issuer = 'BENCH'"))
        features = orjson.loads(zones_path(count).read_bytes())["features"]
        rows = [
            {
                "id": f"bench-{feature['id']}",
                "level": feature["properties"]["level"],
                "lower_ft": feature["properties"]["lower_ft"],
                "upper_ft": feature["properties"]["upper_ft"],
                "geometry": orjson.dumps(feature["geometry"]).decode(),
            }
            for feature in features
        ]
        for start in range(0, len(rows), 2000):
            connection.execute(INSERT, rows[start : start + 2000])
    engine.dispose()


def _status_mb(field: str) -> float:
    """A size from /proc/self/status (VmRSS, VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def _rss_mb() -> float:
    """This process's resident memory now, in MiB."""
    return _status_mb("VmRSS")


def build_once(url: str) -> dict[str, float]:
    """Build one current checker as a worker does; its time and the memory it added."""
    from app.services.checkers import CheckerService
    from app.services.shared_edges import SharedEdges

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    # As a worker does, with the edge arrays in a shared directory of the bench's own.
    service = CheckerService(shared=SharedEdges(str(BUILD_ONLY_SHARED)))
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        before = _rss_mb()
        started = time.perf_counter()
        service.checker(connection)
        seconds = time.perf_counter() - started
    return {
        "build_s": seconds,
        "rss_before_mb": before,
        "rss_after_mb": _rss_mb(),
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a process started by a
        # large one (this bench's client, holding answers) would report its parent's size.
        "peak_rss_mb": _status_mb("VmHWM"),
        # The process that built the edge grid apart (services/edge_builder), if one ran.
        "builder_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _memory_of(pid: int) -> dict[str, float]:
    """RSS and PSS of a process, in MiB."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            values[name.lower() + "_mb"] = int(rest.split()[0]) / 1024
    return values


def _workers(supervisor: int) -> list[int]:
    """The worker processes under a server's supervisor."""
    found = subprocess.run(
        ["ps", "-o", "pid=,args=", "--ppid", str(supervisor)], capture_output=True, text=True
    ).stdout.splitlines()
    # Workers are spawned processes; multiprocessing's resource tracker is not one.
    return [int(line.split()[0]) for line in found if "spawn_main" in line]


async def _timed(client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> float:
    """Seconds one request takes, its whole answer read (it must succeed)."""
    started = time.perf_counter()
    async with client.stream(method, path, **kwargs) as response:
        response.raise_for_status()
        # Read and dropped: 200 answers of tens of MB each at 100,000 zones would not fit.
        async for _ in response.aiter_raw():
            pass
    return time.perf_counter() - started


async def probes_while_queued(base: str) -> dict[str, Any]:
    """/readyz and /healthz latencies while QUEUED route checks are in flight.

    The probes come from a process of their own (`--probe`), as a load balancer's would: in
    this process the event loop is busy reading 200 large answers, which would delay them."""
    limits = httpx.Limits(max_connections=QUEUED + 10)
    # Generous: the baseline at 100,000 zones answered some checks after more than 600 s.
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=1800) as checks:
        started = time.perf_counter()
        tasks = [
            asyncio.create_task(_timed(checks, "POST", "/v1/route-checks", json=HEAVY_ROUTE))
            for _ in range(QUEUED)
        ]
        await asyncio.sleep(0.5)
        probe = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.serving", "--probe", base,
            stdout=asyncio.subprocess.PIPE, cwd=ROOT,
        )  # fmt: skip
        in_flight: list[int] = []
        while probe.returncode is None:
            in_flight.append(sum(not t.done() for t in tasks))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(probe.wait(), 0.1)
        assert probe.stdout is not None
        probed = json.loads(await probe.stdout.read())
        check_s = await asyncio.gather(*tasks)
        total_s = time.perf_counter() - started
    return {
        "readyz_ms": _summary(probed["readyz"]),
        "healthz_ms": _summary(probed["healthz"]),
        "probes_failed": probed["failed"],
        "readyz_samples_ms": [round(t * 1000.0, 1) for t in probed["readyz"]],
        "healthz_samples_ms": [round(t * 1000.0, 1) for t in probed["healthz"]],
        "checks_in_flight_while_probing": [min(in_flight), max(in_flight)],
        "route_check_ms": _summary(list(check_s)),
        "all_checks_s": total_s,
    }


def probe(base: str, rounds: int = 40) -> dict[str, Any]:
    """/readyz then /healthz, every 0.1 s: each one's seconds, and any answer that was not a
    200 (a probe that fails under load is a finding, not a crash of the bench)."""
    times: dict[str, list[float]] = {"readyz": [], "healthz": []}
    failed: list[dict[str, Any]] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        client.get("/healthz")  # the connection is made here, outside the timed probes
        for _ in range(rounds):
            for name in times:
                started = time.perf_counter()
                answer = client.get(f"/{name}")
                times[name].append(time.perf_counter() - started)
                if answer.status_code != 200:
                    failed.append({"probe": name, "status": answer.status_code,
                                   "body": answer.text[:500]})  # fmt: skip
            time.sleep(0.1)
    return {**times, "failed": failed}


def _summary(seconds: list[float]) -> dict[str, float]:
    """p50, p95 and max of some durations, in ms."""
    values = np.array(seconds) * 1000.0
    return {
        "count": float(len(values)),
        "p50": float(np.percentile(values, 50)),
        "p95": float(np.percentile(values, 95)),
        "max": float(values.max()),
    }


def write_to_visible(base: str, key: str, count: int) -> dict[str, float]:
    """Seconds from an editor's 201 to the first route check that includes the new zone."""
    zone_id = f"bench-write-{count}-{int(time.time())}"
    square = [[50.0, 40.5], [51.0, 40.5], [51.0, 41.5], [50.0, 41.5], [50.0, 40.5]]
    feature = {
        "type": "Feature",
        "id": zone_id,
        "geometry": {"type": "Polygon", "coordinates": [square]},
        "properties": {
            "id": zone_id, "name": "Bench write", "level": 3, "firs": [],
            "published_at": "2026-01-01T00:00:00Z", "valid_from": "2026-01-01T00:00:00Z",
            "end_basis": "until_further_notice", "threat": "bench", "issuer": "BENCH-WRITE",
            "instrument": "bench", "sources": ["https://example.org/bench"],
            "certainty": "low",
        },
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, timeout=600) as client:
        client.post("/v1/route-checks", json=WRITE_ROUTE).raise_for_status()
        created = client.post("/v1/conflict-zones", json=feature, headers=headers)
        created.raise_for_status()
        written = time.perf_counter()
        checks = 0
        while True:
            checks += 1
            answer = client.post("/v1/route-checks", json=WRITE_ROUTE)
            answer.raise_for_status()
            ids = {h["id"] for s in answer.json()["segments"] for h in s["hazards"]}
            if zone_id in ids:
                return {"write_to_visible_s": time.perf_counter() - written, "checks": checks}


def _editor_key(url: str) -> str:
    """A new editor key's secret (printed once by the CLI)."""
    out = subprocess.run(
        [str(BIN / "airspace-risk"), "keys", "create", "--name", "bench", "--role", "editor"],
        env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return next(word for word in out.split() if word.startswith("ark_"))


def _one_check(base: str) -> httpx.Response:
    """One route check on a new connection."""
    with httpx.Client(base_url=base, timeout=900) as client:
        return client.post("/v1/route-checks", json=HEAVY_ROUTE)


def measure(count: int, workers: int, app_root: Path) -> dict[str, Any]:
    """Everything for one zone count, with the service's code from `app_root` (this checkout,
    or a checkout of a baseline commit)."""
    prepare(count, app_root)
    url = database_url(count, app_root)
    # The code under test comes first on the path (uvicorn puts its working directory first).
    code = {"PYTHONPATH": str(app_root)}
    shutil.rmtree(BUILD_ONLY_SHARED, ignore_errors=True)
    built = json.loads(
        subprocess.run(
            [sys.executable, "-m", "bench.serving", "--build-only", url],
            capture_output=True, text=True, check=True, cwd=app_root, env={**os.environ, **code},
        ).stdout
    )  # fmt: skip
    shutil.rmtree(SERVER_SHARED, ignore_errors=True)  # the workers build the grid themselves
    env = {
        **os.environ,
        **code,
        "DATABASE_URL": url,
        "AIRSPACE_RISK_SHARED_CHECKER_DIR": str(SERVER_SHARED),
        "AIRSPACE_RISK_ROUTE_CHECK_MAX_WAITING": str(QUEUED * 2),
        "AIRSPACE_RISK_MAX_CONCURRENT_REQUESTS": str(QUEUED * 4),
        "AIRSPACE_RISK_LOG_LEVEL": "warning",
    }
    key = _editor_key(url)
    server = start_server(env, PORT, DATA / f"serving_{count}.log", workers=workers, cwd=app_root)
    base = f"http://{HOST}:{PORT}"
    try:
        started = time.perf_counter()
        # Enough checks at once, each on a connection of its own, that every worker gets some
        # and builds its checker.
        with concurrent.futures.ThreadPoolExecutor(8 * workers) as pool:
            first = list(pool.map(lambda _: _one_check(base), range(8 * workers)))
        warm_s = time.perf_counter() - started
        assert all(r.status_code == 200 for r in first)
        memory = [_memory_of(pid) for pid in _workers(server.pid)]
        queued = asyncio.run(probes_while_queued(base))
        visible = write_to_visible(base, key, count)
    finally:
        stop_server(server)
    return {
        "zones": count, "workers": workers, "code": str(app_root), "build": built,
        "warm_s": warm_s, "worker_memory": memory, "queued": queued, "write": visible,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, action="append")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--build-only", metavar="URL")
    parser.add_argument("--probe", metavar="BASE_URL")
    parser.add_argument(
        "--baseline", metavar="DIR", type=Path,
        help="a checkout of the baseline commit (git worktree add DIR REV): measured first, "
        "in the same run",
    )  # fmt: skip
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.probe)))
        return
    if args.build_only:
        print(json.dumps(build_once(args.build_only)))
        return
    roots = ([args.baseline.resolve()] if args.baseline else []) + [ROOT]
    results = []
    for count in args.zones or [10_000]:
        for root in roots:
            results.append(measure(count, args.workers, root))
            # Written after each measurement: a later failure keeps what was measured.
            (DATA / "serving.json").write_text(json.dumps(results, indent=2))
            print(json.dumps(results[-1], indent=2), flush=True)


if __name__ == "__main__":
    main()
