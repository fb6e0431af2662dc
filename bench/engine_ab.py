"""The engine before and after a change, same machine, alternating runs.

    git worktree add /tmp/old <commit> && ln -s "$PWD/bench/data" /tmp/old/bench/data
    .venv/bin/python -m bench.engine_ab --old /tmp/old [--zones 10000] [--routes 1000] [--rounds 2]

Each run is a fresh process on one tree (this one, or --old): load the zones, build the
checker, 20 warm-up routes, then plan + check of the routes, timed. Old and new alternate,
so that drift in the machine's speed falls on both. Prints seconds and segments per route.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = """
import sys, time
sys.path.insert(0, {root!r})
from bench.generate import load_routes, load_zones
from bench.route_check import build_checker, pick, plan_of
checker, _ = build_checker(load_zones({zones}))
routes = pick(load_routes(), {routes})
for route in routes[:20]:
    checker.check(plan_of(route))
started = time.perf_counter()
segments = sum(len(checker.check(plan_of(route)).segments) for route in routes)
print(f"{{time.perf_counter() - started:.2f}} s, {{segments / len(routes):.0f}} segments/route")
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", type=Path, required=True, help="a worktree of the older commit")
    parser.add_argument("--zones", type=int, default=10000)
    parser.add_argument("--routes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for _ in range(args.rounds):
        for name, root in (("old", args.old.resolve()), ("new", ROOT)):
            code = RUN.format(root=str(root), zones=args.zones, routes=args.routes)
            out = subprocess.run(
                [sys.executable, "-c", code], cwd="/", capture_output=True, text=True, check=True
            ).stdout.strip()
            print(f"{name} ({root}): {args.routes} routes, {out}", flush=True)


if __name__ == "__main__":
    main()
