"""Authenticated, validated, reviewed and audited writes, over the real server: for every write
endpoint success, 401, 403, 422 naming the field, the audit row (and none for a failed
write), and the effect on the public layer and on route checks."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.settings import Settings
from app.store.api_keys import create_key, revoke_key
from tests import features as f
from tests.conftest import LiveServer

# Over the Caspian Sea east of Baku, where no bundled layer is.
SQUARE_NEAR_BAKU = {
    "type": "Polygon",
    "coordinates": [[[50.0, 41.0], [51.0, 41.0], [51.0, 42.0], [50.0, 42.0], [50.0, 41.0]]],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[47.0, 41.0], [48.0, 42.0], [48.0, 41.0], [47.0, 42.0], [47.0, 41.0]]],
}


@pytest.fixture(scope="module")
def keys(writable_database_url: str) -> dict[str, str]:
    """One live key per role, and one revoked."""
    engine = create_engine(writable_database_url)
    secrets: dict[str, str] = {}
    with engine.begin() as connection:
        for role in ("researcher", "reviewer", "editor", "admin"):
            secrets[role] = create_key(connection, f"test {role}", role)[1]
        secrets["other researcher"] = create_key(connection, "second", "researcher")[1]
        revoked, secrets["revoked"] = create_key(connection, "old", "editor")
        revoke_key(connection, revoked.id)
    engine.dispose()
    return secrets


@pytest.fixture(scope="module")
def db(writable_database_url: str) -> Iterator[Any]:
    engine = create_engine(writable_database_url)
    yield engine
    engine.dispose()


def _call(
    server: LiveServer, method: str, path: str, key: str | None = None, **kwargs: Any
) -> httpx.Response:
    headers = dict(kwargs.pop("headers", {}))
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.request(method, f"{server.url}{path}", headers=headers, timeout=30, **kwargs)


def _audit_count(db: Any, feature_id: str) -> int:
    with db.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM audit_log WHERE feature_id = :i"), {"i": feature_id}
            ).scalar_one()
        )


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return dict(response.json())


def _incident(**changes: Any) -> dict[str, Any]:
    """A new report as a researcher sends it: no status unless the test sets one."""
    status = changes.pop("status", None)
    feature = f.incident(**changes)
    feature["properties"].pop("status")
    if status is not None:
        feature["properties"]["status"] = status
    return feature


# --- incidents -------------------------------------------------------------------------------


def test_filing_needs_a_key_of_the_right_role(
    write_server: LiveServer, keys: dict[str, str]
) -> None:
    body = _incident(id="role-check")
    assert _problem(_call(write_server, "POST", "/v1/incidents", json=body), 401)["status"] == 401
    assert "WWW-Authenticate" in _call(write_server, "POST", "/v1/incidents", json=body).headers
    _problem(_call(write_server, "POST", "/v1/incidents", keys["revoked"], json=body), 401)
    _problem(_call(write_server, "POST", "/v1/incidents", "ark_not-a-key", json=body), 401)
    assert (
        "reviewer"
        in _problem(_call(write_server, "POST", "/v1/incidents", keys["reviewer"], json=body), 403)[
            "detail"
        ]
    )


def test_file_review_publish_and_route_check(
    write_server: LiveServer, keys: dict[str, str], db: Any
) -> None:
    body = _incident(id="baku-test-hit", event="baku-test", occurred_at="2025-03-01T10:00:00Z",
                     published_at="2025-03-01T12:00:00Z",
                     geometry={"type": "Point", "coordinates": [49.0, 40.9]})  # fmt: skip
    created = _call(write_server, "POST", "/v1/incidents", keys["researcher"], json=body)
    assert created.status_code == 201, created.text
    assert created.json()["properties"]["status"] == "pending"
    assert created.headers["location"].endswith("/v1/incidents/baku-test-hit")
    assert _audit_count(db, "baku-test-hit") == 1
    # Pending: not public, not in route checks.
    assert (
        _call(write_server, "GET", "/collections/incidents/items/baku-test-hit").status_code == 404
    )
    route = {
        "waypoints": [{"lat": 40.5, "lon": 48.5}, {"lat": 41.3, "lon": 49.5}],
        "cruise_fl": 300,
        "departure_time": "2025-06-01T10:00:00Z",
    }
    nearby = _call(write_server, "POST", "/v1/route-checks", json=route).json()["incidents_nearby"]
    assert "baku-test-hit" not in {i["id"] for i in nearby}
    # The researcher sees their own pending report; another researcher does not.
    mine = _call(write_server, "GET", "/v1/incidents?status=pending", keys["researcher"]).json()
    assert "baku-test-hit" in {i["id"] for i in mine["incidents"]}
    theirs = _call(
        write_server, "GET", "/v1/incidents?status=pending", keys["other researcher"]
    ).json()
    assert "baku-test-hit" not in {i["id"] for i in theirs["incidents"]}
    # Review: researchers may not, reviewers may, with a comment.
    _problem(
        _call(
            write_server,
            "POST",
            "/v1/incidents/baku-test-hit/verify",
            keys["researcher"],
            json={"comment": "ok"},
        ),
        403,
    )
    _problem(
        _call(
            write_server, "POST", "/v1/incidents/baku-test-hit/verify", keys["reviewer"], json={}
        ),
        422,
    )
    verified = _call(
        write_server,
        "POST",
        "/v1/incidents/baku-test-hit/verify",
        keys["reviewer"],
        json={"comment": "two sources agree"},
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["state"]["review_comment"] == "two sources agree"
    assert (
        _call(write_server, "GET", "/collections/incidents/items/baku-test-hit").status_code == 200
    )
    nearby = _call(write_server, "POST", "/v1/route-checks", json=route).json()["incidents_nearby"]
    assert "baku-test-hit" in {i["id"] for i in nearby}
    _problem(
        _call(
            write_server,
            "POST",
            "/v1/incidents/baku-test-hit/reject",
            keys["reviewer"],
            json={"comment": "late"},
        ),
        409,
    )


def test_idempotent_retry_and_duplicate_flag(
    write_server: LiveServer, keys: dict[str, str], db: Any
) -> None:
    body = _incident(
        id="retry-hit",
        occurred_at="2024-12-25T05:20:00Z",
        geometry={"type": "Point", "coordinates": [45.75, 43.40]},
    )
    headers = {"Idempotency-Key": "file-retry-hit-1"}
    first = _call(
        write_server, "POST", "/v1/incidents", keys["researcher"], json=body, headers=headers
    )
    again = _call(
        write_server, "POST", "/v1/incidents", keys["researcher"], json=body, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert _audit_count(db, "retry-hit") == 1
    # Same day, 5 km from J2-8243's hit point: flagged as a likely duplicate.
    assert first.json()["possible_duplicates"] == ["azal8243-hit"]
    other = _incident(id="retry-other")
    reused = _call(
        write_server, "POST", "/v1/incidents", keys["researcher"], json=other, headers=headers
    )
    assert _problem(reused, 422)["field"] == "Idempotency-Key"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_at": "2150-01-01T00:00:00Z"}, "properties"),
        ({"sources": []}, "sources"),
        ({"colour": "red"}, "colour"),
        ({"geometry": {"type": "Point", "coordinates": [45.0, 95.0]}}, "geometry"),
        ({"status": "verified"}, "status"),
        ({"kind": "shot"}, "kind"),
    ],
)
def test_bad_incident_is_422_naming_the_field_and_writes_nothing(
    write_server: LiveServer, keys: dict[str, str], db: Any, changes: dict[str, Any], field: str
) -> None:
    body = _incident(id="bad-one", **changes)
    problem = _problem(
        _call(write_server, "POST", "/v1/incidents", keys["researcher"], json=body), 422
    )
    assert problem["field"] == field
    assert _audit_count(db, "bad-one") == 0


def test_researcher_edits_own_pending_report(
    write_server: LiveServer, keys: dict[str, str]
) -> None:
    _call(
        write_server, "POST", "/v1/incidents", keys["researcher"], json=_incident(id="editable-hit")
    )
    patch = {"properties": {"fatalities": 3}}
    assert (
        _call(
            write_server,
            "PATCH",
            "/v1/incidents/editable-hit",
            keys["other researcher"],
            json=patch,
        ).status_code
        == 404
    )
    edited = _call(
        write_server, "PATCH", "/v1/incidents/editable-hit", keys["researcher"], json=patch
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["properties"]["fatalities"] == 3
    bad = _call(
        write_server,
        "PATCH",
        "/v1/incidents/editable-hit",
        keys["researcher"],
        json={"properties": {"fatalities": -1}},
    )
    assert _problem(bad, 422)["field"] == "fatalities"


# --- zones and engagement areas --------------------------------------------------------------


def test_zone_create_patch_retire_history_and_audit(
    write_server: LiveServer, keys: dict[str, str], db: Any
) -> None:
    zone = f.zone(
        id="test-caspian",
        level=1,
        upper_ft=None,
        valid_from="2025-01-01T00:00:00Z",
        geometry=SQUARE_NEAR_BAKU,
    )
    _problem(_call(write_server, "POST", "/v1/conflict-zones", json=zone), 401)
    _problem(_call(write_server, "POST", "/v1/conflict-zones", keys["researcher"], json=zone), 403)
    created = _call(write_server, "POST", "/v1/conflict-zones", keys["editor"], json=zone)
    assert created.status_code == 201, created.text
    _problem(_call(write_server, "POST", "/v1/conflict-zones", keys["editor"], json=zone), 409)
    route = {
        "waypoints": [{"lat": 41.5, "lon": 49.5}, {"lat": 41.5, "lon": 51.5}],
        "cruise_fl": 300,
    }
    check = _call(write_server, "POST", "/v1/route-checks", json=route).json()
    assert check["summary"]["category"] == "critical"
    between = datetime.now(UTC).isoformat()
    patched = _call(
        write_server,
        "PATCH",
        "/v1/conflict-zones/test-caspian",
        keys["editor"],
        json={"properties": {"level": 3}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"]["level"] == 3
    retired = _call(write_server, "DELETE", "/v1/conflict-zones/test-caspian", keys["editor"])
    assert retired.status_code == 200
    # Gone from the current layer and from checks made now...
    assert (
        _call(write_server, "GET", "/collections/conflict_zones/items/test-caspian").status_code
        == 404
    )
    assert (
        _call(write_server, "POST", "/v1/route-checks", json=route).json()["summary"]["category"]
        == "none"
    )
    # ...but a check made as of before the retirement is still explained by it (level 1 then).
    earlier = _call(
        write_server, "POST", "/v1/route-checks", json={**route, "as_of": between}
    ).json()
    assert earlier["summary"]["category"] == "critical"
    history = _call(write_server, "GET", "/v1/conflict-zones/test-caspian/history").json()[
        "versions"
    ]
    assert [v["change"] for v in history] == ["create", "update", "retire"]
    assert [v["feature"]["properties"]["level"] for v in history] == [1, 3, 3]
    audit = _call(write_server, "GET", "/v1/audit?feature_id=test-caspian", keys["admin"]).json()[
        "entries"
    ]
    assert [e["action"] for e in audit] == [
        "conflict_zones.retire",
        "conflict_zones.update",
        "conflict_zones.create",
    ]
    assert audit[1]["before"]["properties"]["level"] == 1
    assert audit[1]["after"]["properties"]["level"] == 3
    assert all(e["key_id"] for e in audit)
    assert "ark_" not in str(audit)
    _problem(_call(write_server, "DELETE", "/v1/conflict-zones/test-caspian", keys["editor"]), 404)


@pytest.mark.parametrize(
    ("zone", "field", "reason"),
    [
        (f.zone(id="z-bowtie", geometry=BOWTIE), "geometry", "self-intersection at lon 47.5"),
        (
            f.zone(
                id="z-open-ring",
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[47, 41], [48, 41], [48, 42], [47, 42]]],
                },
            ),
            "geometry",
            "ring 0 is not closed",
        ),
        (
            f.zone(
                id="z-range",
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[47, 41], [200, 41], [47, 42], [47, 41]]],
                },
            ),
            "geometry",
            "longitude 200",
        ),
        (
            f.zone(
                id="z-window", valid_from="2025-02-01T00:00:00Z", valid_to="2025-01-01T00:00:00Z"
            ),
            "properties",
            "valid_from",
        ),
        (f.zone(id="z-nosource", sources=[]), "sources", "at least 1"),
        (f.zone(id="z-extra", colour="red"), "colour", "Extra inputs"),
    ],
)
def test_bad_zone_is_422_naming_the_field_and_writes_nothing(
    write_server: LiveServer,
    keys: dict[str, str],
    db: Any,
    zone: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    problem = _problem(
        _call(write_server, "POST", "/v1/conflict-zones", keys["editor"], json=zone), 422
    )
    assert any(e["field"] == field and reason in e["reason"] for e in problem["errors"]), problem
    assert _audit_count(db, zone["properties"]["id"]) == 0


def test_repair_on_request(write_server: LiveServer, keys: dict[str, str]) -> None:
    zone = f.zone(id="z-repaired", geometry=BOWTIE)
    repaired = _call(
        write_server, "POST", "/v1/conflict-zones?repair=true", keys["editor"], json=zone
    )
    assert repaired.status_code == 201, repaired.text
    assert repaired.json()["geometry"]["type"] == "MultiPolygon"


def test_engagement_area_from_site_and_system(
    write_server: LiveServer, keys: dict[str, str]
) -> None:
    area = f.engagement_area(id="test-sam-site", system="buk-m1", site_basis="reported")
    created = _call(write_server, "POST", "/v1/engagement-areas", keys["editor"], json=area)
    assert created.status_code == 201, created.text
    props = created.json()["properties"]
    assert props["radius_nm"] == pytest.approx(17.3)
    assert props["upper_ft"] == 72178
    published = _call(
        write_server, "GET", "/collections/engagement_areas/items/test-sam-site"
    ).json()
    assert published["geometry"]["type"] == "MultiPolygon"
    unknown = _call(
        write_server,
        "POST",
        "/v1/engagement-areas",
        keys["editor"],
        json=f.engagement_area(id="x-sam", system="s-900"),
    )
    assert _problem(unknown, 422)["field"] == "system"


def test_every_write_changes_the_data_version(
    write_server: LiveServer, keys: dict[str, str]
) -> None:
    route = {"waypoints": [{"lat": 10, "lon": 10}, {"lat": 11, "lon": 11}], "cruise_fl": 300}
    before = _call(write_server, "POST", "/v1/route-checks", json=route).json()["summary"][
        "data_version"
    ]
    _call(write_server, "POST", "/v1/conflict-zones", keys["editor"], json=f.zone(id="z-version"))
    after = _call(write_server, "POST", "/v1/route-checks", json=route).json()["summary"][
        "data_version"
    ]
    assert after > before


def test_audit_is_for_admins_and_append_only(
    write_server: LiveServer, keys: dict[str, str], db: Any
) -> None:
    _problem(_call(write_server, "GET", "/v1/audit"), 401)
    _problem(_call(write_server, "GET", "/v1/audit", keys["editor"]), 403)
    assert _call(write_server, "GET", "/v1/audit?limit=1", keys["admin"]).status_code == 200
    with pytest.raises(Exception, match="append-only"), db.begin() as connection:
        connection.execute(text("DELETE FROM audit_log"))


def test_write_rate_limit_is_shared_by_every_server(
    writable_database_url: str, keys: dict[str, str]
) -> None:
    """Two servers (two app instances, each with its own memory) on one database share each
    key's bucket: with 2 writes a minute, the third is refused on the other server, with a
    Retry-After of one token's refill (60 s / 2 = 30 s, give or take the rounding up)."""
    settings = Settings(database_url=writable_database_url, write_rate_per_minute=2)
    with LiveServer(settings) as first, LiveServer(settings) as second:
        statuses = [
            _call(
                server, "POST", "/v1/incidents", keys["other researcher"],
                json=_incident(id=f"rate-{n}"),
            ).status_code
            for n, server in enumerate((first, first))
        ]  # fmt: skip
        limited = _call(
            second, "POST", "/v1/incidents", keys["other researcher"], json=_incident(id="rate-x")
        )
        # Another key has a bucket of its own.
        other_key = _call(
            second, "POST", "/v1/incidents", keys["researcher"], json=_incident(id="rate-y")
        )
    assert statuses == [201, 201]
    problem = _problem(limited, 429)
    assert "too many writes" in problem["detail"]
    assert 29 <= int(limited.headers["retry-after"]) <= 31
    assert other_key.status_code == 201


