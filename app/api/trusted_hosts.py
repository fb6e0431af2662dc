"""Only answer to the host names this service is known by: absolute links and Location headers
are built from Host, so a forged Host must not reach them (a 400 problem naming it)."""

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.problems import FieldError, Problem, problem_response


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
        problem = Problem(
            400, f"this service does not answer to the host {name!r}", "unknown-host",
            errors=[FieldError("Host", "not one of the configured host names")],
        )  # fmt: skip
        await problem_response(Request(scope), problem)(scope, receive, send)
