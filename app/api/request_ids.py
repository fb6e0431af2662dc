"""Every request gets an id: the caller's X-Request-Id when it is a sane token, else a new one.
It is answered in X-Request-Id, written on every log line and in every problem document."""

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.request_context import request_id

ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Set the request id for the request's context and answer it in a header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        current = given if ACCEPTED.match(given) else uuid.uuid4().hex
        token = request_id.set(current)

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", current.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            request_id.reset(token)
