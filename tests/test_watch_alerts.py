"""Watched flights end to end: a real server, a real webhook receiver, signatures verified with
the `standardwebhooks` library.

A watch on UBBB→URMG for tomorrow; an editor draws a zone across its path; the receiver gets
one signed CloudEvent naming the flight, the zone (with its sources) and where along the route
it now applies. A change elsewhere sends nothing; a receiver answering 500 twice gets the same
webhook-id three times; a change rolled back never alerts; a server killed before delivering
delivers after its restart.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import shapely
from shapely.geometry import box
from sqlalchemy import Engine, create_engine, text
from standardwebhooks import Webhook

from app.settings import Settings
from app.store.api_keys import create_key
from app.store.provisioning import drop_database
from tests import features as f
from tests.conftest import LiveServer, loaded_database
from tests.pg_clusters import free_port
from tests.webhook_receiver import Receiver

# A 1°×1° square across the UBBB→URMG great circle (Baku 40.47N 50.05E to Grozny 43.39N 45.70E;
# the midpoint is near 41.96N 47.93E), surface to unlimited.
ACROSS = box(47.4, 41.4, 48.4, 42.4)
FLIGHT = {"departure": "UBBB", "destination": "URMG", "cruise_fl": 300}
WAIT_S = 60.0


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A database of this module's own, with the bundled layers."""
    url = loaded_database("watches")
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def engine(database: str) -> Iterator[Engine]:
    """An engine on it."""
    engine = create_engine(database)
    yield engine
    engine.dispose()


def _key(engine: Engine, role: str) -> str:
    """A new key's secret."""
    with engine.begin() as connection:
        return create_key(connection, f"watch test {role}", role)[1]


def _settings(database: str, **changes: Any) -> Settings:
    """The server's settings: loopback receivers allowed, quick passes and retries."""
    values: dict[str, Any] = {
        "database_url": database, "webhook_allow_private": True,
        "watch_recheck_interval_s": 0.2, "webhook_first_retry_s": 0.2,
        "write_rate_per_minute": 100_000,
    }  # fmt: skip
    return Settings(**(values | changes))


def _zone(zone_id: str, area: shapely.Polygon) -> dict[str, Any]:
    """A zone from the surface up, in force from 2025, over `area`."""
    feature = f.zone(id=zone_id, geometry=shapely.geometry.mapping(area))
    feature["properties"].update(lower_ft=None, upper_ft=None, level=3)
    return orjson.loads(orjson.dumps(feature))  # type: ignore[no-any-return]


def _tomorrow() -> str:
    """A departure time tomorrow, 06:00 UTC."""
    day = (datetime.now(UTC) + timedelta(days=1)).date()
    return f"{day.isoformat()}T06:00:00Z"


def _rechecked_after(engine: Engine, moment: datetime) -> None:
    """Wait until a re-check pass has run after `moment` (the clock it records is later)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            clock = connection.execute(text("SELECT clock_checked_at FROM watch_state")).scalar()
        if clock is not None and clock > moment:
            return
        time.sleep(0.1)
    raise AssertionError("no re-check pass ran")


def _db_now(engine: Engine) -> datetime:
    """The database's clock."""
    with engine.connect() as connection:
        return connection.execute(text("SELECT clock_timestamp()")).scalar_one()  # type: ignore[no-any-return]


