"""Route checks under load over a real server: every check has a work budget, waiting checks
hold no thread (the readiness probe answers while they queue), and beyond the queue's bound a
check is refused at once with 503 and Retry-After, never left waiting without end."""

import concurrent.futures
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pyproj import Geod

from app.core.routes.path import MAX_ROUTE_NM
from app.settings import Settings
from tests.conftest import LiveServer

GEOD = Geod(ellps="WGS84")
CHECKS = 16


@pytest.fixture(scope="module")
def one_at_a_time(loaded_database_url: str) -> Iterator[LiveServer]:
    """A server computing one check at a time, with room for two more to wait."""
    settings = Settings(
        database_url=loaded_database_url, route_check_concurrency=1, route_check_max_waiting=2
    )
    with LiveServer(settings) as server:
        yield server


def _length_nm(points: list[list[float]]) -> float:
    """Geodesic length of a polyline (pyproj, independent of the service)."""
    return (
        sum(
            float(GEOD.inv(points[i][0], points[i][1], points[i + 1][0], points[i + 1][1])[2])
            for i in range(len(points) - 1)
        )
        / 1852.0
    )


def _zigzag(legs: int) -> list[list[float]]:
    """A route zigzagging across the Middle East and Ukraine (many zones on every leg)."""
    return [[30.0 + (i % 2) * 30.0, 25.0 + (i % 25)] for i in range(legs + 1)]


def test_a_route_beyond_the_work_budget_is_a_422_naming_it(one_at_a_time: LiveServer) -> None:
    # 1,000 points with legs of ~20,000 km: the case that took 37 s and 1.6 GB before.
    points = [[0.0, 0.0], [179.0, 0.0]] * 500
    assert _length_nm(points) > MAX_ROUTE_NM
    response = httpx.post(
        f"{one_at_a_time.url}/v1/route-checks",
        json={"route": {"type": "LineString", "coordinates": points}, "cruise_fl": 350},
        timeout=60,
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "route"
    assert "at most 40,000 NM" in response.json()["detail"]


def test_waiting_checks_hold_no_thread_and_the_queue_is_bounded(
    one_at_a_time: LiveServer,
) -> None:
    points = _zigzag(24)
    assert _length_nm(points) < MAX_ROUTE_NM  # within the budget: these are computed
    body: dict[str, Any] = {
        "route": {"type": "LineString", "coordinates": points},
        "cruise_fl": 330,
        "departure_time": "2026-01-01T00:00:00Z",
    }

    def check(_: int) -> httpx.Response:
        return httpx.post(f"{one_at_a_time.url}/v1/route-checks", json=body, timeout=120)

    with concurrent.futures.ThreadPoolExecutor(CHECKS + 1) as pool:
        checks = [pool.submit(check, i) for i in range(CHECKS)]
        # While they run and queue, the readiness probe and a layer page are answered.
        ready = httpx.get(f"{one_at_a_time.url}/readyz", timeout=30)
        page = httpx.get(f"{one_at_a_time.url}/collections/incidents/items?limit=1", timeout=30)
        responses = [c.result() for c in checks]
    assert ready.status_code == 200, ready.text
    assert page.status_code == 200, page.text
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 503}, codes
    assert codes.count(200) >= 1
    refused = [r for r in responses if r.status_code == 503]
    assert refused, "16 simultaneous checks overflow one running and two waiting"
    for response in refused:
        assert response.headers["retry-after"] == "1"
        assert response.json()["type"].endswith("/busy")
