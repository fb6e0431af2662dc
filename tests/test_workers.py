"""Several processes behind one port (`airspace-risk serve --workers 2`): both serve, and a
write made through one is seen by route checks in every one (each process notices the data
version, which lives in PostgreSQL)."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from app.store.api_keys import create_key
from tests import features as f
from tests.pg_clusters import free_port

WORKERS = 2


def _workers_of(pid: int) -> list[int]:
    """The serving processes uvicorn's supervisor started (multiprocessing spawn children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = next(line for line in status.splitlines() if line.startswith("PPid:"))
        if int(parent.split()[1]) == pid and b"multiprocessing.spawn" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def served(writable_database_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes], str]]:
    engine = create_engine(writable_database_url)
    with engine.begin() as connection:
        key = create_key(connection, "workers editor", "editor")[1]
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": writable_database_url,
        "AIRSPACE_RISK_LOG_LEVEL": "warning",
    }
    command = [str(Path(sys.executable).parent / "airspace-risk"), "serve", "--port", str(port),
               "--workers", str(WORKERS)]  # fmt: skip
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(_workers_of(server.pid)) < WORKERS:
            time.sleep(0.2)
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url, server, key
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_both_processes_serve_and_see_each_others_writes(
    served: tuple[str, subprocess.Popen[bytes], str],
) -> None:
    url, server, key = served
    assert len(_workers_of(server.pid)) == WORKERS
    square = {
        "type": "Polygon",
        "coordinates": [
            [[-60.0, -40.0], [-58.0, -40.0], [-58.0, -38.0], [-60.0, -38.0], [-60.0, -40.0]]
        ],
    }
    route = {
        "waypoints": [{"lat": -39.0, "lon": -61.0}, {"lat": -39.0, "lon": -57.0}],
        "cruise_fl": 300,
    }
    with httpx.Client(base_url=url, timeout=60) as client:
        before = [client.post("/v1/route-checks", json=route).json() for _ in range(10)]
        assert {b["summary"]["category"] for b in before} == {"none"}
        zone = f.zone(id="workers-zone", level=1, upper_ft=None, geometry=square)
        created = client.post(
            "/v1/conflict-zones", json=zone, headers={"Authorization": f"Bearer {key}"}
        )
        assert created.status_code == 201, created.text
        # Whichever process answers (new connections spread over both), the write counts.
        after = []
        for _ in range(10):
            with httpx.Client(base_url=url, timeout=60) as fresh:
                after.append(fresh.post("/v1/route-checks", json=route).json())
    assert {a["summary"]["category"] for a in after} == {"critical"}
    assert len({a["summary"]["data_version"] for a in after}) == 1
