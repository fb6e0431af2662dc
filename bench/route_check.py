"""Route check: plain PostGIS query per route against the engine, same data, same run.

    .venv/bin/python -m bench.route_check --zones 1000 --zones 10000 [--zones 100000]

(a) baseline: one PostGIS query per route. The route is a LineString densified along the
    geodesic (pieces <= 50 km, pyproj Geod.npts); ST_Intersects on the GiST-indexed geometry,
    ST_Length(ST_Intersection(...)::geography) for the length inside each zone.
(b) engine: RouteChecker built once (timed apart), then checker.check(plan) per route.

Both lateral answers are compared route by route: zone ids found, and length inside each zone.
Needs the data from bench/generate.py (with --load). Results: bench/data/route_check_<N>.json,
and a markdown summary on stdout.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import pstats
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import psycopg
import shapely
from pyproj import Geod
from shapely.geometry import LineString

from app.core.risk.check import RouteChecker, plan_flight
from app.core.risk.hazards import Hazard, HazardLayer
from app.core.routes.waypoints import Waypoint
from bench.generate import DATA, PG_BENCH, load_routes, load_zones, table_name

GEOD = Geod(ellps="WGS84")
BASELINE_PIECE_M = 50_000.0
COMMIT_AT_START = "unknown"
CRUISE_FT = 35_000.0
BASELINE_SQL = """
SELECT z.id, ST_Length(ST_Intersection(z.geom, r.g)::geography)
FROM {table} z, (SELECT ST_GeomFromWKB(%b, 4326) AS g) r
WHERE ST_Intersects(z.geom, r.g)
"""


def baseline_line(route: dict[str, Any]) -> LineString:
    """The route's geodesic as a LineString with pieces of at most 50 km."""
    inner = max(0, math.ceil(route["length_km"] * 1000.0 / BASELINE_PIECE_M) - 1)
    points = GEOD.npts(route["lon1"], route["lat1"], route["lon2"], route["lat2"], inner)
    return LineString([(route["lon1"], route["lat1"]), *points, (route["lon2"], route["lat2"])])


def stats_ms(values: list[float]) -> dict[str, float]:
    arr = np.array(values) * 1000.0
    return {
        "n": len(values),
        "median_ms": float(np.median(arr)),
        "p95_ms": float(np.percentile(arr, 95)),
        "mean_ms": float(arr.mean()),
        "max_ms": float(arr.max()),
        "total_s": float(arr.sum() / 1000.0),
    }


