"""Lifecycle over the real server: items carry a derived status and filter by it at a time as
known at a time; route checks honour as_of; editors see a review queue and record reviews as
versioned, audited writes. Test zones sit in the South Atlantic, where no bundled layer is,
and share the threat key "k-threat", so the expectations are read off their own timelines."""

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.store.api_keys import create_key
from tests import features as f
from tests.conftest import LiveServer

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[-30.0, -20.0], [-28.0, -20.0], [-28.0, -18.0], [-30.0, -18.0], [-30.0, -20.0]]
    ],
}
ROUTE = {"type": "LineString", "coordinates": [[-31.0, -19.0], [-27.0, -19.0]]}


def _zone(zone_id: str, **changes: Any) -> dict[str, Any]:
    """A zone over the square on the test timeline (published 10 Jan 2025, open)."""
    properties = {
        "id": zone_id, "name": f"Test {zone_id}", "threat": "k-threat", "level": 1,
        "upper_ft": None, "published_at": "2025-01-10T00:00:00Z",
        "valid_from": "2025-01-10T00:00:00Z", **changes,
    }  # fmt: skip
    return f.zone(geometry=SQUARE, **properties)


ZONES = [
    _zone("k-stated", valid_from="2025-01-12T00:00:00Z", valid_to="2025-01-20T00:00:00Z",
          end_basis="stated"),
    _zone("k-lapsed", valid_from="2025-01-12T00:00:00Z", valid_to="2025-01-20T00:00:00Z",
          end_basis="unconfirmed"),
    _zone("k-r1"),
    _zone("k-r2", published_at="2025-01-16T00:00:00Z", valid_from="2025-01-18T00:00:00Z",
          supersedes=["k-r1"]),
    _zone("k-withdrawn", withdrawn_at="2025-01-15T00:00:00Z"),
]  # fmt: skip


@pytest.fixture(scope="module")
def editor(writable_database_url: str, write_server: LiveServer) -> dict[str, str]:
    """Keys, and the test zones created through the API."""
    engine = create_engine(writable_database_url)
    with engine.begin() as connection:
        keys = {role: create_key(connection, f"k {role}", role)[1] for role in
                ("editor", "researcher", "reviewer")}  # fmt: skip
    engine.dispose()
    for zone in ZONES:
        created = _call(write_server, "POST", "/v1/conflict-zones", keys["editor"], json=zone)
        assert created.status_code == 201, created.text
    return keys


def _call(
    server: LiveServer, method: str, path: str, key: str | None = None, **kwargs: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.request(method, f"{server.url}{path}", headers=headers, timeout=30, **kwargs)


def _statuses(server: LiveServer, **params: str) -> dict[str, str]:
    """Each test zone's status in the items of conflict_zones, for these parameters."""
    response = _call(
        server, "GET", "/collections/conflict_zones/items", params={"threat": "k-threat", **params}
    )
    assert response.status_code == 200, response.text
    return {item["id"]: item["properties"]["status"] for item in response.json()["features"]}


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2025-01-11T00:00:00Z", {"k-stated": "scheduled", "k-lapsed": "scheduled",
                                  "k-r1": "in_force", "k-r2": "scheduled",
                                  "k-withdrawn": "in_force"}),
        ("2025-01-19T00:00:00Z", {"k-stated": "in_force", "k-lapsed": "in_force",
                                  "k-r1": "superseded", "k-r2": "in_force",
                                  "k-withdrawn": "withdrawn"}),
        ("2025-02-01T00:00:00Z", {"k-stated": "expired", "k-lapsed": "lapsed_unconfirmed",
                                  "k-r1": "superseded", "k-r2": "in_force",
                                  "k-withdrawn": "withdrawn"}),
    ],
)  # fmt: skip
def test_items_carry_the_status_at_a_time(
    write_server: LiveServer, editor: dict[str, str], at: str, expected: dict[str, str]
) -> None:
    assert _statuses(write_server, at=at) == expected


