"""Faults with real processes: a PostgreSQL cluster of the test's own is stopped under mixed
read and write load and started again, and the server process is killed with SIGKILL mid-load.

What must hold: while the database is down, answers are 503 problems (never a 500, never a
hang past the timeouts); within 5 s of its return the service answers again by itself; every
write answered 201 is stored exactly once, and a write retried with its Idempotency-Key after
the outage is stored exactly once; a killed server leaves no write half-done.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.settings import Settings
from app.store import migrations
from app.store.api_keys import create_key
from app.store.layer_import import load_bundled
from app.store.provisioning import ensure_database, ensure_postgis
from tests import features as f
from tests.conftest import GEODATA, LiveServer
from tests.pg_clusters import Cluster, free_port, private_cluster

DATABASE = "airspace_risk_faults"
OUTAGE_S = 10.0
RECOVERY_S = 5.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A fresh cluster with the bundled layers loaded."""
    with private_cluster() as db:
        url = db.url(DATABASE)
        ensure_database(url)
        ensure_postgis(url)
        migrations.upgrade(url)
        engine = create_engine(url)
        with engine.begin() as connection:
            load_bundled(connection, GEODATA)
        engine.dispose()
        yield db


def _editor_key(url: str, name: str) -> str:
    engine = create_engine(url)
    with engine.begin() as connection:
        secret = create_key(connection, name, "editor")[1]
    engine.dispose()
    return secret


def _zone(zone_id: str, n: int) -> dict[str, Any]:
    """A small zone of its own, far from the bundled layers."""
    lon, lat = -170.0 + (n % 100) * 0.5, -50.0 + (n // 100) * 0.5
    square = [[lon, lat], [lon + 0.2, lat], [lon + 0.2, lat + 0.2], [lon, lat + 0.2], [lon, lat]]
    return f.zone(id=zone_id, geometry={"type": "Polygon", "coordinates": [square]})


def _stored(url: str, prefix: str) -> dict[str, tuple[int, int, int]]:
    """Per zone id with this prefix: (rows, versions, audit rows)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT z.id, count(*) OVER (PARTITION BY z.id),"
                " (SELECT count(*) FROM feature_versions v WHERE v.feature_id = z.id),"
                " (SELECT count(*) FROM audit_log a WHERE a.feature_id = z.id)"
                " FROM conflict_zones z WHERE z.id LIKE :p"
            ),
            {"p": f"{prefix}%"},
        ).all()
    engine.dispose()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def test_database_outage_under_load(cluster: Cluster) -> None:
    key = _editor_key(cluster.url(DATABASE), "faults editor")
    settings = Settings(
        database_url=cluster.url(DATABASE),
        db_statement_timeout_ms=5_000,
        write_rate_per_minute=100_000,
    )
    answers: list[tuple[str, int, str, dict[str, str]]] = []
    stop = threading.Event()
    with LiveServer(settings) as server:

        def load() -> None:
            n = 0
            with httpx.Client(base_url=server.url, timeout=30) as client:
                while not stop.is_set() and n < 2_000:
                    n += 1
                    zone_id = f"outage-{n}"
                    created = client.post(
                        "/v1/conflict-zones", json=_zone(zone_id, n),
                        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": zone_id},
                    )  # fmt: skip
                    answers.append(("write", created.status_code, zone_id, dict(created.headers)))
                    page = client.get("/collections/conflict_zones/items", params={"limit": 2})
                    answers.append(("read", page.status_code, "", dict(page.headers)))
                    check = client.post(
                        "/v1/route-checks",
                        json={"departure": "UBBB", "destination": "URMG", "cruise_fl": 250},
                    )
                    answers.append(("check", check.status_code, "", dict(check.headers)))
                    time.sleep(0.05)

        worker = threading.Thread(target=load)
        worker.start()
        time.sleep(1.0)
        cluster.stop()
        # The readiness probe (answered from checks made in the background) says "not ready"
        # while the database is away.
        stopped = time.monotonic()
        readiness_down: list[int] = []
        while time.monotonic() - stopped < OUTAGE_S:
            readiness_down.append(httpx.get(f"{server.url}/readyz", timeout=10).status_code)
            time.sleep(0.2)
        cluster.start()
        returned = time.monotonic()
        # Recovery by itself: a read succeeds within RECOVERY_S of the database's return.
        recovered_after = None
        while time.monotonic() - returned < RECOVERY_S + 5:
            probe = httpx.get(f"{server.url}/collections/conflict_zones/items?limit=1", timeout=10)
            if probe.status_code == 200:
                recovered_after = time.monotonic() - returned
                break
            time.sleep(0.1)
        ready_again = False
        while not ready_again and time.monotonic() - returned < RECOVERY_S + 5:
            ready_again = httpx.get(f"{server.url}/readyz", timeout=10).status_code == 200
            time.sleep(0.1)
        time.sleep(1.0)
        stop.set()
        worker.join(timeout=120)
        # Every write refused during the outage, retried with its key, is stored exactly once.
        refused = [a[2] for a in answers if a[0] == "write" and a[1] == 503]
        for zone_id in refused:
            n = int(zone_id.split("-")[1])
            retried = httpx.post(
                f"{server.url}/v1/conflict-zones", json=_zone(zone_id, n), timeout=30,
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": zone_id},
            )  # fmt: skip
            assert retried.status_code == 201, retried.text
    assert recovered_after is not None, "no answer within 10 s of the database's return"
    assert recovered_after <= RECOVERY_S, recovered_after
    # Ready at first (the outage's first probes may still be answered from before), then not.
    assert 503 in readiness_down, readiness_down
    assert set(readiness_down) <= {200, 503}, readiness_down
    assert readiness_down[-1] == 503, readiness_down
    assert ready_again, "/readyz not 200 again within 10 s of the database's return"
    codes = {a[1] for a in answers}
    assert codes <= {200, 201, 503}, codes
    assert any(a[1] == 503 for a in answers), "the load ran through the outage"
    assert all("retry-after" in a[3] for a in answers if a[1] == 503)
    stored = _stored(cluster.url(DATABASE), "outage-")
    created = {a[2] for a in answers if a[0] == "write" and a[1] == 201}
    for zone_id in created | set(refused):
        assert stored[zone_id] == (1, 1, 1), (zone_id, stored.get(zone_id))


def test_server_killed_mid_load_leaves_nothing_half_written(cluster: Cluster) -> None:
    key = _editor_key(cluster.url(DATABASE), "kill editor")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url(DATABASE),
        "AIRSPACE_RISK_LOG_LEVEL": "warning",
        "AIRSPACE_RISK_WRITE_RATE_PER_MINUTE": "100000",
    }
    command = [str(Path(sys.executable).parent / "airspace-risk"), "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        sent: list[str] = []

        def writes() -> None:
            with httpx.Client(base_url=url, timeout=10) as client:
                for n in range(1, 10_000):
                    zone_id = f"killed-{n}"
                    sent.append(zone_id)
                    try:
                        client.post(
                            "/v1/conflict-zones", json=_zone(zone_id, n),
                            headers={"Authorization": f"Bearer {key}"},
                        )  # fmt: skip
                    except httpx.TransportError:
                        return

        writer = threading.Thread(target=writes)
        writer.start()
        time.sleep(1.5)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        writer.join(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
    stored = _stored(cluster.url(DATABASE), "killed-")
    assert len(sent) > 3, "the load was running when the server was killed"
    # Each write is one transaction: a row comes with its version and its audit row, or not at all.
    for zone_id, counts in stored.items():
        assert counts == (1, 1, 1), (zone_id, counts)
    assert set(stored) <= set(sent)
