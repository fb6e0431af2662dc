"""A cap on request body size, enforced while the body streams in (ASGI middleware)."""

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import FieldError, Problem, problem_response
from app.api.responses import ProblemResponse


class BodyTooLarge(HTTPException):
    """The body passed the configured limit (an HTTPException, so routers pass it through)."""

    field = "body"

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body exceeds the limit of {max_bytes} bytes")


class BodyLimitMiddleware:
    """Answer 413 with a problem document when a body exceeds max_bytes."""

    def __init__(self, app: ASGIApp, max_bytes: int, uploads: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Paths that take files (POST only), with their own, larger limits.
        self.uploads = uploads or {}

    def _limit(self, scope: Scope) -> int:
        """The limit for this request."""
        if scope.get("method") == "POST":
            return self.uploads.get(scope.get("path", ""), self.max_bytes)
        return self.max_bytes

    def _refusal(self, scope: Scope, limit: int) -> ProblemResponse:
        problem = Problem(
            413, f"the request body exceeds the limit of {limit} bytes",
            "body-too-large", "Request body too large",
            errors=[FieldError("body", "too large")], extra={"limit_bytes": limit},
        )  # fmt: skip
        return problem_response(Request(scope), problem)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._refusal(scope, limit)(scope, receive, send)
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refusal(scope, limit)(scope, receive, send)
