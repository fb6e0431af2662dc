"""The watch and webhook API: who may do what, bad input as problems, PATCH and DELETE, 410
Gone, unsafe webhook URLs, and the live feed of alerts (Server-Sent Events)."""

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from shapely.geometry import box
from sqlalchemy import Engine, create_engine

from app.settings import Settings
from app.store.api_keys import create_key
from app.store.provisioning import drop_database
from tests.conftest import LiveServer, loaded_database
from tests.test_cli import run
from tests.test_watch_alerts import ACROSS, FLIGHT, WAIT_S, _tomorrow, _zone
from tests.webhook_receiver import Receiver


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[LiveServer, Engine]]:
    """A server on a database of this module's own (loopback receivers allowed)."""
    url = loaded_database("watch_api")
    engine = create_engine(url)
    settings = Settings(
        database_url=url, webhook_allow_private=True, watch_recheck_interval_s=0.2,
        webhook_first_retry_s=0.2, write_rate_per_minute=100_000,
    )  # fmt: skip
    with LiveServer(settings) as live:
        yield live, engine
    engine.dispose()
    drop_database(url)


def _key(engine: Engine, role: str) -> dict[str, str]:
    """Authorization headers of a new key of a role."""
    with engine.begin() as connection:
        return {"Authorization": f"Bearer {create_key(connection, f'api {role}', role)[1]}"}


