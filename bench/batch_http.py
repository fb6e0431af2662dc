"""The batch endpoint end to end: 1,000 routes against 10,000 zones through HTTP.

    .venv/bin/python -m bench.batch_http [--zones 10000] [--routes 1000]

Needs bench/generate.py's data (with --load). Sets up the database airspace_risk_batchbench
with the first N synthetic zones as real conflict_zones rows (as bench/features.py does),
starts one `airspace-risk serve`, builds its checker with a one-route batch (timed apart), then
POSTs all routes in one `/v1/route-checks/batch?detail=summary` request and times it from
sending the request to the last NDJSON line, with the same routes and flight level (FL350, no
times) as bench/route_check.py. The lines are checked: one per route, in order, no errors,
each with a summary. A few routes are also fetched with detail=full, to show what a full
answer weighs on this dense synthetic data. Results: bench/data/batch_http.json.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.features import Server, setup_database
from bench.generate import load_routes, table_name
from bench.route_check import CRUISE_FT, pick

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
BIN = ROOT / ".venv" / "bin"
DB_URL = "postgresql://postgres@127.0.0.1:5432/airspace_risk_batchbench"


def route_body(route: dict[str, Any]) -> dict[str, Any]:
    """One route as the batch takes it: its two ends, at the benchmark's cruise level."""
    return {
        "id": route["id"],
        "waypoints": [
            {"lon": route["lon1"], "lat": route["lat1"]},
            {"lon": route["lon2"], "lat": route["lat2"]},
        ],
        "cruise_fl": round(CRUISE_FT / 100.0),
    }


def post_batch(server: Server, routes: list[dict[str, Any]], detail: str) -> dict[str, Any]:
    """Send one batch; time until the last line; check the lines."""
    body = {"routes": [route_body(r) for r in routes]}
    started = time.perf_counter()
    lines: list[dict[str, Any]] = []
    size = 0
    first_line_s = None
    with httpx.stream(
        "POST",
        server.url("/v1/route-checks/batch"),
        params={"detail": detail},
        json=body,
        timeout=600,
    ) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if first_line_s is None:
                first_line_s = time.perf_counter() - started
            size += len(line) + 1
            lines.append(orjson.loads(line))
    elapsed = time.perf_counter() - started
    assert [line["index"] for line in lines] == list(range(len(routes)))
    errors = [line for line in lines if "error" in line]
    assert not errors, errors[:3]
    assert all("summary" in line["result"] for line in lines)
    categories: dict[str, int] = {}
    for answer in lines:
        category = answer["result"]["summary"]["category"]
        categories[category] = categories.get(category, 0) + 1
    return {
        "detail": detail,
        "routes": len(routes),
        "seconds": elapsed,
        "first_line_s": first_line_s,
        "bytes": size,
        "categories": categories,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zones", type=int, default=10000)
    parser.add_argument("--routes", type=int, default=1000)
    parser.add_argument("--port", type=int, default=18790)
    args = parser.parse_args()
    setup_database(args.zones, DB_URL, table_name(args.zones))
    server = Server(
        "batch",
        [str(BIN / "airspace-risk"), "serve", "--host", "127.0.0.1", "--port", str(args.port)],
        {**os.environ, "DATABASE_URL": DB_URL, "PYTHONFAULTHANDLER": "1"},
        args.port,
        "/healthz",
    )
    try:
        routes = pick(load_routes(), args.routes)
        started = time.perf_counter()
        post_batch(server, routes[:1], "summary")
        build_s = time.perf_counter() - started
        runs = [post_batch(server, routes, "summary") for _ in range(2)]
        full = post_batch(server, routes[:5], "full")
    finally:
        server.stop()
    result = {"zones": args.zones, "first_batch_s (builds the checker)": build_s,
              "summary_runs": runs, "full_5_routes": full}  # fmt: skip
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / "batch_http.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(f"{args.zones} zones; one-route batch building the checker: {build_s:.2f} s")
    for run in runs:
        print(f"batch of {run['routes']} routes, detail=summary: {run['seconds']:.2f} s "
              f"(first line {run['first_line_s']:.3f} s), {run['bytes'] / 1e6:.2f} MB, "
              f"{run['categories']}")  # fmt: skip
    print(f"5 routes, detail=full: {full['seconds']:.2f} s, {full['bytes'] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