def _subscribe(client: httpx.Client, key: str, url: str) -> dict[str, Any]:
    """A webhook subscription for the key's watches' alerts."""
    answer = client.post("/v1/webhooks", json={"url": url}, headers=_auth(key))
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _watch(client: httpx.Client, key: str, watch_id: str) -> dict[str, Any]:
    """A watch of FLIGHT tomorrow."""
    answer = client.post(
        "/v1/watches",
        json={"id": watch_id, "check": FLIGHT, "schedule": {"departure_time": _tomorrow()}},
        headers=_auth(key),
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_zone_drawn_across_a_watched_flight_sends_one_signed_alert(
    database: str, engine: Engine
) -> None:
    dispatcher, editor = _key(engine, "dispatcher"), _key(engine, "editor")
    with (
        Receiver() as receiver,
        LiveServer(_settings(database)) as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        secret = _subscribe(client, dispatcher, receiver.url)["secret"]
        assert secret.startswith("whsec_")
        created = _watch(client, dispatcher, "j2-watch")
        assert created["watch"]["id"] == "j2-watch"
        (report,) = created["checks"].values()
        assert all(h["id"] != "across-ubbb-urmg" for s in report["segments"] for h in s["hazards"])
        written = client.post(
            "/v1/conflict-zones", json=_zone("across-ubbb-urmg", ACROSS), headers=_auth(editor)
        )
        assert written.status_code == 201, written.text
        (got,) = receiver.wait_for(1, WAIT_S)
        # The library verifies the signature over id.timestamp.body with the secret.
        event = Webhook(secret).verify(got.body, got.headers)
        assert event["type"] == "airspace-risk.watch.alert"
        assert event["specversion"] == "1.0"
        assert got.headers["webhook-id"].startswith("msg_")
        data = event["data"]
        assert data["watch"]["id"] == "j2-watch"
        assert (data["flight"]["from"], data["flight"]["to"]) == ("UBBB", "URMG")
        added = [
            c for c in data["changes"]
            if c["kind"] == "hazard_added" and c["hazard"]["id"] == "across-ubbb-urmg"
        ]  # fmt: skip
        assert len(added) == 1
        segments = added[0]["segments"]
        assert segments
        # Where it applies: entered and left on the square's edge (the route's own geometry,
        # checked against the square with shapely, not against the service's numbers).
        entry, exit_ = segments[0]["start"], segments[-1]["end"]
        for point in (entry, exit_):
            assert ACROSS.exterior.distance(shapely.Point(point["lon"], point["lat"])) < 0.01
            assert point["time"].startswith(_tomorrow()[:10])
        assert entry["lon"] > exit_["lon"]  # flown from Baku (east) towards Grozny (west)
        (cause,) = [c for c in data["cause"] if c["id"] == "across-ubbb-urmg"]
        assert cause["sources"] == f.zone()["properties"]["sources"]
        assert data["watch"]["href"].endswith("/v1/watches/j2-watch")

        # A change elsewhere in the world (the South Pacific) sends nothing.
        before = _db_now(engine)
        far = client.post(
            "/v1/conflict-zones", json=_zone("far-away", box(-170.0, -50.0, -169.0, -49.0)),
            headers=_auth(editor),
        )  # fmt: skip
        assert far.status_code == 201, far.text
        _rechecked_after(engine, _db_now(engine))
        assert before < _db_now(engine)
        assert len(receiver.received) == 1
        alerts = client.get("/v1/watches/j2-watch/alerts", headers=_auth(dispatcher)).json()
        assert [a["id"] for a in alerts["alerts"]] == [data["alert_id"]]


def test_a_failing_receiver_gets_the_same_webhook_id_until_it_accepts(
    database: str, engine: Engine
) -> None:
    dispatcher, editor = _key(engine, "dispatcher"), _key(engine, "editor")
    with (
        Receiver(answers=[500, 500, 200]) as receiver,
        LiveServer(_settings(database)) as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        subscription = _subscribe(client, dispatcher, receiver.url)
        _watch(client, dispatcher, "retry-watch")
        written = client.post(
            "/v1/conflict-zones", json=_zone("across-retry", ACROSS), headers=_auth(editor)
        )
        assert written.status_code == 201, written.text
        got = receiver.wait_for(3, WAIT_S)
        assert len(got) == 3
        assert len({g.headers["webhook-id"] for g in got}) == 1
        assert len({g.body for g in got}) == 1
        for attempt in got:
            Webhook(subscription["secret"]).verify(attempt.body, attempt.headers)
        # The third answer is recorded just after it is sent: wait for it.
        deadline = time.monotonic() + WAIT_S
        while True:
            log = client.get(
                f"/v1/webhooks/{subscription['id']}/deliveries", headers=_auth(dispatcher)
            ).json()["deliveries"]
            (delivery,) = log
            if delivery["status"] != "pending" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert delivery["status"] == "delivered"
        assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 500, 200]


def test_a_change_rolled_back_never_alerts(database: str, engine: Engine) -> None:
    dispatcher = _key(engine, "dispatcher")
    with (
        Receiver() as receiver,
        LiveServer(_settings(database)) as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        _subscribe(client, dispatcher, receiver.url)
        _watch(client, dispatcher, "rollback-watch")
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(
                text(
                    "INSERT INTO conflict_zones (id, name, level, published_at, valid_from,"
                    " end_basis, threat, issuer, instrument, sources, certainty, geom)"
                    " VALUES ('rolled-back', 'Rolled back', 3, '2025-01-01Z', '2025-01-01Z',"
                    " 'until_further_notice', 'test', 'EASA', 'CZIB',"
                    " ARRAY['https://www.easa.europa.eu/'], 'high',"
                    " ST_Multi(ST_GeomFromText(:wkt, 4326)))"
                ),
                {"wkt": ACROSS.wkt},
            )
            # Passes run while the change is written but not committed, and after it is undone.
            _rechecked_after(engine, _db_now(engine))
            transaction.rollback()
        _rechecked_after(engine, _db_now(engine))
        alerts = client.get("/v1/watches/rollback-watch/alerts", headers=_auth(dispatcher))
        assert alerts.json()["alerts"] == []
        assert receiver.received == []


def test_an_alert_written_before_a_kill_is_delivered_after_the_restart(
    database: str, engine: Engine
) -> None:
    dispatcher, editor = _key(engine, "dispatcher"), _key(engine, "editor")
    with Receiver() as receiver:
        # The first server re-checks but does not deliver: its alert waits in the outbox.
        first = _serve(database, delivery=False)
        try:
            with httpx.Client(base_url=first[1], timeout=60) as client:
                _subscribe(client, dispatcher, receiver.url)
                _watch(client, dispatcher, "killed-watch")
                written = client.post(
                    "/v1/conflict-zones", json=_zone("across-killed", ACROSS),
                    headers=_auth(editor),
                )  # fmt: skip
                assert written.status_code == 201, written.text
            pending = _wait_for_pending(engine, "killed-watch")
        finally:
            first[0].send_signal(signal.SIGKILL)
            first[0].wait(timeout=30)
        assert receiver.received == []
        second = _serve(database, delivery=True)
        try:
            (got,) = receiver.wait_for(1, WAIT_S)
        finally:
            second[0].terminate()
            second[0].wait(timeout=30)
        assert got.headers["webhook-id"] == pending


def _serve(database: str, delivery: bool) -> tuple[subprocess.Popen[bytes], str]:
    """`airspace-risk serve` in a process of its own (to be killed); it and its URL."""
    port = free_port()
    env = {
        **os.environ, "DATABASE_URL": database, "AIRSPACE_RISK_LOG_LEVEL": "warning",
        "AIRSPACE_RISK_WEBHOOK_ALLOW_PRIVATE": "true",
        "AIRSPACE_RISK_WEBHOOK_DELIVERY": "true" if delivery else "false",
        "AIRSPACE_RISK_WATCH_RECHECK_INTERVAL_S": "0.2",
    }  # fmt: skip
    command = [str(Path(sys.executable).parent / "airspace-risk"), "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("the server did not start")


def _wait_for_pending(engine: Engine, watch_id: str) -> str:
    """The id of the pending delivery of the watch's first alert, once written."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT d.id FROM webhook_deliveries d JOIN watch_alerts a ON a.id = d.alert_id"
                    " WHERE a.watch_id = :w AND d.status = 'pending'"
                ),
                {"w": watch_id},
            ).scalar()
        if found is not None:
            return str(found)
        time.sleep(0.1)
    raise AssertionError("no alert was written")


def test_two_servers_deliver_each_alert_once(database: str, engine: Engine) -> None:
    dispatcher, editor = _key(engine, "dispatcher"), _key(engine, "editor")
    with (
        Receiver() as receiver,
        LiveServer(_settings(database)) as one,
        LiveServer(_settings(database)) as two,
        httpx.Client(base_url=one.url, timeout=60) as client,
    ):
        _subscribe(client, dispatcher, receiver.url)
        for n in range(4):
            _watch(client, dispatcher, f"pair-watch-{n}")
        written = httpx.post(
            f"{two.url}/v1/conflict-zones", json=_zone("across-pair", ACROSS),
            headers=_auth(editor), timeout=60,
        )  # fmt: skip
        assert written.status_code == 201, written.text
        got = receiver.wait_for(4, WAIT_S)
        # Both servers poll the outbox; a few passes more, and still one delivery per alert.
        _rechecked_after(engine, _db_now(engine))
        time.sleep(1.0)
    ids = [g.headers["webhook-id"] for g in receiver.received]
    assert len(got) >= 4
    assert len(ids) == len(set(ids)) == 4
    watches = {_event_data(g.body)["watch"]["id"] for g in receiver.received}
    assert watches == {f"pair-watch-{n}" for n in range(4)}


def test_a_receiver_down_for_a_while_gets_the_alert_when_it_is_back(
    database: str, engine: Engine
) -> None:
    dispatcher, editor = _key(engine, "dispatcher"), _key(engine, "editor")
    receiver = Receiver()  # not listening yet: connections are refused
    with (
        LiveServer(_settings(database)) as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        subscription = _subscribe(client, dispatcher, receiver.url)
        _watch(client, dispatcher, "down-watch")
        written = client.post(
            "/v1/conflict-zones", json=_zone("across-down", ACROSS), headers=_auth(editor)
        )
        assert written.status_code == 201, written.text
        # Wait until at least two attempts have failed against the closed port.
        deadline = time.monotonic() + WAIT_S
        while True:
            log = client.get(
                f"/v1/webhooks/{subscription['id']}/deliveries", headers=_auth(dispatcher)
            ).json()["deliveries"]
            if (log and len(log[0]["attempt_log"]) >= 2) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        (delivery,) = log
        assert all(a["status_code"] is None for a in delivery["attempt_log"])
        assert all(a["error"] for a in delivery["attempt_log"])
        with receiver:
            (got,) = receiver.wait_for(1, WAIT_S)
        assert got.headers["webhook-id"] == delivery["id"]


def _event_data(body: bytes) -> dict[str, Any]:
    """The data of a CloudEvent body."""
    data: dict[str, Any] = orjson.loads(body)["data"]
    return data
