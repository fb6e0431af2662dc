"""HTTP throughput: GET /healthz against POST /v1/route-checks, one server process, same client.

    .venv/bin/python -m bench.http_throughput [--client wrk|httpx] [--duration 10] [--requests 2000]

Sets up its own database (airspace_risk_httpbench on 127.0.0.1:5432) with the bundled layers,
starts one `airspace-risk serve` (one uvicorn process) on 127.0.0.1, and measures with a
concurrency of 8:
  - wrk (Debian package): 2 threads, 8 connections, --duration seconds per test, p50/p95 from
    a Lua done() hook (POST bodies via Lua);
  - httpx: a pool of 8 threads, each with its own keep-alive client, --requests per test.
The server is stopped at the end (by its pid). Everything stays on loopback.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
BIN = ROOT / ".venv" / "bin"
DB_URL = "postgresql://postgres@127.0.0.1:5432/airspace_risk_httpbench"
HOST = "127.0.0.1"

TESTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET /healthz", "/healthz", None),
    (
        "POST /v1/route-checks UBBB→URMG FL250",
        "/v1/route-checks",
        {
            "departure": "UBBB",
            "destination": "URMG",
            "cruise_fl": 250,
            "departure_time": "2024-12-25T03:55:00Z",
        },
    ),
    (
        "POST /v1/route-checks EHAM→WMKK FL330",
        "/v1/route-checks",
        {
            "departure": "EHAM",
            "destination": "WMKK",
            "cruise_fl": 330,
            "departure_time": "2024-12-25T03:55:00Z",
        },
    ),
    # The floor of a POST on this stack: body parsed and validated, the airport looked up, a
    # 422 problem document written; no route check.
    (
        "POST /v1/route-checks unknown airport (422)",
        "/v1/route-checks",
        {"departure": "XXXX", "destination": "URMG", "cruise_fl": 250},
    ),
]
EXPECTED_STATUS = {"POST /v1/route-checks unknown airport (422)": 422}

LUA = """
wrk.method = "{method}"
wrk.headers["Content-Type"] = "application/json"
{body}
local errors = 0
response = function(status, headers, body)
  if status ~= {expected} then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %.3f %d %d %d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean, summary.errors.status, summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout, errors))
