"""Writes that race each other over the real server: the loser is told (409), never a 500, and
the data hold exactly one copy."""

import concurrent.futures
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.store.api_keys import create_key
from tests import features as f
from tests.conftest import LiveServer

RACERS = 8
# Over the South Atlantic, away from the bundled layers and other tests' zones.
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[-50.0, -30.0], [-48.0, -30.0], [-48.0, -28.0], [-50.0, -28.0], [-50.0, -30.0]]
    ],
}


@pytest.fixture(scope="module")
def editor_key(writable_database_url: str) -> str:
    engine = create_engine(writable_database_url)
    with engine.begin() as connection:
        secret = create_key(connection, "race editor", "editor")[1]
    engine.dispose()
    return secret


def _race(server: LiveServer, key: str, body: dict[str, Any], headers: dict[str, str]) -> list[int]:
    """POST the same zone from RACERS threads at once; their status codes."""

    def post(_: int) -> int:
        response = httpx.post(
            f"{server.url}/v1/conflict-zones", json=body, timeout=60,
            headers={"Authorization": f"Bearer {key}", **headers},
        )  # fmt: skip
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"
        return response.status_code

    with concurrent.futures.ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(post, range(RACERS)))


def _copies(database_url: str, zone_id: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM conflict_zones WHERE id = :i"), {"i": zone_id}
        ).scalar_one()
    engine.dispose()
    return int(count)


def test_simultaneous_creates_of_one_id(
    write_server: LiveServer, editor_key: str, writable_database_url: str
) -> None:
    zone = f.zone(id="race-same-id", geometry=SQUARE)
    codes = _race(write_server, editor_key, zone, {})
    assert set(codes) <= {201, 409}, codes
    assert codes.count(201) == 1
    assert _copies(writable_database_url, "race-same-id") == 1


def test_simultaneous_creates_with_one_idempotency_key(
    write_server: LiveServer, editor_key: str, writable_database_url: str
) -> None:
    zone = f.zone(id="race-same-key", geometry=SQUARE)
    codes = _race(write_server, editor_key, zone, {"Idempotency-Key": "race-key-1"})
    # The first is created; the others are replays of it (201) or told it is being written (409).
    assert set(codes) <= {201, 409}, codes
    assert 201 in codes
    assert _copies(writable_database_url, "race-same-key") == 1
