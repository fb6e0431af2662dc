"""Clients that stop reading do not take the server down: real sockets against a real server
with a deliberately small pool (two connections, no overflow)."""

import socket
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.settings import Settings
from app.store.provisioning import drop_database
from tests.conftest import LiveServer, loaded_database

STALLED = 8  # four times the pool
# Enough zones that a whole download (~20 MB) outgrows every socket buffer on the way.
BULK_ZONES = 3_000


@pytest.fixture(scope="module")
def small_pool_server() -> Iterator[LiveServer]:
    url = loaded_database("stalled")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conflict_zones (id, name, level, published_at, valid_from, end_basis,"
                " threat, issuer, instrument, sources, certainty, geom)"
                " SELECT 'bulk-' || i, 'Bulk ' || i, 3, '2025-01-01Z', '2025-01-01Z',"
                " 'until_further_notice', 'bulk', 'TEST', 'test', ARRAY['https://example.org/'],"
                " 'low', ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(-170 + (i % 300), -60 +"
                " (i / 300) * 10), 4326), 0.4, 64)) FROM generate_series(1, :n) AS i"
            ),
            {"n": BULK_ZONES},
        )
    engine.dispose()
    settings = Settings(database_url=url, db_pool_size=2, db_max_overflow=0)
    try:
        with LiveServer(settings) as server:
            yield server
    finally:
        drop_database(url)


def _stalled_download(server: LiveServer, fmt: str) -> socket.socket:
    """A client that asks for a whole layer, reads the status line, and then reads no more
    (with a tiny receive window, so the server soon cannot send)."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.settimeout(60)
    client.connect(("127.0.0.1", server.port))
    client.sendall(
        f"GET /collections/conflict_zones/items?f={fmt} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n\r\n".encode()
    )
    assert client.recv(12) == b"HTTP/1.1 200"
    return client


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_stalled_downloads_hold_no_database_connection(
    small_pool_server: LiveServer, fmt: str
) -> None:
    clients = [_stalled_download(small_pool_server, fmt) for _ in range(STALLED)]
    try:
        # While every one of them sits unread, requests that need the database are served.
        for _ in range(3):
            page = httpx.get(
                f"{small_pool_server.url}/collections/incidents/items", params={"limit": 5},
                timeout=60,
            )  # fmt: skip
            assert page.status_code == 200, page.text
            check = httpx.post(
                f"{small_pool_server.url}/v1/route-checks",
                json={"departure": "UBBB", "destination": "URMG", "cruise_fl": 250},
                timeout=60,
            )
            assert check.status_code == 200, check.text
            ready = httpx.get(f"{small_pool_server.url}/readyz", timeout=60)
            assert ready.status_code == 200, ready.text
    finally:
        for client in clients:
            client.close()
    # And once they are gone, a whole download still comes through complete.
    whole = httpx.get(
        f"{small_pool_server.url}/collections/conflict_zones/items", params={"f": "geojson"},
        timeout=60,
    )  # fmt: skip
    assert whole.status_code == 200
    assert whole.json()["type"] == "FeatureCollection"