def pick(routes: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """An even spread of `count` routes (all when count >= len)."""
    if count >= len(routes):
        return routes
    step = len(routes) / count
    return [routes[int(i * step)] for i in range(count)]


def run_baseline(
    table: str, routes: list[dict[str, Any]], budget_s: float
) -> tuple[list[float], dict[str, dict[str, float]], int]:
    """Per-route query times and {route id: {zone id: length m}}; stops at budget_s."""
    sql = BASELINE_SQL.format(table=table)
    wkbs = [shapely.to_wkb(baseline_line(r)) for r in routes]
    times: list[float] = []
    found: dict[str, dict[str, float]] = {}
    with psycopg.connect(PG_BENCH, autocommit=True, prepare_threshold=0) as conn:
        cur = conn.cursor()
        for wkb in wkbs[:20]:  # warm-up (cache, plan)
            cur.execute(sql, (wkb,)).fetchall()
        started = time.perf_counter()
        for route, wkb in zip(routes, wkbs, strict=True):
            t0 = time.perf_counter()
            rows = cur.execute(sql, (wkb,)).fetchall()
            times.append(time.perf_counter() - t0)
            found[route["id"]] = {zone: float(length) for zone, length in rows}
            if time.perf_counter() - started > budget_s:
                break
    return times, found, len(times)


def build_checker(zones: list[dict[str, Any]]) -> tuple[RouteChecker, float]:
    hazards = [
        Hazard(
            layer=HazardLayer.CONFLICT_ZONE,
            id=z["properties"]["id"],
            name=z["properties"]["id"],
            area=z["area"],
            lower_ft=z["properties"]["lower_ft"],
            upper_ft=z["properties"]["upper_ft"],
            level=z["properties"]["level"],
        )
        for z in zones
    ]
    started = time.perf_counter()
    checker = RouteChecker(hazards)
    return checker, time.perf_counter() - started


def plan_of(route: dict[str, Any]):  # type: ignore[no-untyped-def]
    return plan_flight(
        [Waypoint(route["lon1"], route["lat1"]), Waypoint(route["lon2"], route["lat2"])],
        CRUISE_FT,
        None,
        None,
    )


def run_engine(
    checker: RouteChecker, routes: list[dict[str, Any]], budget_s: float
) -> dict[str, Any]:
    """Per-route plan and check times, and the batch (plan + check) wall time."""
    for route in routes[:20]:  # warm-up
        checker.check(plan_of(route))
    plan_times: list[float] = []
    check_times: list[float] = []
    segments = 0
    started = time.perf_counter()
    for route in routes:
        t0 = time.perf_counter()
        plan = plan_of(route)
        t1 = time.perf_counter()
        result = checker.check(plan)
        t2 = time.perf_counter()
        plan_times.append(t1 - t0)
        check_times.append(t2 - t1)
        segments += len(result.segments)
        if t2 - started > budget_s:
            break
    batch_s = time.perf_counter() - started
    return {
        "plan": plan_times,
        "check": check_times,
        "batch_s": batch_s,
        "routes": len(check_times),
        "segments": segments,
    }


def engine_lateral(
    checker: RouteChecker, ids: list[str], routes: list[dict[str, Any]]
) -> dict[str, dict[str, float]]:
    """{route id: {zone id: metres inside}} from the engine's lateral stage."""
    out: dict[str, dict[str, float]] = {}
    for route in routes:
        plan = plan_of(route)
        spans = checker.hazard_set.base.index.intervals(plan.path.densify())
        out[route["id"]] = {ids[i]: sum(b - a for a, b in s) for i, s in spans.items()}
    return out


def compare(
    baseline: dict[str, dict[str, float]],
    engine: dict[str, dict[str, float]],
    checker: RouteChecker,
    index_of: dict[str, int],
    routes_by_id: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Zones found by one side only, and how far the lengths differ where both found a zone."""
    pairs = 0
    baseline_only: list[tuple[str, str, float, float]] = []
    engine_only: list[tuple[str, str, float, float]] = []
    rel: list[tuple[float, float, float, str, str]] = []
    for rid, b in baseline.items():
        e = engine[rid]
        # Baseline zones touched in a point only (length 0) are not stretches of route.
        b_lines = {z: length for z, length in b.items() if length > 0.0}
        for z in set(b_lines) | set(e):
            if z in b_lines and z in e:
                pairs += 1
                diff = abs(e[z] - b_lines[z])
                rel.append((diff / b_lines[z], diff, b_lines[z], rid, z))
            elif z in b_lines:
                baseline_only.append(
                    (rid, z, b_lines[z], _fine_length(checker, index_of[z], routes_by_id[rid]))
                )
            else:
                engine_only.append(
                    (rid, z, e[z], _fine_length(checker, index_of[z], routes_by_id[rid]))
                )
    point_touches = sum(1 for b in baseline.values() for v in b.values() if v == 0.0)
    rel.sort(reverse=True)
    # The worst relative differences, each with the 500 m-densified arbiter's length.
    worst = [
        (r, d, b, rid, z, lateral_e, _fine_length(checker, index_of[z], routes_by_id[rid]))
        for r, d, b, rid, z in rel[:8]
        for lateral_e in [engine[rid][z]]
    ]
    worst_abs = [
        (r, d, b, rid, z, engine[rid][z], _fine_length(checker, index_of[z], routes_by_id[rid]))
        for r, d, b, rid, z in sorted(rel, key=lambda x: -x[1])[:5]
    ]
    rel_values = np.array([r[0] for r in rel]) if rel else np.zeros(1)
    abs_values = np.array([r[1] for r in rel]) if rel else np.zeros(1)
    long_rel = np.array([r[0] for r in rel if r[2] >= 10_000.0]) if rel else np.zeros(1)
    return {
        "routes_compared": len(baseline),
        "pairs_both": pairs,
        "baseline_point_touches": point_touches,
        "baseline_only": len(baseline_only),
        "engine_only": len(engine_only),
        "baseline_only_examples": sorted(baseline_only, key=lambda x: -x[2])[:8],
        "engine_only_examples": sorted(engine_only, key=lambda x: -x[2])[:8],
        "max_rel_diff": float(rel_values.max()),
        "p99_rel_diff": float(np.percentile(rel_values, 99)),
        "median_rel_diff": float(np.median(rel_values)),
        "max_rel_diff_ge_10km": float(long_rel.max()) if long_rel.size else 0.0,
        "max_abs_diff_m": float(abs_values.max()),
        "worst_rel": worst,
        "worst_abs": worst_abs,
        "zones_per_route_median": float(np.median([len(b) for b in baseline.values()])),
        "zones_per_route_mean": float(np.mean([len(b) for b in baseline.values()])),
    }


def _fine_length(checker: RouteChecker, hazard: int, route: dict[str, Any]) -> float:
    """Arbiter for a mismatch: geodesic metres of a 500 m-densified route inside the zone."""
    count = max(1, math.ceil(route["length_km"] * 1000.0 / 500.0) - 1)
    points = GEOD.npts(route["lon1"], route["lat1"], route["lon2"], route["lat2"], count)
    line = LineString([(route["lon1"], route["lat1"]), *points, (route["lon2"], route["lat2"])])
    inside = shapely.intersection(line, checker.hazards[hazard].area)
    return float(GEOD.geometry_length(inside)) if not inside.is_empty else 0.0


def profile(checker: RouteChecker, routes: list[dict[str, Any]], out: Path) -> str:
    plans = [plan_of(r) for r in routes]
    profiler = cProfile.Profile()
    profiler.enable()
    for plan in plans:
        checker.check(plan)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(18)
    stats.sort_stats("cumulative").print_stats(25)
    out.write_text(text.getvalue())
    return text.getvalue()


def run(
    count: int, routes: list[dict[str, Any]], budget_s: float, profile_routes: int
) -> dict[str, Any]:
    print(f"\n=== {count} zones ===", flush=True)
    t0 = time.perf_counter()
    zones = load_zones(count)
    print(f"loaded {len(zones)} zones from GeoJSON in {time.perf_counter() - t0:.1f} s", flush=True)
    ids = [z["properties"]["id"] for z in zones]
    index_of = {z: i for i, z in enumerate(ids)}
    checker, build_s = build_checker(zones)
    print(
        f"engine: RouteChecker built in {build_s:.2f} s"
        f" ({len(checker.hazard_set.base.index.areas)} cells)",
        flush=True,
    )
    del zones
    gc.collect()

    engine = run_engine(checker, routes, budget_s)
    engine_check = stats_ms(engine["check"])
    engine_plan = stats_ms(engine["plan"])
    print(
        f"engine: {engine['routes']} routes, check {engine_check}, batch {engine['batch_s']:.2f} s",
        flush=True,
    )

    times, found, done = run_baseline(table_name(count), routes, budget_s)
    baseline = stats_ms(times)
    print(f"baseline: {done} routes, {baseline}", flush=True)

    compared = routes[: min(done, engine["routes"])]
    common = len(compared)
    # When a budget cut one side short, both are also summarised over the same routes.
    baseline_common = stats_ms(times[:common])
    engine_common = stats_ms(engine["check"][:common])
    lateral = engine_lateral(checker, ids, compared)
    result = compare(
        {r["id"]: found[r["id"]] for r in compared},
        lateral,
        checker,
        index_of,
        {r["id"]: r for r in compared},
    )
    print(
        "compare:",
        {k: v for k, v in result.items() if not k.endswith(("examples", "worst_rel", "worst_abs"))},
        flush=True,
    )
    prof_text = ""
    if profile_routes:
        prof_text = profile(checker, pick(routes, profile_routes), DATA / f"profile_{count}.txt")
    out = {
        "commit": COMMIT_AT_START,
        "zones": count,
        "routes_requested": len(routes),
        "build_s": build_s,
        "cells": len(checker.hazard_set.base.index.areas),
        "engine_check": engine_check,
        "engine_plan": engine_plan,
        "engine_batch_s": engine["batch_s"],
        "engine_routes": engine["routes"],
        "baseline": baseline,
        "baseline_routes": done,
        "speedup_median": baseline_common["median_ms"] / engine_common["median_ms"],
        "common_routes": common,
        "baseline_common": baseline_common,
        "engine_common": engine_common,
        "per_route": {
            "ids": [r["id"] for r in routes],
            "length_km": [r["length_km"] for r in routes],
            "baseline_ms": [x * 1000.0 for x in times],
            "engine_check_ms": [x * 1000.0 for x in engine["check"]],
            "zones_hit": [len(found[r["id"]]) for r in routes[:done]],
        },
        "speedup_median_plan_and_check": baseline_common["median_ms"]
        / float(np.median(np.add(engine["plan"][:common], engine["check"][:common])) * 1000.0),
        "compare": result,
    }
    (DATA / f"route_check_{count}.json").write_bytes(orjson.dumps(out, option=orjson.OPT_INDENT_2))
    if prof_text:
        print("\n".join(prof_text.splitlines()[:45]))
    return out


def _commit() -> str:
    """The app's commit, with '+dirty' when app/ has uncommitted changes."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "app"], cwd=root, capture_output=True, text=True
    ).stdout.strip()
    return head + ("+dirty" if dirty else "")


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| zones | routes | baseline median | baseline p95 | baseline total | engine check"
        " median | engine p95 | engine total (check) | plan_flight median | speed-up (medians) |"
        " checker build | batch (plan+check, routes done) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        b, e, p = r["baseline_common"], r["engine_common"], r["engine_plan"]
        lines.append(
            f"| {r['zones']:,} | {r['common_routes']} | {b['median_ms']:.1f} ms |"
            f" {b['p95_ms']:.1f} ms | {b['total_s']:.1f} s "
            f"| {e['median_ms']:.2f} ms | {e['p95_ms']:.2f} ms | {e['total_s']:.2f} s |"
            f" {p['median_ms']:.2f} ms "
            f"| {r['speedup_median']:.1f}× | {r['build_s']:.1f} s | {r['engine_batch_s']:.2f} s"
            f" ({r['engine_routes']}) |"
        )
    lines += [
        "",
        "| zones | zones/route (median) | pairs both | baseline only | engine only | point"
        " touches (baseline) | max rel. length diff | p99 | max rel. diff (≥10 km) | max abs"
        " diff |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        c = r["compare"]
        lines.append(
            f"| {r['zones']:,} | {c['zones_per_route_median']:.0f} | {c['pairs_both']:,} |"
            f" {c['baseline_only']} | {c['engine_only']} "
            f"| {c['baseline_point_touches']} | {c['max_rel_diff']:.2e} |"
            f" {c['p99_rel_diff']:.2e} | {c['max_rel_diff_ge_10km']:.2e} |"
            f" {c['max_abs_diff_m']:.1f} m |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--zones", type=int, action="append")
    parser.add_argument(
        "--routes", type=int, default=1000, help="how many of the routes (even spread)"
    )
    parser.add_argument(
        "--budget", type=float, default=300.0, help="seconds per method and zone set"
    )
    parser.add_argument("--profile-routes", type=int, default=100)
    args = parser.parse_args()
    routes = pick(load_routes(), args.routes)
    global COMMIT_AT_START
    COMMIT_AT_START = _commit()
    print("app commit:", COMMIT_AT_START)
    results = [
        run(n, routes, args.budget, args.profile_routes) for n in (args.zones or [1000, 10000])
    ]
    md = f"app commit {COMMIT_AT_START} (at start of run)\n\n" + markdown(results)
    print("\n" + md)
    (DATA / "route_check_summary.md").write_text(md + "\n")


if __name__ == "__main__":
    main()