def test_reading_can_require_a_key(write_server: LiveServer, keys: dict[str, str]) -> None:
    settings = write_server.app.state.settings
    object.__setattr__(settings, "read_requires_key", True)
    try:
        _problem(_call(write_server, "GET", "/collections/incidents/items"), 401)
        assert (
            _call(
                write_server, "GET", "/collections/incidents/items", keys["researcher"]
            ).status_code
            == 200
        )
    finally:
        object.__setattr__(settings, "read_requires_key", False)


def test_concurrent_reviews_one_wins(write_server: LiveServer, keys: dict[str, str]) -> None:
    """Two reviewers at once: one decision is taken, the other is told it came too late."""
    from concurrent.futures import ThreadPoolExecutor

    _call(
        write_server,
        "POST",
        "/v1/incidents",
        keys["researcher"],
        json=_incident(id="contested-hit"),
    )

    def review(decision: str) -> int:
        return _call(
            write_server, "POST", f"/v1/incidents/contested-hit/{decision}", keys["reviewer"],
            json={"comment": decision},
        ).status_code  # fmt: skip

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(review, ["verify", "reject"] * 4))
    assert sorted(statuses) == [200] + [409] * 7
    history = _call(write_server, "GET", "/v1/incidents/contested-hit/history").json()
    changes = [v["change"] for v in history.get("versions", [])]
    assert changes.count("review") <= 1


