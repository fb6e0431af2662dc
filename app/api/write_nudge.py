"""After a write is answered, wake this process's watch re-checker: watches hear of a change
at once instead of at the next interval (other processes and hosts find it by polling)."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class WriteNudgeMiddleware:
    """Nudge `app.state.watch_rechecker` after a successful write under /v1/."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") not in WRITES
            or not scope.get("path", "").startswith("/v1/")
        ):
            await self.app(scope, receive, send)
            return
        succeeded = False

        async def watching(message: Message) -> None:
            nonlocal succeeded
            if message["type"] == "http.response.start":
                succeeded = message["status"] < 400
            await send(message)

        await self.app(scope, receive, watching)
        rechecker = getattr(scope["app"].state, "watch_rechecker", None)
        if succeeded and rechecker is not None:
            rechecker.nudge()