def test_items_filter_by_status_and_as_of(write_server: LiveServer, editor: dict[str, str]) -> None:
    counting = _statuses(
        write_server, at="2025-02-01T00:00:00Z", status="in_force,lapsed_unconfirmed"
    )
    assert counting == {"k-lapsed": "lapsed_unconfirmed", "k-r2": "in_force"}
    # As known on 15 Jan: k-r2 unpublished, so k-r1 is not superseded; the withdrawal of 15 Jan
    # 00:00 had happened.
    then = _statuses(write_server, as_of="2025-01-15T12:00:00Z", at="2025-01-19T00:00:00Z")
    assert then == {"k-stated": "in_force", "k-lapsed": "in_force", "k-r1": "in_force",
                    "k-withdrawn": "withdrawn"}  # fmt: skip
    # Without ?at, the status is taken at as_of.
    assert _statuses(write_server, as_of="2025-01-11T00:00:00Z")["k-r1"] == "in_force"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("conflict_zones", {"status": "active"}, "status"),
        ("conflict_zones", {"at": "yesterday"}, "at"),
        ("conflict_zones", {"as_of": "2025-01-01T00:00:00"}, "as_of"),
        ("incidents", {"status": "in_force"}, "status"),
    ],
)
def test_bad_lifecycle_parameters_are_400(
    write_server: LiveServer, path: str, params: dict[str, str], field: str
) -> None:
    response = _call(write_server, "GET", f"/collections/{path}/items", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


def _route_zones(server: LiveServer, departure: str, as_of: str | None) -> set[str]:
    body: dict[str, Any] = {"route": ROUTE, "cruise_fl": 350, "departure_time": departure}
    if as_of is not None:
        body["as_of"] = as_of
    response = _call(server, "POST", "/v1/route-checks", json=body)
    assert response.status_code == 200, response.text
    return {h["id"] for s in response.json()["segments"] for h in s["hazards"]}


def test_route_checks_honour_as_of(write_server: LiveServer, editor: dict[str, str]) -> None:
    # On 19 Jan k-r2 has replaced k-r1; as advised on 15 Jan, k-r1 was still the word.
    known_now = _route_zones(write_server, "2025-01-19T00:00:00Z", None)
    assert known_now == {"k-stated", "k-lapsed", "k-r2"}
    advised = _route_zones(write_server, "2025-01-19T00:00:00Z", "2025-01-15T12:00:00Z")
    assert advised == {"k-stated", "k-lapsed", "k-r1"}


def test_review_queue_lists_lapsed_and_ending_records(
    write_server: LiveServer, editor: dict[str, str]
) -> None:
    soon = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    ending = _zone("k-ending", valid_to=soon.isoformat().replace("+00:00", "Z"), end_basis="stated")
    assert (
        _call(write_server, "POST", "/v1/conflict-zones", editor["editor"], json=ending).status_code
        == 201
    )
    response = _call(write_server, "GET", "/v1/review-queue", editor["editor"])
    assert response.status_code == 200, response.text
    items = {i["id"]: i for i in response.json()["items"]}
    assert items["k-lapsed"]["status"] == "lapsed_unconfirmed"
    assert "lapsed: last known to run until 20 Jan 2025" in items["k-lapsed"]["reasons"][0]
    assert items["k-ending"]["reasons"] == [
        f"ends on {soon.strftime('%d %b %Y').lstrip('0')}, within 30 days"
    ]
    for ended in ("k-stated", "k-r1", "k-withdrawn"):  # ended for good: nothing to review
        assert ended not in items
    assert "k-r2" not in items  # open-ended and written just now
    assert _call(write_server, "GET", "/v1/review-queue", editor["researcher"]).status_code == 403
    assert _call(write_server, "GET", "/v1/review-queue").status_code == 401


def test_the_cli_lists_the_review_queue(writable_database_url: str, editor: dict[str, str]) -> None:
    env = {**os.environ, "DATABASE_URL": writable_database_url}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "airspace-risk"), "review"], capture_output=True,
        text=True, env=env,
        timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if " k-lapsed " in line)
    assert "lapsed_unconfirmed" in line


def _review(server: LiveServer, key: str, zone_id: str, **body: Any) -> httpx.Response:
    payload = {"comment": "checked the issuer's page", "sources": ["https://www.easa.europa.eu/x"]}
    return _call(
        server, "POST", f"/v1/conflict-zones/{zone_id}/reviews", key, json={**payload, **body}
    )