def test_malformed_patches_are_422(write_server: LiveServer, keys: dict[str, str]) -> None:
    _call(write_server, "POST", "/v1/conflict-zones", keys["editor"], json=f.zone(id="z-patch"))
    for body, field in (
        ({"properties": "abc"}, "properties"),
        ({"geometry": 5}, "geometry"),
        ([1], "body"),
    ):
        response = _call(
            write_server, "PATCH", "/v1/conflict-zones/z-patch", keys["editor"], json=body
        )
        assert _problem(response, 422)["field"] == field


WRITE_ENDPOINTS = [
    ("POST", "/v1/incidents", "reviewer"),
    ("PATCH", "/v1/incidents/editable-hit", "reviewer"),
    ("POST", "/v1/incidents/editable-hit/verify", "researcher"),
    ("POST", "/v1/incidents/editable-hit/reject", "researcher"),
    ("POST", "/v1/conflict-zones", "researcher"),
    ("PATCH", "/v1/conflict-zones/z-version", "reviewer"),
    ("DELETE", "/v1/conflict-zones/z-version", "researcher"),
    ("POST", "/v1/engagement-areas", "reviewer"),
    ("PATCH", "/v1/engagement-areas/test-sam-site", "researcher"),
    ("DELETE", "/v1/engagement-areas/test-sam-site", "reviewer"),
    ("GET", "/v1/audit", "editor"),
]


