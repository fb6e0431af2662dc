"""The map page with 10,000 zones: how soon it is interactive in a browser.

    .venv/bin/python -m bench.generate           # once: the synthetic zones (bench_zones_100000)
    .venv/bin/python -m bench.map_page [--zones 10000] [--runs 5]

Database airspace_risk_mapbench, made with `airspace-risk db create/upgrade`, holds the first N
synthetic zones as conflict_zones rows (bench/features.py's set-up: in force since 2020, until
further notice), so all N are in force now and the page must draw every one. One server
(`airspace-risk serve`, one process) on loopback; bench/map_page.mjs opens the page in headless
Chromium, cold each run (a new browser context), and times navigation → layers counted and
asked (ready), → first map idle with zones rendered from the vector tiles (drawn: the page is
interactive), and a route check drawn. Results: bench/data/map_page_results.json.
"""

import argparse
import json
import os
import statistics
import subprocess
from typing import Any

from bench.features import BIN, DATA, HOST, ROOT, Server, setup_database

DB_URL = "postgresql://postgres@127.0.0.1:5432/airspace_risk_mapbench"
PORT = 8194


def main() -> None:
    """Set up, serve, time the page, print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    setup_database(args.zones, DB_URL)
    env = {**os.environ, "DATABASE_URL": DB_URL}
    server = Server(
        "mappage",
        [str(BIN / "airspace-risk"), "serve", "--host", HOST, "--port", str(PORT)],
        env,
        PORT,
        "/readyz",
    )
    try:
        result = subprocess.run(
            ["node", str(ROOT / "bench" / "map_page.mjs"), server.url(""),
             str(ROOT / "app" / "web" / "package.json"), str(args.runs)],
            capture_output=True, text=True, timeout=900, check=True,
        )  # fmt: skip
    finally:
        server.stop()
    runs: list[dict[str, Any]] = json.loads(result.stdout.strip().splitlines()[-1])
    summary = {
        "zones": args.zones,
        "runs": runs,
        "median": {
            key: statistics.median(r[key] for r in runs)
            for key in ("ready_ms", "drawn_ms", "route_check_ms")
        },
        "max": {key: max(r[key] for r in runs) for key in ("ready_ms", "drawn_ms")},
    }
    DATA.mkdir(exist_ok=True)
    (DATA / "map_page_results.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary["median"]), json.dumps(summary["max"]))
    for run in runs:
        print(
            f"ready {run['ready_ms']} ms, drawn {run['drawn_ms']} ms, route check "
            f"{run['route_check_ms']} ms, {run['rendered']} zone pieces rendered, "
            f"counts {run['counts']}, errors {run['errors']}"
        )


if __name__ == "__main__":
    main()
