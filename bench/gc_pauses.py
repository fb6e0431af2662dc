"""What holds the GIL while route checks run: a watchdog thread beside them, and every garbage
collection timed (issue 11, fourth round in docs/performance.md).

    .venv/bin/python -m bench.gc_pauses --zones 100000 --checks 4     # ~2 min with the build

In one process: the checker over N synthetic zones, then OMDB→VIDP checked, reported and encoded
as the service does (`api.route_checks`), on a thread of its own. Beside it, a watchdog sleeps
2 ms at a time and records how late it wakes and where the check thread was then; collections
are timed through `gc.callbacks`. Prints the stages' times, the stalls over 40 ms by place, and
the full collections' pauses.
"""

import argparse
import collections
import gc
import sys
import threading
import time
import traceback
from typing import Any

from app.api.route_checks import encoded_answer
from app.core.risk.check import plan_flight
from app.core.risk.report import report_parts
from app.core.routes.waypoints import Waypoint
from bench.generate import load_zones
from bench.route_check import build_checker

STALL_S = 0.04
# OMDB and VIDP (the serving bench's heavy route) at FL350.
ROUTE = [Waypoint(55.3644, 25.2528), Waypoint(77.1031, 28.5665)]


def main() -> None:
    """Build, check on a thread with a watchdog beside it, and print what held the GIL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=4)
    parser.add_argument("--no-freeze", action="store_true", help="leave the checker unfrozen")
    args = parser.parse_args()
    zones = load_zones(args.zones)
    checker, build_s = build_checker(zones)
    del zones  # the parsed GeoJSON is millions of lists the service never holds
    gc.collect()
    if not args.no_freeze:
        gc.freeze()  # as services.checkers does after a whole build
    print(f"built {args.zones} zones in {build_s:.1f} s", flush=True)
    plan = plan_flight(ROUTE, 35_000.0, None, None)
    pauses: list[tuple[int, float]] = []
    started = [0.0]

    def timed(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append((int(info["generation"]), time.perf_counter() - started[0]))

    gc.callbacks.append(timed)
    stalls: collections.Counter[str] = collections.Counter()
    worst: dict[str, float] = {}
    worker: dict[str, int] = {}
    done = threading.Event()

    def check() -> None:
        worker["id"] = threading.get_ident()
        for _ in range(args.checks):
            t0 = time.perf_counter()
            result = checker.check(plan)
            t1 = time.perf_counter()
            chunks = encoded_answer(report_parts(result, 1), geojson=False)
            t2 = time.perf_counter()
            size_mb = sum(len(c) for c in chunks) / 1e6
            print(
                f"check {t1 - t0:.3f} s, report and encode {t2 - t1:.3f} s, "
                f"{len(result.segments)} segments, {size_mb:.1f} MB",
                flush=True,
            )
        done.set()

    def watch() -> None:
        while not done.is_set():
            t0 = time.perf_counter()
            time.sleep(0.002)
            late = time.perf_counter() - t0
            frame = sys._current_frames().get(worker.get("id", -1))
            if late > STALL_S and frame is not None:
                where = " <- ".join(
                    f"{f.name}:{f.lineno}" for f in reversed(traceback.extract_stack(frame)[-3:])
                )
                stalls[where] += 1
                worst[where] = max(worst.get(where, 0.0), late)

    threads = [threading.Thread(target=check), threading.Thread(target=watch)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gc.callbacks.remove(timed)
    print(f"stalls over {STALL_S * 1000:.0f} ms, by where the check thread was:")
    for where, count in stalls.most_common(10):
        print(f"  {count} × up to {worst[where] * 1000:.0f} ms  {where}")
    full = sorted(p * 1000 for g, p in pauses if g == 2)
    print(f"full collections: {len(full)}, ms: {[round(p, 1) for p in full]}")


if __name__ == "__main__":
    main()