@pytest.mark.parametrize(("method", "path", "wrong_role"), WRITE_ENDPOINTS)
def test_every_write_endpoint_needs_a_key_of_the_right_role(
    write_server: LiveServer, keys: dict[str, str], method: str, path: str, wrong_role: str
) -> None:
    body: dict[str, Any] = (
        {"comment": "x"} if path.endswith(("verify", "reject")) else {"properties": {}}
    )
    assert _problem(_call(write_server, method, path, json=body), 401)["status"] == 401
    assert (
        _problem(_call(write_server, method, path, keys["revoked"], json=body), 401)["status"]
        == 401
    )
    assert (
        _problem(_call(write_server, method, path, keys[wrong_role], json=body), 403)["status"]
        == 403
    )


def test_zone_creation_retry_with_idempotency_key(
    write_server: LiveServer, keys: dict[str, str], db: Any
) -> None:
    zone = f.zone(id="z-idempotent")
    headers = {"Idempotency-Key": "zone-z-idempotent"}
    first = _call(
        write_server, "POST", "/v1/conflict-zones", keys["editor"], json=zone, headers=headers
    )
    again = _call(
        write_server, "POST", "/v1/conflict-zones", keys["editor"], json=zone, headers=headers
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert _audit_count(db, "z-idempotent") == 1


def test_failed_patch_writes_no_audit_row(
    write_server: LiveServer, keys: dict[str, str], db: Any
) -> None:
    _call(
        write_server, "POST", "/v1/conflict-zones", keys["editor"], json=f.zone(id="z-failed-patch")
    )
    before = _audit_count(db, "z-failed-patch")
    bad = _call(
        write_server,
        "PATCH",
        "/v1/conflict-zones/z-failed-patch",
        keys["editor"],
        json={"properties": {"level": 9}},
    )
    assert _problem(bad, 422)["field"] == "level"
    assert _audit_count(db, "z-failed-patch") == before


def test_whoever_filed_a_report_does_not_publish_it(
    write_server: LiveServer, keys: dict[str, str]
) -> None:
    body = _incident(id="own-report-hit", event="own-report", occurred_at="2025-04-01T10:00:00Z",
                     published_at="2025-04-01T12:00:00Z")  # fmt: skip
    filed = _call(write_server, "POST", "/v1/incidents", keys["editor"], json=body)
    assert filed.status_code == 201, filed.text
    own = _call(write_server, "POST", "/v1/incidents/own-report-hit/verify", keys["editor"],
                json={"comment": "mine"})  # fmt: skip
    _problem(own, 403)
    other = _call(write_server, "POST", "/v1/incidents/own-report-hit/verify", keys["reviewer"],
                  json={"comment": "checked"})  # fmt: skip
    assert other.status_code == 200, other.text
