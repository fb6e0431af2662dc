"""OGC API – Features: this project's layer API against tipg, same PostGIS table, same requests.

    .venv/bin/python -m bench.features --zones 10000 --zones 100000 [--duration 20] [--rounds 2]

For each zone count N (in increasing order; the table is grown, never shrunk):
  - database airspace_risk_featbench (created and migrated with `airspace-risk db create/upgrade`),
    conflict_zones holding the first N synthetic zones of bench_zones_100000 (from
    bench/generate.py) as real rows: name = id, level and band from the zone, issuer 'BENCH',
    sources {https://example.org/bench}, certainty 'low', firs '{}'; VACUUM ANALYZE.
  - two servers, one uvicorn process each, on loopback: ours (`airspace-risk serve`) and tipg
    (uvicorn tipg.main:app from a separate venv, --tipg-venv) pointed at that same database; tipg
    discovers public.conflict_zones itself.
  - pages: GET items?limit=100&bbox=<random 5°×5° box> (one fixed sequence of boxes, the same for
    both servers), wrk 2 threads × 10 connections, --duration seconds, --rounds rounds alternating
    ours/tipg: req/s, p50, p95, errors; plus a check that both return the same numberMatched and
    the same ids for the first 20 boxes.
  - whole layer (N = 10,000 only): ours `items?f=geojson` (curl, to /dev/null) against the time
    PostgreSQL alone needs to build the same FeatureCollection (ST_AsGeoJSON + json_agg, fetched
    as text by psycopg), and tipg `items?limit=10000` for reference; --repeats times each, median.
  - memory: ours `items?f=geojson` of all N features while /proc/<pid>/status VmRSS of the server
    is sampled every 100 ms: before, peak, after.
Results: bench/data/features_results.json, bench/data/features_summary.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from app.core.layers.collections import COLLECTIONS
from bench.generate import PG_BENCH

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
DB_NAME = "airspace_risk_featbench"
DB_URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
SOURCE_TABLE = "bench_zones_100000"
SEED = 20241226
BOX_DEG = 5.0
BOXES = 2000

WRK_LUA = """
local paths = {paths}
local headers = {headers}
local counter = 0
function setup(thread)
  thread:set("start", counter * {stride})
  counter = counter + 1
end
function init(args)
  i = start
