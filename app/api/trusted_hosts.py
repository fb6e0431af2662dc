"""Only answer to the host names this service is known by: absolute links and Location headers
are built from Host, so a forged Host must not reach them (a 400 problem naming it)."""

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.problems import PROBLEM_BASE


def host_name(header: str) -> str:
    """The name in a Host header, without the port ("[::1]:8000" → "[::1]")."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[: header.find("]") + 1] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def allowed(name: str, patterns: list[str]) -> bool:
    """Whether a host name matches the configured names ('*', or '*.example.org')."""
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern == "*" or name == pattern:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


class TrustedHostsMiddleware:
    """Refuse requests whose Host is not one of the configured names."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        name = host_name(headers.get(b"host", b"").decode("latin-1"))
        if allowed(name, self.allowed_hosts):
            await self.app(scope, receive, send)
            return
        body = orjson.dumps(
            {
                "type": PROBLEM_BASE + "unknown-host",
                "title": "Bad Request",
                "status": 400,
                "detail": f"this service does not answer to the host {name!r}",
                "instance": scope.get("path", ""),
                "field": "Host",
                "errors": [{"field": "Host", "reason": "not one of the configured host names"}],
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
