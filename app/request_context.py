"""The id of the request being served, for log lines and problem documents (a context variable:
each request's task and the threads it hands work to see their own)."""

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
