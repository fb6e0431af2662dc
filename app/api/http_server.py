"""The HTTP server as it runs in production and in the tests: uvicorn with httptools, plus what
a client may not do before its request is whole.

- At most MAX_HEADER_BYTES of request line and headers, and MAX_HEADERS header fields: beyond,
  a 431 problem and the connection closed, counted as the bytes arrive, before the parser
  sees them (a 100 MiB header line is refused after its first 64 KiB, not buffered).
- The request line and headers must arrive within AIRSPACE_RISK_HEADER_TIMEOUT_S (10 s) of the
  connection opening or of the request's first byte: a slowloris client, or one that connects
  and says nothing, is answered 408 and closed.
- Idle keep-alive connections close after uvicorn's `timeout_keep_alive`.

This subclasses uvicorn's HttpToolsProtocol (its parser callbacks); tests/test_http_limits.py
pins the behaviour against the installed uvicorn.
"""

import asyncio
from typing import Any

import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.api.problems import PROBLEM_BASE
from app.settings import Settings, get_settings

MAX_HEADER_BYTES = 64 * 1024
MAX_HEADERS = 100
KEEP_ALIVE_S = 5


def _raw_problem(status: int, phrase: str, type_name: str, detail: str) -> bytes:
    """A whole HTTP/1.1 response carrying a problem document, closing the connection."""
    body = orjson.dumps(
        {"type": PROBLEM_BASE + type_name, "title": phrase, "status": status, "detail": detail}
    )
    head = (
        f"HTTP/1.1 {status} {phrase}\r\ncontent-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with limits on what precedes the body."""

    header_timeout_s = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_headers = False
        self._header_bytes = 0
        self._header_lines = 0
        self._header_fields = 0
        self._tail = b""
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """A new connection must send its first request line within the header timeout."""
        super().connection_made(transport)
        self._start_headers()

    def _start_headers(self) -> None:
        """A request's head begins: count its bytes and time it."""
        self._start_counting()
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _start_counting(self) -> None:
        """Count the next head from zero (the bytes that arrive next belong to it)."""
        self._in_headers = True
        self._header_bytes = 0
        self._header_lines = 0
        self._header_fields = 0
        self._tail = b""

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def on_message_begin(self) -> None:
        """The next request on a kept-alive connection starts its own clock."""
        super().on_message_begin()
        self._header_fields = 0
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count the fields as the parser finds them too (a head in the same chunk as the end of
        the request before it was not counted on arrival)."""
        self._header_fields += 1
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """The head is whole: the limits end here (the body has its own); a head with too many
        fields is refused, not served."""
        self._in_headers = False
        self._cancel_header_timer()
        if self._header_fields > MAX_HEADERS:
            self._refuse(
                431, "Request Header Fields Too Large", "headers-too-large",
                f"a request may carry at most {MAX_HEADERS} header fields",
            )  # fmt: skip
            return
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """A request is whole: whatever arrives next is the next one's head, counted from zero
        (its deadline starts with its first byte, in on_message_begin)."""
        if self.transport.is_closing():  # refused above: nothing was dispatched
            return
        super().on_message_complete()
        self._start_counting()

    def on_body(self, body: bytes) -> None:
        """The body of a refused request goes nowhere."""
        if not self.transport.is_closing():
            super().on_body(body)

    def data_received(self, data: bytes) -> None:
        """Count the head's bytes and lines before the parser buffers them; refuse past the
        limits. Only the part before the blank line ending the head counts (the body does not),
        found across chunk boundaries."""
        if self._in_headers and not self._head_within_limits(data):
            self._refuse(
                431, "Request Header Fields Too Large", "headers-too-large",
                f"the request line and headers may be at most {MAX_HEADER_BYTES} bytes and "
                f"{MAX_HEADERS} fields",
            )  # fmt: skip
            return
        super().data_received(data)

    def _head_within_limits(self, data: bytes) -> bool:
        """Add this chunk's share of the head to the counts; whether they are within limits."""
        seen = self._tail + data
        end = seen.find(b"\r\n\r\n")
        head = seen[len(self._tail) :] if end < 0 else seen[len(self._tail) : max(end, 0)]
        self._header_bytes += len(head)
        self._header_lines += (seen if end < 0 else seen[:end]).count(b"\r\n") - self._tail.count(
            b"\r\n"
        )
        self._tail = seen[-3:]
        # The request line is one line more than the header fields.
        return self._header_bytes <= MAX_HEADER_BYTES and self._header_lines <= MAX_HEADERS + 1

    def _headers_too_slow(self) -> None:
        """The head did not arrive in time."""
        self._header_timer = None
        if self._in_headers and not self.transport.is_closing():
            self._refuse(
                408, "Request Timeout", "request-timeout",
                f"the request line and headers must arrive within {self.header_timeout_s:g} s",
            )  # fmt: skip

    def _refuse(self, status: int, phrase: str, type_name: str, detail: str) -> None:
        """Answer with a problem and close."""
        self._in_headers = False
        self._cancel_header_timer()
        self.transport.write(_raw_problem(status, phrase, type_name, detail))
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        """No timer outlives its connection."""
        self._cancel_header_timer()
        super().connection_lost(exc)


class EnvironmentHttpProtocol(LimitedHttpToolsProtocol):
    """The protocol for worker processes, which import it by name: its header deadline comes
    from the environment's settings (AIRSPACE_RISK_HEADER_TIMEOUT_S)."""

    header_timeout_s = get_settings().header_timeout_s


def server_config(
    app: Any, settings: Settings, host: str, port: int, workers: int = 1, **extra: Any
) -> uvicorn.Config:
    """The uvicorn configuration the service runs with (the tests run the same). With several
    workers each is a process of its own (uvicorn's supervisor), importing the app by name."""
    protocol: Any = (
        type(
            "ConfiguredHttpProtocol",
            (LimitedHttpToolsProtocol,),
            {"header_timeout_s": settings.header_timeout_s},
        )
        if workers == 1
        else "app.api.http_server:EnvironmentHttpProtocol"
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "http": protocol,
        "timeout_keep_alive": KEEP_ALIVE_S,
        # Beyond this many requests and connections at once, uvicorn answers 503 at once.
        "limit_concurrency": settings.max_concurrent_requests,
        "log_level": settings.log_level,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }
    return uvicorn.Config(app, **{**options, **extra})
