"""The real server: probes, problem documents for every error, the OpenAPI document."""

import json
import logging

import httpx
import pytest
from sqlalchemy import create_engine, event

from app.logging_setup import JsonLines
from app.request_context import request_id
from app.settings import Settings
from app.store.provisioning import drop_database
from app.store.readiness import check_readiness
from tests.conftest import LiveServer, new_database

PROBLEM = "application/problem+json"


def _assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    assert "Traceback" not in response.text
    return dict(body)


def test_healthz(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_ready(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/readyz")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["postgis"].startswith("ok (3.")
    assert checks["migrations"].startswith("ok (")


def test_readyz_without_migrations_is_503() -> None:
    url = new_database("unmigrated")
    try:
        with LiveServer(Settings(database_url=url)) as server:
            body = _assert_problem(httpx.get(f"{server.url}/readyz"), 503)
        assert "migrations" in str(body["detail"])
        assert body["checks"]["migrations"].startswith("at None")  # type: ignore[index]
    finally:
        drop_database(url)


def test_readyz_without_database_is_503() -> None:
    # Port 9 (discard) has nothing listening on these machines' loopback.
    settings = Settings(database_url="postgresql://postgres@127.0.0.1:9/none")
    with LiveServer(settings) as server:
        body = _assert_problem(httpx.get(f"{server.url}/readyz"), 503)
    assert str(body["detail"]).startswith("not ready (database: unreachable")
    assert "127.0.0.1:9" not in str(body)


def test_unknown_path_is_a_json_404(live_server: LiveServer) -> None:
    body = _assert_problem(httpx.get(f"{live_server.url}/no/such/thing"), 404)
    assert body["detail"] == "nothing is served at /no/such/thing"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/nothing"),
        ("PATCH", "/v1/nothing/x"),
        ("DELETE", "/v1/nothing/x"),
        ("GET", "/v1/nothing/x/history"),
        ("POST", "/v1/nothing/x/reviews"),
    ],
)
def test_unknown_layer_paths_are_404_before_any_key_is_asked(
    live_server: LiveServer, method: str, path: str
) -> None:
    response = httpx.request(method, f"{live_server.url}{path}", timeout=10)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "layer"


def test_wrong_method_is_a_405_problem(live_server: LiveServer) -> None:
    body = _assert_problem(httpx.delete(f"{live_server.url}/healthz"), 405)
    assert "DELETE" in str(body["detail"])


def test_oversize_body_is_a_413_problem(live_server: LiveServer) -> None:
    body = _assert_problem(
        httpx.post(f"{live_server.url}/healthz", content=b"x" * (5 * 1024 * 1024 + 1)), 413
    )
    assert body["field"] == "body"


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_api_description_is_served(live_server: LiveServer, path: str) -> None:
    response = httpx.get(f"{live_server.url}{path}")
    assert response.status_code == 200
    if path == "/openapi.json":
        paths = response.json()["paths"]
        assert {"/healthz", "/readyz"} <= set(paths)


def test_a_forged_host_is_refused_before_it_reaches_any_link(live_server: LiveServer) -> None:
    forged = httpx.get(
        f"{live_server.url}/", headers={"Host": "evil.example", "Accept": "application/json"}
    )
    body = _assert_problem(forged, 400)
    assert body["field"] == "Host"
    assert "evil.example" not in forged.headers.get("location", "")
    # The names it is known by are answered, and links are built from them.
    landing = httpx.get(
        f"{live_server.url}/",
        headers={"Host": f"localhost:{live_server.port}", "Accept": "application/json"},
    )
    assert landing.status_code == 200
    assert all(
        link["href"].startswith(f"http://localhost:{live_server.port}/")
        for link in landing.json()["links"]
    )


def test_every_answer_carries_the_safety_headers(live_server: LiveServer) -> None:
    for response in (
        httpx.get(f"{live_server.url}/healthz"),
        httpx.get(f"{live_server.url}/no/such/thing"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "content-security-policy" not in response.headers  # JSON: no page to protect
    page = httpx.get(f"{live_server.url}/", headers={"Accept": "text/html"})
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    # The API docs run Swagger UI from this origin under the same policy.
    docs = httpx.get(f"{live_server.url}/docs")
    assert "default-src 'self'" in docs.headers["content-security-policy"]
    for asset in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/docs.js"):
        assert asset in docs.text
        assert httpx.get(f"{live_server.url}{asset}").status_code == 200
    assert "https://" not in docs.text
    assert "http://" not in docs.text


def test_every_problem_and_answer_carries_the_request_id(live_server: LiveServer) -> None:
    missing = httpx.get(f"{live_server.url}/no/such/thing")
    body = _assert_problem(missing, 404)
    assert body["request_id"] == missing.headers["x-request-id"]
    assert len(body["request_id"]) == 32  # a fresh uuid4, hex
    given = httpx.get(f"{live_server.url}/no/such/thing", headers={"X-Request-Id": "dispatch-42"})
    assert given.headers["x-request-id"] == "dispatch-42"
    assert given.json()["request_id"] == "dispatch-42"
    # A header that is not a sane token is replaced, not echoed.
    odd = httpx.get(f"{live_server.url}/healthz", headers={"X-Request-Id": "x" * 200})
    assert odd.headers["x-request-id"] != "x" * 200


def test_log_lines_are_json_with_the_request_id() -> None:
    record = logging.LogRecord("app.test", logging.WARNING, __file__, 1, "pool %s", ("busy",), None)
    token = request_id.set("abc-123")
    try:
        line = json.loads(JsonLines().format(record))
    finally:
        request_id.reset(token)
    assert (line["level"], line["logger"], line["message"], line["request_id"]) == (
        "warning", "app.test", "pool busy", "abc-123"
    )  # fmt: skip


def test_metrics_in_prometheus_form(live_server: LiveServer) -> None:
    httpx.get(f"{live_server.url}/collections/incidents/items/no-such-incident")
    httpx.post(
        f"{live_server.url}/v1/route-checks",
        json={"waypoints": [{"lat": 10, "lon": 10}, {"lat": 11, "lon": 11}], "cruise_fl": 300},
    )
    response = httpx.get(f"{live_server.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    # Labelled by the route template, not the raw path (no metric per feature id).
    assert (
        'airspace_risk_http_requests_total{method="GET",'
        'route="/collections/{collectionId}/items/{featureId}",status="404"}'
    ) in text
    assert "no-such-incident" not in text
    assert 'route="/v1/route-checks",status="200"' in text
    for name in (
        "airspace_risk_http_request_duration_seconds_bucket",
        'airspace_risk_checker_build_seconds_count{kind="current"}',
        "airspace_risk_route_checks_waiting",
        "airspace_risk_db_connections_in_use",
    ):
        assert name in text, name


def test_readiness_names_the_check_that_failed_midway(database_url: str) -> None:
    # The database answers the first query (database and PostGIS) and then goes away (the
    # session is terminated before the next one): the failing check is named, none is left out,
    # none says "ok" wrongly.
    engine = create_engine(database_url)
    calls = {"n": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def _cut(conn: object, cursor: object, statement: str, *args: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the migrations query: terminate our own session first
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")  # type: ignore[attr-defined]

    try:
        readiness = check_readiness(engine)
    finally:
        engine.dispose()
    assert readiness.ready is False
    assert readiness.checks["database"] == "ok"
    assert readiness.checks["postgis"].startswith("ok (")
    assert readiness.checks["migrations"].startswith("failed (")