def test_recording_reviews(
    write_server: LiveServer, editor: dict[str, str], writable_database_url: str
) -> None:
    key = editor["editor"]
    renewed = _review(write_server, key, "k-lapsed", outcome="renewed",
                      valid_to="2027-01-31T00:00:00Z", reference="CZIB-TEST-R1")  # fmt: skip
    assert renewed.status_code == 200, renewed.text
    properties = renewed.json()["properties"]
    assert (properties["valid_to"], properties["end_basis"], properties["reference"]) == (
        "2027-01-31T00:00:00Z", "stated", "CZIB-TEST-R1"
    )  # fmt: skip
    assert "https://www.easa.europa.eu/x" in properties["sources"]
    assert renewed.json()["state"]["last_review_outcome"] == "renewed"
    # A flight in 2031: as known now the renewal ended in Jan 2027; as known on 1 Jan 2026,
    # before the renewal was recorded, the advisory had lapsed unconfirmed and still counted.
    assert "k-lapsed" not in _route_zones(write_server, "2031-01-01T00:00:00Z", None)
    assert "k-lapsed" in _route_zones(write_server, "2031-01-01T00:00:00Z", "2026-01-01T00:00:00Z")
    history = _call(write_server, "GET", "/v1/conflict-zones/k-lapsed/history").json()["versions"]
    assert [v["change"] for v in history][-1] == "review"
    engine = create_engine(writable_database_url)
    with engine.connect() as connection:
        actions = (
            connection.execute(
                text("SELECT action FROM audit_log WHERE feature_id = 'k-lapsed' ORDER BY id")
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert actions[-1] == "conflict_zones.review"
    withdrawn = _review(write_server, key, "k-ending", outcome="withdrawn",
                        withdrawn_at="2025-06-01T00:00:00Z")  # fmt: skip
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["properties"]["withdrawn_at"] == "2025-06-01T00:00:00Z"
    superseded = _review(write_server, key, "k-stated", outcome="superseded", superseded_by="k-r2")
    assert superseded.status_code == 200, superseded.text
    successor = _call(write_server, "GET", "/collections/conflict_zones/items/k-r2").json()
    assert successor["properties"]["supersedes"].split() == ["k-r1", "k-stated"]
    unchanged = _review(write_server, key, "k-r2", outcome="confirmed_unchanged")
    assert unchanged.json()["state"]["last_review_outcome"] == "confirmed_unchanged"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"outcome": "superseded"}, 422, "superseded_by"),
        ({"outcome": "renewed", "superseded_by": "k-r2"}, 422, "superseded_by"),
        ({"outcome": "superseded", "superseded_by": "no-such-zone"}, 422, "superseded_by"),
        ({"outcome": "confirmed_unchanged", "valid_to": "2027-01-01T00:00:00Z"}, 422, "valid_to"),
        ({"outcome": "withdrawn", "withdrawn_at": "2000-01-01T00:00:00Z"}, 422, "properties"),
        ({"outcome": "maybe"}, 422, "outcome"),
        ({"outcome": "renewed", "sources": []}, 422, "sources"),
        ({"outcome": "renewed", "valid_to": "2020-01-01T00:00:00Z"}, 422, "valid_to"),
        ({"outcome": "withdrawn", "withdrawn_at": "2199-01-01T00:00:00Z"}, 422, "withdrawn_at"),
        ({"outcome": "renewed", "sources": ["https://lemmy.world/post/1"]}, 422, "sources"),
        ({"outcome": "renewed", "sources": ["https://x.org/" + "a" * 3000]}, 422, "sources.0"),
        ({"outcome": "renewed", "reference": "R" * 201}, 422, "reference"),
        ({"outcome": "confirmed_unchanged", "comment": "nul \u0000 byte"}, 422, "comment"),
    ],
)
def test_bad_reviews_are_problems_and_write_nothing(
    write_server: LiveServer, editor: dict[str, str], body: dict[str, Any], status: int, field: str
) -> None:
    before = _call(write_server, "GET", "/v1/conflict-zones/k-withdrawn/history").json()
    response = _review(write_server, editor["editor"], "k-withdrawn", **body)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    after = _call(write_server, "GET", "/v1/conflict-zones/k-withdrawn/history").json()
    assert after == before


def test_a_successor_cannot_close_a_cycle_or_predate_its_predecessor(
    write_server: LiveServer, editor: dict[str, str]
) -> None:
    key = editor["editor"]
    # Both published 10 Jan, away from the square and the other tests' threat key.
    elsewhere = {
        "type": "Polygon",
        "coordinates": [[[-40, -20], [-38, -20], [-38, -18], [-40, -18], [-40, -20]]],
    }
    pair = [_zone("k-c1", threat="k-cycle"), _zone("k-c2", threat="k-cycle", supersedes=["k-c1"])]
    for zone in pair:
        zone["geometry"] = elsewhere
    for zone in pair:
        assert _call(write_server, "POST", "/v1/conflict-zones", key, json=zone).status_code == 201
    # k-c2 already replaces k-c1: recording k-c2 as superseded by k-c1 would end both.
    cycle = _review(write_server, key, "k-c2", outcome="superseded", superseded_by="k-c1")
    assert cycle.status_code == 422, cycle.text
    assert cycle.json()["field"] == "superseded_by"
    assert "cycle" in cycle.json()["detail"]
    # k-withdrawn (published 10 Jan) cannot replace k-r2 (published 16 Jan): it is older.
    older = _review(write_server, key, "k-r2", outcome="superseded", superseded_by="k-withdrawn")
    assert older.status_code == 422, older.text
    assert "published before" in older.json()["detail"]


def test_reviews_need_an_editor(write_server: LiveServer, editor: dict[str, str]) -> None:
    assert (
        _review(
            write_server, editor["researcher"], "k-r2", outcome="confirmed_unchanged"
        ).status_code
        == 403
    )
    assert (
        _review(write_server, editor["editor"], "nope", outcome="confirmed_unchanged").status_code
        == 404
    )


def test_downloads_carry_the_lifecycle(write_server: LiveServer, editor: dict[str, str]) -> None:
    response = _call(
        write_server, "GET", "/collections/conflict_zones/items",
        params={"f": "csv", "threat": "k-threat", "at": "2025-02-01T00:00:00Z"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_id = {row["id"]: row for row in rows}
    # (Fields that the review tests below leave alone, whatever order the tests run in.)
    assert by_id["k-r1"]["status"] == "superseded"
    assert "k-r1" in by_id["k-r2"]["supersedes"].split()
    assert by_id["k-r2"]["published_at"].startswith("2025-01-16")
