"""Where the engine's time goes, stage by stage, on a sample of routes (diagnostic only).

    .venv/bin/python -m bench.engine_stages --zones 10000 --routes 300

Times the stages `RouteChecker.check` runs, with the engine's own objects: densify, the
lateral stage (`LateralIndex.spans`: edge-grid candidates, crossings, containment of the
stretches), the applications (band ∩ validity ∩ lateral for all touched hazards), the sweep
and the segments; then the whole `check()` for comparison. Counts what each stage handles.
Plans have no times, so validity is read at one instant, as in bench/route_check.py.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import numpy as np

from app.core.risk.applications import apply
from app.core.risk.lateral import _pieces
from app.core.risk.threats import strongest_spans, threat_numbers
from bench.generate import load_routes, load_zones
from bench.route_check import build_checker, pick, plan_of


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zones", type=int, default=10000)
    parser.add_argument("--routes", type=int, default=300)
    args = parser.parse_args()
    checker, build_s = build_checker(load_zones(args.zones))
    index = checker.hazard_set.base.index
    plans = [plan_of(r) for r in pick(load_routes(), args.routes)]
    now = datetime.now(UTC)
    t = dict.fromkeys(
        ["densify", "edge-grid candidates", "lateral spans (all)", "applications",
         "threats + sweep + segments", "check() total"], 0.0)  # fmt: skip
    n = dict.fromkeys(
        ["pieces", "candidate (piece, edge) pairs", "zones touched", "spans", "segments"], 0
    )
    for plan in plans:
        t0 = time.perf_counter()
        densified = plan.path.densify()
        t1 = time.perf_counter()
        starts, ends, _, _ = _pieces(densified)
        pairs, _ = index.grid.candidates(starts, ends)
        t2 = time.perf_counter()
        lateral = index.spans(densified)
        t3 = time.perf_counter()
        applied = apply(
            checker.hazards, checker.hazard_set.base.arrays, lateral, plan.altitude_ft,
            plan.time_s, now, now, checker.model,
        )  # fmt: skip
        t4 = time.perf_counter()
        scoring, raw = strongest_spans(
            applied.spans, np.array(applied.raw_scores), threat_numbers(applied.hazards)[0]
        )
        segments = checker._segments(plan, applied, scoring, raw)
        t5 = time.perf_counter()
        checker.check(plan, as_of=now)
        t6 = time.perf_counter()
        t["densify"] += t1 - t0
        t["edge-grid candidates"] += t2 - t1
        t["lateral spans (all)"] += t3 - t2
        t["applications"] += t4 - t3
        t["threats + sweep + segments"] += t5 - t4
        t["check() total"] += t6 - t5
        n["pieces"] += len(starts)
        n["candidate (piece, edge) pairs"] += len(pairs)
        n["zones touched"] += len(np.unique(lateral.owner))
        n["spans"] += len(applied.spans)
        n["segments"] += len(segments)
    k = len(plans)
    print(f"{args.zones} zones, build {build_s:.1f} s, {k} routes")
    print("| stage | ms per route (mean) |\n|---|---:|")
    for name, value in t.items():
        print(f"| {name} | {value / k * 1000:.2f} |")
    print("\n| count | per route (mean) |\n|---|---:|")
    for name, value in n.items():
        print(f"| {name} | {value / k:.0f} |")


if __name__ == "__main__":
    main()
