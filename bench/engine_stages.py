"""Where the engine's time goes, stage by stage, on a sample of routes (diagnostic only).

    .venv/bin/python -m bench.engine_stages --zones 10000 --routes 100

Re-runs the steps of LateralIndex.intervals with the engine's own objects (densified path,
pieces, STRtree, cells) and times each, then the whole check(); also counts the candidate
(piece, cell) pairs the envelope query yields against those that really intersect.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely

from app.core.risk.lateral import _pieces
from bench.generate import load_routes, load_zones
from bench.route_check import build_checker, pick, plan_of


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zones", type=int, default=10000)
    parser.add_argument("--routes", type=int, default=100)
    args = parser.parse_args()
    checker, build_s = build_checker(load_zones(args.zones))
    index = checker.index
    routes = pick(load_routes(), args.routes)
    plans = [plan_of(r) for r in routes]
    t = dict.fromkeys(
        ["densify", "tree query (envelopes)", "pairwise intersection", "intervals() total",
         "check() total", "tree query (predicate=intersects)"], 0.0)
    n = {"pieces": 0, "envelope candidates": 0, "intersecting pairs": 0, "zones hit": 0,
         "segments": 0}
    for plan in plans:
        t0 = time.perf_counter()
        dens = plan.path.densify()
        t1 = time.perf_counter()
        starts, ends, _, _ = _pieces(dens)
        pieces = shapely.linestrings(np.stack([starts, ends], axis=1))
        t2 = time.perf_counter()
        pi, ci = index.tree.query(pieces)
        t3 = time.perf_counter()
        shapely.intersection(pieces[pi], index.areas[ci])
        t4 = time.perf_counter()
        hits = index.intervals(dens)
        t5 = time.perf_counter()
        result = checker.check(plan)
        t6 = time.perf_counter()
        pj, _ = index.tree.query(pieces, predicate="intersects")
        t7 = time.perf_counter()
        t["densify"] += t1 - t0
        t["tree query (envelopes)"] += t3 - t2
        t["pairwise intersection"] += t4 - t3
        t["intervals() total"] += t5 - t4
        t["check() total"] += t6 - t5
        t["tree query (predicate=intersects)"] += t7 - t6
        n["pieces"] += len(starts)
        n["envelope candidates"] += len(pi)
        n["intersecting pairs"] += len(pj)
        n["zones hit"] += len(hits)
        n["segments"] += len(result.segments)
    k = len(plans)
    print(f"{args.zones} zones, {len(index.areas)} cells, build {build_s:.1f} s, {k} routes")
    print("| stage | ms per route (mean) |\n|---|---:|")
    for name, value in t.items():
        print(f"| {name} | {value / k * 1000:.2f} |")
    total = t["check() total"]
    print(f"| check() minus intervals() (bands, segments, scoring) | {(total - t['intervals() total']) / k * 1000:.2f} |")
    print("\n| count | per route (mean) |\n|---|---:|")
    for name, value in n.items():
        print(f"| {name} | {value / k:.0f} |")


if __name__ == "__main__":
    main()