end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], headers)
end
local bad = 0
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %.3f %d %d %d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.bytes))
end
"""


# ---------------------------------------------------------------- data


def setup_database(count: int, db_url: str = DB_URL, source_table: str = SOURCE_TABLE) -> None:
    """conflict_zones with exactly the first `count` synthetic zones (grown if fewer)."""
    env = {**os.environ, "DATABASE_URL": db_url}
    for args in (["db", "create"], ["db", "upgrade"]):
        subprocess.run(
            [str(BIN / "airspace-risk"), *args],
            env=env,
            check=True,
            timeout=300,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    with psycopg.connect(db_url, autocommit=True) as dst:
        have = dst.execute("SELECT count(*) FROM conflict_zones").fetchone()[0]  # type: ignore[index]
        if have == count:
            return
        if have > count:
            dst.execute("DELETE FROM conflict_zones")
            have = 0
        started = time.perf_counter()
        dst.execute("DROP TABLE IF EXISTS bench_stage")
        dst.execute(
            "CREATE UNLOGGED TABLE bench_stage (id text, level smallint, lower_ft integer,"
            " upper_ft integer, geom geometry(MultiPolygon, 4326))"
        )
        with psycopg.connect(PG_BENCH) as src:
            copy_out = (
                f"COPY (SELECT id, level, round(lower_ft)::int, round(upper_ft)::int, geom "  # noqa: S608
                f"FROM {source_table} ORDER BY id OFFSET {have} LIMIT {count - have}) TO STDOUT"
            )
            with (
                src.cursor().copy(copy_out) as reader,
                dst.cursor().copy("COPY bench_stage FROM STDIN") as writer,
            ):
                for block in reader:
                    writer.write(block)
        dst.execute(
            "INSERT INTO conflict_zones (id, name, level, lower_ft, upper_ft, issuer, instrument,"
            " threat, published_at, valid_from, end_basis, sources, certainty, firs, geom)"
            " SELECT id, id, level, lower_ft, upper_ft, 'BENCH', 'bench', 'bench',"
            " '2020-01-01Z', '2020-01-01Z', 'until_further_notice',"
            " ARRAY['https://example.org/bench'], 'low', '{}', geom FROM bench_stage"
        )
        dst.execute("DROP TABLE bench_stage")
        dst.execute("VACUUM ANALYZE conflict_zones")
        now = dst.execute("SELECT count(*) FROM conflict_zones").fetchone()[0]  # type: ignore[index]
        print(
            f"conflict_zones: {have} -> {now} rows in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        assert now == count, (now, count)


# ---------------------------------------------------------------- servers


class Server:
    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        port: int,
        ready_path: str,
        log: Path | None = None,
    ):
        self.name, self.port = name, port
        self.log = log or DATA / f"features_server_{name}.log"
        handle = self.log.open("wb")
        self.proc = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url(ready_path), timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{name} did not answer {ready_path} within 90 s")

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def rss_kb(self) -> int:
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", text).group(1))  # type: ignore[union-attr]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def start_ours(port: int) -> Server:
    env = {**os.environ, "DATABASE_URL": DB_URL, "PYTHONFAULTHANDLER": "1"}
    return Server(
        "ours",
        [str(BIN / "airspace-risk"), "serve", "--host", HOST, "--port", str(port)],
        env,
        port,
        "/collections/conflict_zones/items?limit=1",
    )


def start_tipg(venv: Path, port: int) -> Server:
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_MAX_FEATURES_PER_QUERY": "100000",
    }
    argv = [
        str(venv / "bin" / "uvicorn"),
        "tipg.main:app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    return Server("tipg", argv, env, port, "/collections/public.conflict_zones/items?limit=1")


# ---------------------------------------------------------------- pages


def boxes(kind: str) -> list[tuple[float, float, float, float]]:
    """A fixed sequence of 5°×5° boxes. uniform: anywhere over the zones' area (lon -20..140,
    lat 0..70; many boxes hold no zone); zones: centred within ±2.5° of a zone's centroid (one of
    the first 10,000 zones, drawn at random: pages where the data are, as a map client asks)."""
    rng = random.Random(f"{SEED}-{kind}")
    out = []
    if kind == "uniform":
        for _ in range(BOXES):
            x, y = rng.uniform(-22.0, 137.0), rng.uniform(-2.0, 67.0)
            out.append((x, y, x + BOX_DEG, y + BOX_DEG))
    else:
        with psycopg.connect(PG_BENCH) as conn:
            centres = conn.execute(
                f"SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(geom) AS c FROM {SOURCE_TABLE}"  # noqa: S608
                " ORDER BY id LIMIT 10000) s"
            ).fetchall()
        for _ in range(BOXES):
            cx, cy = rng.choice(centres)
            cx, cy = cx + rng.uniform(-2.5, 2.5), cy + rng.uniform(-2.5, 2.5)
            x = min(max(cx - BOX_DEG / 2, -180.0), 180.0 - BOX_DEG)
            y = min(max(cy - BOX_DEG / 2, -90.0), 90.0 - BOX_DEG)
            out.append((x, y, x + BOX_DEG, y + BOX_DEG))
    return [tuple(round(v, 3) for v in box) for box in out]  # type: ignore[misc]


_BOXES: dict[str, list[tuple[float, float, float, float]]] = {}


def page_paths(collection: str, kind: str) -> list[str]:
    if kind not in _BOXES:
        _BOXES[kind] = boxes(kind)
    return [
        f"/collections/{collection}/items?limit=100&bbox={a},{b},{c},{d}"
        for a, b, c, d in _BOXES[kind]
    ]


def wrk_output(server: Server, script: str, duration: int, connections: int) -> str:
    """What wrk prints after running a Lua script against a server (2 threads)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        return subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s",
             handle.name, server.url("/")],
            capture_output=True, text=True, timeout=duration + 60, check=False,
        ).stdout  # fmt: skip
    finally:
        os.unlink(handle.name)