end
"""


def setup_database(env: dict[str, str], cwd: Path = ROOT) -> None:
    for args in (["db", "create"], ["db", "upgrade"], ["load"]):
        subprocess.run(
            [str(BIN / "airspace-risk"), *args],
            env=env,
            check=True,
            timeout=300,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
        )


def start_server(
    env: dict[str, str], port: int, log: Path, workers: int = 1, cwd: Path = ROOT
) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    server = subprocess.Popen(
        [
            str(BIN / "airspace-risk"),
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=cwd,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("server did not answer /healthz within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)


def run_wrk(
    url: str, body: dict[str, Any] | None, duration: int, concurrency: int, expected: int = 200
) -> dict[str, Any]:
    lua_body = f"wrk.body = [[{json.dumps(body)}]]" if body else ""
    script = LUA.format(method="POST" if body else "GET", body=lua_body, expected=expected)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{min(2, concurrency)}",
                f"-c{concurrency}",
                f"-d{duration}s",
                "--timeout",
                "5s",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 30,
            check=False,
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, dur_us, p50, p95, p99, mean, status_err, sock_err, non200 = line.split()[1:]
    return {
        "requests": int(n),
        "seconds": int(dur_us) / 1e6,
        "rps": int(n) / (int(dur_us) / 1e6),
        "p50_ms": float(p50) / 1000.0,
        "p95_ms": float(p95) / 1000.0,
        "p99_ms": float(p99) / 1000.0,
        "mean_ms": float(mean) / 1000.0,
        # wrk counts every status >= 400 in errors.status; the Lua hook counts unexpected ones.
        "errors": (int(status_err) if expected < 400 else 0) + int(sock_err) + int(non200),
    }


def run_httpx(
    url: str, body: dict[str, Any] | None, requests: int, concurrency: int, expected: int = 200
) -> dict[str, Any]:
    per_thread = [
        requests // concurrency + (1 if i < requests % concurrency else 0)
        for i in range(concurrency)
    ]

    def worker(count: int) -> tuple[list[float], int]:
        latencies, errors = [], 0
        with httpx.Client(timeout=10) as client:
            for _ in range(count):
                t0 = time.perf_counter()
                response = client.post(url, json=body) if body else client.get(url)
                latencies.append(time.perf_counter() - t0)
                errors += response.status_code != expected
        return latencies, errors

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(worker, per_thread))
    elapsed = time.perf_counter() - started
    latencies = np.array([x for r in results for x in r[0]]) * 1000.0
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": float(np.percentile(latencies, 50)),
        "p95_ms": float(np.percentile(latencies, 95)),
        "p99_ms": float(np.percentile(latencies, 99)),
        "mean_ms": float(latencies.mean()),
        "errors": sum(r[1] for r in results),
    }


def measure(
    args: Any, env: dict[str, str], clients: list[str], workers: int, results: list[dict[str, Any]]
) -> None:
    """Every test against a server of this many worker processes."""
    server = start_server(env, args.port, DATA / "http_server.log", workers)
    try:
        base = f"http://{HOST}:{args.port}"
        for name, path, body in TESTS:  # warm-up: the first route check builds the checker
            for _ in range(20):
                response = (
                    httpx.post(base + path, json=body, timeout=60)
                    if body
                    else httpx.get(base + path)
                )
                if response.status_code != EXPECTED_STATUS.get(name, 200):
                    raise RuntimeError(f"{name}: HTTP {response.status_code}")
            if body:
                answer = response.json()
                print(
                    f"{name}: {len(response.content)} bytes, "
                    f"{len(answer.get('segments', []))} segments"
                )
        for client in clients:
            for name, path, body in TESTS:
                try:
                    if client == "wrk":
                        r = run_wrk(
                            base + path,
                            body,
                            args.duration,
                            args.concurrency,
                            EXPECTED_STATUS.get(name, 200),
                        )
                    else:
                        r = run_httpx(
                            base + path,
                            body,
                            args.requests,
                            args.concurrency,
                            EXPECTED_STATUS.get(name, 200),
                        )
                except (subprocess.SubprocessError, StopIteration, httpx.HTTPError) as error:
                    r = {
                        "requests": 0,
                        "seconds": 0.0,
                        "rps": 0.0,
                        "p50_ms": float("nan"),
                        "p95_ms": float("nan"),
                        "p99_ms": float("nan"),
                        "mean_ms": float("nan"),
                        "errors": -1,
                        "failure": repr(error)[:200],
                    }
                r |= {"client": client, "test": name, "workers": workers}
                if server.poll() is not None:
                    # The server died during the test: say so, keep its log, start a new one.
                    r["server_died"] = server.returncode
                    crash_log = DATA / f"http_server_crash_{len(results)}.log"
                    shutil.copy(DATA / "http_server.log", crash_log)
                    print(
                        f"SERVER DIED (exit {server.returncode}) during {client} {name}; "
                        f"log in {crash_log}"
                    )
                    server = start_server(env, args.port, DATA / "http_server.log", workers)
                    for _ in range(3):
                        httpx.post(base + path, json=body, timeout=60) if body else httpx.get(
                            base + path
                        )
                results.append(r)
                print(
                    f"w{workers} {client:5} {name:40} {r['requests']:6d} req "
                    f"in {r['seconds']:.1f} s  "
                    f"{r['rps']:8.1f} req/s  p50 {r['p50_ms']:.2f} ms  p95 {r['p95_ms']:.2f} ms  "
                    f"errors {r['errors']}" + (" SERVER DIED" if "server_died" in r else ""),
                    flush=True,
                )
        if args.soak and "wrk" in clients:
            name, path, body = TESTS[2]
            r = run_wrk(base + path, body, args.soak, args.concurrency)
            time.sleep(1.0)
            r |= {
                "client": "wrk",
                "test": f"soak {args.soak} s: {name}",
                "alive_after": server.poll() is None,
            }
            if r["alive_after"]:
                r["healthz_after"] = httpx.get(base + "/healthz", timeout=5).status_code
            results.append(r)
            print(
                f"soak {args.soak} s: {r['requests']} req, {r['rps']:.1f} req/s, "
                f"p50 {r['p50_ms']:.2f} ms, "
                f"p95 {r['p95_ms']:.2f} ms, errors {r['errors']}, server alive: {r['alive_after']}",
                flush=True,
            )
    finally:
        stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--client", choices=["wrk", "httpx", "both"], default="both")
    parser.add_argument("--duration", type=int, default=10, help="wrk: seconds per test")
    parser.add_argument("--requests", type=int, default=2000, help="httpx: requests per test")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument(
        "--soak",
        type=int,
        default=0,
        help="then this many seconds of wrk POST EHAM→WMKK at --concurrency; is the server alive?",
    )
    parser.add_argument("--tag", default="", help="suffix of the result files (e.g. _c1)")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="server processes; several values are measured one after the other",
    )
    args = parser.parse_args()
    clients = ["wrk", "httpx"] if args.client == "both" else [args.client]
    if "wrk" in clients and shutil.which("wrk") is None:
        print("wrk not found (apt-get install -y wrk); using httpx only", file=sys.stderr)
        clients = ["httpx"]
    env = {**os.environ, "DATABASE_URL": DB_URL, "PYTHONFAULTHANDLER": "1"}
    setup_database(env)
    DATA.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    for workers in args.workers:
        measure(args, env, clients, workers, results)
    lines = [
        "| workers | client | test | requests | req/s | p50 | p95 | p99 | errors | vs /healthz |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        health = next(
            x
            for x in results
            if x["client"] == r["client"]
            and "healthz" in x["test"]
            and x["workers"] == r["workers"]
        )
        lines.append(
            f"| {r['workers']} | {r['client']} | {r['test']} | {r['requests']} | {r['rps']:.0f} "
            f"| {r['p50_ms']:.2f} ms | {r['p95_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['errors']} "
            f"| {r['rps'] / health['rps']:.2f} |"
            + (f" **server died (exit {r['server_died']})**" if "server_died" in r else "")
        )
    md = "\n".join(lines)
    print("\n" + md)
    (DATA / f"http_summary{args.tag}.md").write_text(md + "\n")
    (DATA / f"http_results{args.tag}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