def _problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    """The answer as a problem document of this status."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    return body


def _watch_body(watch_id: str, **changes: Any) -> dict[str, Any]:
    body = {"id": watch_id, "check": FLIGHT, "schedule": {"departure_time": _tomorrow()}}
    return body | changes


def test_roles(server: tuple[LiveServer, Engine]) -> None:
    live, engine = server
    dispatcher, researcher = _key(engine, "dispatcher"), _key(engine, "researcher")
    with httpx.Client(base_url=live.url, timeout=60) as client:
        _problem(client.post("/v1/watches", json=_watch_body("r1")), 401)
        _problem(client.post("/v1/watches", json=_watch_body("r1"), headers=researcher), 403)
        assert (
            client.post("/v1/watches", json=_watch_body("r1"), headers=dispatcher).status_code
            == 201
        )
        # A dispatcher watches flights; it does not edit the layers.
        _problem(
            client.post("/v1/conflict-zones", json=_zone("d-zone", ACROSS), headers=dispatcher), 403
        )
        # Another dispatcher neither sees nor deletes someone else's watch.
        other = _key(engine, "dispatcher")
        _problem(client.get("/v1/watches/r1", headers=other), 404)
        _problem(client.delete("/v1/watches/r1", headers=other), 404)
        assert [w["id"] for w in client.get("/v1/watches", headers=other).json()] == []
        # Ids are each key's own: the other may use the same one, and learns nothing.
        assert client.post("/v1/watches", json=_watch_body("r1"), headers=other).status_code == 201
        assert client.get("/v1/watches/r1", headers=dispatcher).json()["id"] == "r1"
        assert "r1" in [w["id"] for w in client.get("/v1/watches", headers=dispatcher).json()]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_watch_body("b1", check={**FLIGHT, "departure": "ZZZZ"}), "check.departure"),
        (_watch_body("b2", schedule={"departure_time": "2020-01-01T00:00:00Z"}), "schedule"),
        (_watch_body("b3", check={**FLIGHT, "departure_time": "2026-12-01T00:00:00Z"}), "body"),
        (_watch_body("b4", notify={"at_least": "severe"}), "notify.at_least"),
        (_watch_body("b5 has spaces"), "id"),
        (_watch_body("b6", schedule={"daily": {"at": "06:00", "from": "2020-01-01",
                                               "until": "2020-01-05"}}), "schedule"),
    ],
)  # fmt: skip
def test_bad_watches_are_problems_naming_the_field(
    server: tuple[LiveServer, Engine], body: dict[str, Any], field: str
) -> None:
    live, engine = server
    answer = httpx.post(f"{live.url}/v1/watches", json=body, headers=_key(engine, "dispatcher"))
    problem = _problem(answer, 422)
    assert problem["field"].startswith(field), problem


def test_a_taken_id_is_a_conflict(server: tuple[LiveServer, Engine]) -> None:
    live, engine = server
    key = _key(engine, "dispatcher")
    assert httpx.post(f"{live.url}/v1/watches", json=_watch_body("dup"), headers=key,
                      timeout=60).status_code == 201  # fmt: skip
    problem = _problem(
        httpx.post(f"{live.url}/v1/watches", json=_watch_body("dup"), headers=key, timeout=60), 409
    )
    assert problem["field"] == "id"


def test_patch_and_delete(server: tuple[LiveServer, Engine]) -> None:
    live, engine = server
    key = _key(engine, "dispatcher")
    with httpx.Client(base_url=live.url, timeout=60, headers=key) as client:
        assert client.post("/v1/watches", json=_watch_body("p1")).status_code == 201
        patched = client.patch("/v1/watches/p1", json={"notify": {"at_least": "high"}})
        assert patched.status_code == 200, patched.text
        assert patched.json()["watch"]["notify"] == {"at_least": "high"}
        assert patched.json()["watch"]["check"]["departure"] == "UBBB"  # kept
        window = {"departure_window": {"from": _tomorrow(), "to": _tomorrow()[:11] + "08:00:00Z"}}
        rescheduled = client.patch("/v1/watches/p1", json={"schedule": window})
        assert rescheduled.status_code == 200, rescheduled.text
        assert len(rescheduled.json()["checks"]) == 3  # 06:00, 07:00, 08:00
        timed = client.patch("/v1/watches/p1", json={"check": {**FLIGHT, "as_of": _tomorrow()}})
        assert "check" in _problem(timed, 422)["detail"]
        landed = client.patch(
            "/v1/watches/p1", json={"schedule": {"departure_time": "2020-01-01T00:00:00Z"}}
        )
        assert _problem(landed, 422)["field"] == "schedule"
        assert client.delete("/v1/watches/p1").status_code == 204
        _problem(client.get("/v1/watches/p1"), 404)


def test_webhook_urls_on_internal_addresses_are_refused_by_default(
    live_server: LiveServer, engine: Engine
) -> None:
    key = _key(engine, "dispatcher")
    for url in ("http://127.0.0.1:9/hooks", "http://169.254.169.254/latest", "ftp://example.org/"):
        problem = _problem(httpx.post(f"{live_server.url}/v1/webhooks", json={"url": url},
                                      headers=key), 422)  # fmt: skip
        assert problem["field"] == "url"


def test_gone_disables_the_endpoint_and_rotation_keeps_the_old_secret_a_while(
    server: tuple[LiveServer, Engine],
) -> None:
    live, engine = server
    key = _key(engine, "dispatcher")
    with (
        Receiver(answers=[410]) as receiver,
        httpx.Client(base_url=live.url, timeout=60, headers=key) as client,
    ):
        created = client.post("/v1/webhooks", json={"url": receiver.url}).json()
        rotated = client.post(f"/v1/webhooks/{created['id']}/rotate-secret").json()
        assert rotated["secret"] != created["secret"]
        assert client.post(f"/v1/webhooks/{created['id']}/test").status_code == 202
        (got,) = receiver.wait_for(1, WAIT_S)
        assert len(got.headers["webhook-signature"].split(" ")) == 2  # new and old
        deadline = time.monotonic() + WAIT_S
        while client.get(f"/v1/webhooks/{created['id']}").json()["enabled"]:
            assert time.monotonic() < deadline, "not disabled after 410"
            time.sleep(0.1)
        assert "410" in client.get(f"/v1/webhooks/{created['id']}").json()["disabled_reason"]
        assert "secret" not in client.get(f"/v1/webhooks/{created['id']}").json()


def test_the_live_feed_carries_alerts_as_they_happen(server: tuple[LiveServer, Engine]) -> None:
    live, engine = server
    key, editor = _key(engine, "dispatcher"), _key(engine, "editor")
    events: list[str] = []
    opened = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{live.url}/v1/alerts/stream", headers=key, timeout=WAIT_S) as s:
            assert s.headers["content-type"].startswith("text/event-stream")
            opened.set()
            for line in s.iter_lines():
                events.append(line)
                if line.startswith("data: "):
                    return

    with httpx.Client(base_url=live.url, timeout=60) as client:
        assert client.post("/v1/watches", json=_watch_body("feed"), headers=key).status_code == 201
        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert opened.wait(WAIT_S)
        written = client.post(
            "/v1/conflict-zones", json=_zone("feed-zone", box(47.3, 41.3, 48.3, 42.3)),
            headers=editor,
        )  # fmt: skip
        assert written.status_code == 201, written.text
        listener.join(WAIT_S)
    assert "event: alert" in events
    data = next(line for line in events if line.startswith("data: "))
    assert '"watch_id":"feed"' in data


def test_the_command_line_lists_shows_and_prints_alerts(server: tuple[LiveServer, Engine]) -> None:
    live, engine = server
    key, editor = _key(engine, "dispatcher"), _key(engine, "editor")
    with httpx.Client(base_url=live.url, timeout=60) as client:
        assert client.post("/v1/watches", json=_watch_body("cli-w"), headers=key).status_code == 201
        written = client.post(
            "/v1/conflict-zones", json=_zone("cli-zone", box(47.2, 41.2, 48.2, 42.2)),
            headers=editor,
        )  # fmt: skip
        assert written.status_code == 201, written.text
        deadline = time.monotonic() + WAIT_S
        while not client.get("/v1/watches/cli-w/alerts", headers=key).json()["alerts"]:
            assert time.monotonic() < deadline, "no alert"
            time.sleep(0.1)
    url = engine.url.render_as_string(hide_password=False)
    listed = run(url, "watches", "list").stdout
    assert any(line.startswith("cli-w ") for line in listed.splitlines())
    shown = json.loads(run(url, "watches", "show", "cli-w").stdout)
    assert shown["check"]["departure"] == "UBBB"
    assert "conflict_zones/cli-zone" in shown["hazards"]
    alerts = [
        json.loads(line) for line in run(url, "watches", "alerts", "cli-w").stdout.splitlines()
    ]
    assert any(c.get("hazard", {}).get("id") == "cli-zone" for a in alerts for c in a["changes"])
    missing = run(url, "watches", "show", "no-such-watch")
    assert missing.returncode == 1
    assert "no watch" in missing.stderr