def run_wrk(server: Server, paths: list[str], duration: int, connections: int) -> dict[str, Any]:
    script = (
        WRK_LUA.replace("{paths}", "{" + ",".join(json.dumps(p) for p in paths) + "}")
        .replace("{stride}", str(len(paths) // 2))
        .replace("{headers}", "{}")
    )
    out = wrk_output(server, script, duration, connections)
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, dur_us, p50, p95, p99, mean, status_err, sock_err = line.split()[1:9]
    return {
        "requests": int(n),
        "seconds": int(dur_us) / 1e6,
        "rps": int(n) / (int(dur_us) / 1e6),
        "p50_ms": float(p50) / 1000,
        "p95_ms": float(p95) / 1000,
        "p99_ms": float(p99) / 1000,
        "mean_ms": float(mean) / 1000,
        "errors": int(status_err) + int(sock_err),
    }


def same_pages(ours: Server, tipg: Server, kind: str, count: int = 40) -> dict[str, Any]:
    """numberMatched and the set of returned ids, box by box; response sizes and features."""
    matched_equal = ids_equal = 0
    sizes: dict[str, list[int]] = {"ours": [], "tipg": []}
    returned: list[int] = []
    notes: list[dict[str, Any]] = []
    with httpx.Client(timeout=30) as client:
        for a, b in zip(
            page_paths("conflict_zones", kind)[:count],
            page_paths("public.conflict_zones", kind)[:count],
            strict=True,
        ):
            ra, rb = client.get(ours.url(a)), client.get(tipg.url(b))
            ra.raise_for_status()
            rb.raise_for_status()
            sizes["ours"].append(len(ra.content))
            sizes["tipg"].append(len(rb.content))
            ja, jb = ra.json(), rb.json()
            ma, mb = ja.get("numberMatched"), jb.get("numberMatched")
            matched_equal += ma == mb
            ia = {str(f["id"]) for f in ja["features"]}
            ib = {str(f["id"]) for f in jb["features"]}
            ids_equal += ia == ib
            returned.append(len(ia))
            if (ma != mb or ia != ib) and len(notes) < 5:
                notes.append(
                    {
                        "path": a,
                        "matched": [ma, mb],
                        "returned": [len(ia), len(ib)],
                        "only_ours": sorted(ia - ib)[:5],
                        "only_tipg": sorted(ib - ia)[:5],
                    }
                )
    return {
        "kind": kind,
        "boxes": count,
        "numberMatched_equal": matched_equal,
        "ids_equal": ids_equal,
        "median_returned": statistics.median(returned),
        "empty": sum(n == 0 for n in returned),
        "median_bytes": {k: statistics.median(v) for k, v in sizes.items()},
        "differences": notes,
    }


# ---------------------------------------------------------------- whole layer


def _props_sql() -> str:
    pairs = []
    for prop in COLLECTIONS["conflict_zones"].properties:
        value = (
            f"array_to_string({prop.name}, ' ')" if prop.name in ("sources", "firs") else prop.name
        )
        pairs.append(f"'{prop.name}', {value}")
    return "json_build_object(" + ", ".join(pairs) + ")"


def floor_sql(kind: str) -> str:
    """The same FeatureCollection as ours (same properties, 6 decimals), built by PostgreSQL.

    json_agg: the floor of the target (ST_AsGeoJSON + json_agg, one text value);
    string_agg: the same text glued as strings (no JSON re-parse of the geometry);
    rows: no aggregation, the rows our server reads (id, geometry text, properties text)."""
    props = _props_sql()
    where = "FROM conflict_zones WHERE retired_at IS NULL"
    if kind == "json_agg":
        return (
            "SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg("
            "json_build_object('type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(geom,"
            " 6)::json,"
            f" 'properties', {props}) ORDER BY id))::text {where}"
        )
    if kind == "string_agg":
        return (
            'SELECT \'{"type":"FeatureCollection","features":[\' || string_agg('
            '\'{"type":"Feature","id":\' || to_json(id)::text || \',"geometry":\' || '
            "ST_AsGeoJSON(geom, 6)"
            f" || ',\"properties\":' || {props}::text || '}}', ',' ORDER BY id) || ']}}' {where}"
        )
    return f"SELECT id, ST_AsGeoJSON(geom, 6), {props}::text {where} ORDER BY id"


def time_floor(kind: str, repeats: int) -> dict[str, Any]:
    sql = floor_sql(kind)
    times, size, features = [], 0, 0
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        for i in range(repeats + 1):
            t0 = time.perf_counter()
            rows = conn.execute(sql).fetchall()
            elapsed = time.perf_counter() - t0
            if i:  # the first is a warm-up
                times.append(elapsed)
        if kind == "rows":
            size = sum(len(r[0]) + len(r[1]) + len(r[2]) for r in rows)
            features = len(rows)
        else:
            text = rows[0][0]
            size = len(text.encode())
            features = len(json.loads(text)["features"])
    return {
        "kind": kind,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "times_s": times,
        "bytes": size,
        "features": features,
    }


def curl_time(url: str) -> tuple[float, int, int]:
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{time_total} %{size_download} %{http_code}", url],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def time_download(server: Server, path: str, repeats: int) -> dict[str, Any]:
    times, size, codes = [], 0, set()
    for i in range(repeats + 1):
        elapsed, size, code = curl_time(server.url(path))
        codes.add(code)
        if i:
            times.append(elapsed)
    with httpx.Client(timeout=600) as client:
        features = len(client.get(server.url(path)).json()["features"])
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "times_s": times,
        "bytes": size,
        "http_codes": sorted(codes),
        "features": features,
    }


def memory_during(server: Server, path: str) -> dict[str, Any]:
    """Server VmRSS every 100 ms while one download runs (curl to /dev/null)."""
    samples: list[tuple[float, int]] = []
    stop = threading.Event()

    def sample() -> None:
        t0 = time.perf_counter()
        while not stop.is_set():
            samples.append((time.perf_counter() - t0, server.rss_kb()))
            stop.wait(0.1)

    time.sleep(1.0)
    before = server.rss_kb()
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    elapsed, size, code = curl_time(server.url(path))
    stop.set()
    thread.join()
    time.sleep(1.0)
    after = server.rss_kb()
    peak = max(kb for _, kb in samples)
    return {
        "before_kb": before,
        "peak_kb": peak,
        "after_kb": after,
        "growth_kb": peak - before,
        "seconds": elapsed,
        "bytes": size,
        "http_code": code,
        "samples": len(samples),
        "series_kb": [kb for _, kb in samples],
    }


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--zones", type=int, action="append")
    parser.add_argument("--duration", type=int, default=20, help="wrk seconds per pages test")
    parser.add_argument(
        "--rounds", type=int, default=2, help="ours/tipg alternations per zone count"
    )
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument(
        "--repeats", type=int, default=5, help="whole-layer downloads (after a warm-up)"
    )
    parser.add_argument("--tipg-venv", type=Path, default=Path("/tmp/tipg-venv"))
    parser.add_argument("--port", type=int, default=18770, help="ours; tipg on port + 1")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    results: dict[str, Any] = {"commit": commit, "runs": []}
    for count in sorted(args.zones or [10_000, 100_000]):
        print(f"\n=== {count} zones ===", flush=True)
        setup_database(count)
        run: dict[str, Any] = {"zones": count, "pages": []}
        ours = start_ours(args.port)
        tipg = start_tipg(args.tipg_venv, args.port + 1)
        try:
            run["same_pages"] = []
            for kind in ("zones", "uniform"):
                check = same_pages(ours, tipg, kind)
                run["same_pages"].append(check)
                print(
                    "same pages:",
                    {k: v for k, v in check.items() if k != "differences"},
                    flush=True,
                )
                paths = {
                    "ours": page_paths("conflict_zones", kind),
                    "tipg": page_paths("public.conflict_zones", kind),
                }
                for name, server in (("ours", ours), ("tipg", tipg)):  # warm-up
                    run_wrk(server, paths[name], 3, args.connections)
                for round_no in range(args.rounds):
                    for name, server in (("ours", ours), ("tipg", tipg)):
                        r = run_wrk(server, paths[name], args.duration, args.connections)
                        r |= {
                            "server": name,
                            "boxes": kind,
                            "round": round_no + 1,
                            "alive": server.alive(),
                        }
                        run["pages"].append(r)
                        print(
                            f"pages {kind} {name} round {round_no + 1}: {r['requests']} req,"
                            f" {r['rps']:.1f} req/s,"
                            f" p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, errors"
                            f" {r['errors']}",
                            flush=True,
                        )
            if count == 10_000:
                run["floors"] = [
                    time_floor(kind, args.repeats) for kind in ("json_agg", "string_agg", "rows")
                ]
                run["floor"] = run["floors"][0]
                for floor in run["floors"]:
                    print(
                        "postgres:", {k: v for k, v in floor.items() if k != "times_s"}, flush=True
                    )
                run["download_ours"] = time_download(
                    ours, "/collections/conflict_zones/items?f=geojson", args.repeats
                )
                print("ours geojson:", run["download_ours"], flush=True)
                run["download_tipg"] = time_download(
                    tipg, "/collections/public.conflict_zones/items?limit=10000", args.repeats
                )
                print("tipg limit=10000:", run["download_tipg"], flush=True)
            tipg.stop()  # the memory test runs alone
            run["memory"] = memory_during(ours, "/collections/conflict_zones/items?f=geojson")
            print(
                "memory:", {k: v for k, v in run["memory"].items() if k != "series_kb"}, flush=True
            )
            run["ours_alive_at_end"] = ours.alive()
        finally:
            ours.stop()
            tipg.stop()
        results["runs"].append(run)
        (DATA / "features_results.json").write_text(json.dumps(results, indent=2))
    (DATA / "features_summary.md").write_text(summary(results) + "\n")
    print("\n" + summary(results))


def summary(results: dict[str, Any]) -> str:
    lines = [
        f"commit {results['commit']}",
        "",
        "| zones | boxes | server | round | requests | req/s | p50 | p95 | p99 | errors |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results["runs"]:
        for r in run["pages"]:
            lines.append(
                f"| {run['zones']:,} | {r['boxes']} | {r['server']} | {r['round']} |"
                f" {r['requests']} | {r['rps']:.1f} "
                f"| {r['p50_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {r['p99_ms']:.1f} ms |"
                f" {r['errors']} |"
            )
    for run in results["runs"]:
        if "floor" in run:
            f, o, t = run["floor"], run["download_ours"], run["download_tipg"]
            lines += [
                "",
                "| whole layer, 10,000 features | median | min | bytes | features | ÷ floor |",
                "|---|---:|---:|---:|---:|---:|",
                *(
                    f"| PostgreSQL alone ({x['kind']}, psycopg) | {x['median_s']:.3f} s |"
                    f" {x['min_s']:.3f} s | {x['bytes']:,} "
                    f"| {x['features']} | {x['median_s'] / f['median_s']:.2f} |"
                    for x in run["floors"]
                ),
                f"| ours items?f=geojson | {o['median_s']:.3f} s | {o['min_s']:.3f} s |"
                f" {o['bytes']:,} | {o['features']} | {o['median_s'] / f['median_s']:.2f} |",
                f"| tipg items?limit=10000 | {t['median_s']:.3f} s | {t['min_s']:.3f} s |"
                f" {t['bytes']:,} | {t['features']} | {t['median_s'] / f['median_s']:.2f} |",
            ]
    lines += [
        "",
        "| zones | download | bytes | RSS before | peak | growth | after |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results["runs"]:
        m = run["memory"]
        lines.append(
            f"| {run['zones']:,} | {m['seconds']:.2f} s | {m['bytes']:,} |"
            f" {m['before_kb'] / 1024:.1f} MiB "
            f"| {m['peak_kb'] / 1024:.1f} MiB | {m['growth_kb'] / 1024:+.1f} MiB |"
            f" {m['after_kb'] / 1024:.1f} MiB |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
