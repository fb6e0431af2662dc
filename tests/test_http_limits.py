"""What a client may send before its body, over real sockets against the real server
configuration (api/http_server.py): bounded headers, a deadline for them, idle sockets closed."""

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.api.http_server import MAX_HEADER_BYTES, MAX_HEADERS
from app.settings import Settings
from tests.conftest import LiveServer

HEADER_TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[LiveServer]:
    """The server with a one-second header deadline, so the slow cases take a second."""
    with LiveServer(Settings(database_url=database_url, header_timeout_s=HEADER_TIMEOUT_S)) as s:
        yield s


def _connect(server: LiveServer) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", server.port))
    client.settimeout(30)
    return client


def _send_until_closed(client: socket.socket, limit: int) -> int:
    """Send filler until the server closes the connection (or `limit` bytes); bytes sent."""
    sent = 0
    try:
        while sent < limit:
            client.sendall(b"a" * 65536)
            sent += 65536
    except (BrokenPipeError, ConnectionResetError):
        pass
    return sent


def _answer(client: socket.socket) -> tuple[int, dict[str, Any]]:
    """Status and problem body of a response that ends with the connection."""
    data = b""
    while chunk := client.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_huge_header_line_is_refused_unread(server: LiveServer) -> None:
    client = _connect(server)
    try:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        sent = _send_until_closed(client, 100 * 1024 * 1024)
        status, problem = _answer(client)
    finally:
        client.close()
    assert sent < 100 * 1024 * 1024, "the server closed before 100 MiB were sent"
    assert status == 431
    assert problem["type"].endswith("/headers-too-large")
    assert str(MAX_HEADER_BYTES) in str(problem["detail"])
    assert httpx.get(f"{server.url}/healthz").status_code == 200


def test_too_many_header_fields_are_refused(server: LiveServer) -> None:
    client = _connect(server)
    try:
        fields = "".join(f"X-F{i}: v\r\n" for i in range(MAX_HEADERS + 1))
        client.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n{fields}\r\n".encode())
        status, _ = _answer(client)
    finally:
        client.close()
    assert status == 431


@pytest.mark.parametrize("sent", [b"", b"GET /healthz HTTP/1.1\r\nHost: 127.0"])
def test_silent_and_slow_clients_are_answered_408_and_closed(
    server: LiveServer, sent: bytes
) -> None:
    client = _connect(server)
    try:
        client.sendall(sent)
        status, problem = _answer(client)  # the server closes: recv ends, no hang
    finally:
        client.close()
    assert status == 408
    assert problem["type"].endswith("/request-timeout")


def test_a_body_larger_than_the_header_limit_is_fine(server: LiveServer) -> None:
    # ~200 KB of JSON in one request: the header limits do not count the body.
    points = [{"lat": 40.0 + i / 1000, "lon": 45.0, "name": "P" * 250} for i in range(1000)]
    response = httpx.post(
        f"{server.url}/v1/route-checks", json={"waypoints": points, "cruise_fl": 300}, timeout=60
    )
    assert len(response.request.content) > 3 * MAX_HEADER_BYTES
    assert response.status_code in (200, 422), response.text


def test_the_limits_hold_for_every_request_on_a_kept_alive_connection(server: LiveServer) -> None:
    client = _connect(server)
    try:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = client.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        fields = "".join(f"X-F{i}: v\r\n" for i in range(MAX_HEADERS + 1))
        client.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n{fields}\r\n".encode())
        status, _ = _answer(client)
    finally:
        client.close()
    assert status == 431


def test_a_pipelined_request_with_too_many_fields_is_refused(server: LiveServer) -> None:
    client = _connect(server)
    try:
        fields = "".join(f"X-F{i}: v\r\n" for i in range(MAX_HEADERS + 1))
        client.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            + f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n{fields}\r\n".encode()
        )
        data = b""
        while chunk := client.recv(65536):
            data += chunk
    finally:
        client.close()
    # The oversized one is refused and never served (the connection closes with the 431; the
    # first request's answer may or may not have gone out before it).
    assert b"HTTP/1.1 431" in data
    assert data.count(b"HTTP/1.1 200") <= 1
