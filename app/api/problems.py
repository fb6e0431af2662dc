"""RFC 9457 problem documents for every error, from one table of handlers."""

import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.responses import ProblemResponse
from app.core.layers.item_filter import FilterError
from app.request_context import request_id

log = logging.getLogger(__name__)
PROBLEM_BASE = "https://airspace-risk.org/problems/"


@dataclass
class FieldError:
    """One field at fault and why."""

    field: str
    reason: str


@dataclass
class Problem(Exception):
    """An error the service reports to its client as a problem document."""

    status: int
    detail: str
    type_name: str | None = None
    title: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def problem_response(request: Request, problem: Problem) -> ProblemResponse:
    """Render a Problem as application/problem+json."""
    phrase = HTTPStatus(problem.status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem.type_name if problem.type_name else "about:blank",
        "title": problem.title or phrase,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.url.path,
        "request_id": request_id.get(),
    }
    if problem.errors:
        body["field"] = problem.errors[0].field
        body["errors"] = [{"field": e.field, "reason": e.reason} for e in problem.errors]
    body.update(problem.extra)
    return ProblemResponse(body, status_code=problem.status, headers=problem.headers)


def _field_name(location: tuple[int | str, ...] | list[int | str]) -> str:
    """Name a field from a validation location: ('query', 'limit') -> 'limit'."""
    parts = [str(p) for p in location]
    if parts and parts[0] in ("query", "path", "header", "cookie", "body"):
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _on_problem(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, Problem)
    return problem_response(request, error)


async def _on_validation(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, RequestValidationError)
    errors = [FieldError(_field_name(e["loc"]), e["msg"]) for e in error.errors()]
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
    # A bad query or path parameter is a bad request (400); a body that fails its schema, 422.
    in_url = all(e["loc"] and e["loc"][0] in ("query", "path", "header") for e in error.errors())
    if in_url:
        problem = Problem(400, detail, "invalid-parameter", "Invalid parameter", errors)
    else:
        problem = Problem(422, detail, "invalid-request", "Invalid request", errors)
    return problem_response(request, problem)


async def _on_http(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, StarletteHTTPException)
    detail = str(error.detail)
    if error.status_code == 404 and detail == "Not Found":
        detail = f"nothing is served at {request.url.path}"
    elif error.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    headers = dict(error.headers or {})
    field_name = getattr(error, "field", None)
    errors = [FieldError(field_name, detail)] if isinstance(field_name, str) else []
    return problem_response(
        request, Problem(error.status_code, detail, errors=errors, headers=headers)
    )


async def _on_bad_value(request: Request, error: Exception) -> ProblemResponse:
    # The database refused a value a client sent (a number beyond its range, a NUL
    # character): the client's fault, not the service's.
    log.info("database refused a value on %s: %s", request.url.path, type(error.__cause__).__name__)
    reason = "a value the database cannot hold (too large, or a NUL character)"
    problem = Problem(
        400, "a value in the request is out of range or malformed", "invalid-parameter",
        errors=[FieldError("request", reason)],
    )  # fmt: skip
    return problem_response(request, problem)


# SQLSTATE classes: 57014 statement timeout (query_canceled), 55P03 lock_not_available.
TIMED_OUT_STATES = frozenset({"57014", "55P03"})
RETRY_AFTER_BUSY_S = 1
RETRY_AFTER_DOWN_S = 5


def unavailable(detail: str, type_name: str, retry_after_s: int) -> Problem:
    """A 503 that says when to come back."""
    return Problem(503, detail, type_name, headers={"Retry-After": str(retry_after_s)})


def _sqlstate(error: Exception) -> str | None:
    """The PostgreSQL SQLSTATE behind a SQLAlchemy error, if any."""
    return getattr(getattr(error, "orig", None), "sqlstate", None)


async def _on_database_down(request: Request, error: Exception) -> ProblemResponse:
    if _sqlstate(error) in TIMED_OUT_STATES:
        log.warning("database statement timed out on %s", request.url.path)
        detail = "the database took too long to answer; try again shortly"
        return problem_response(
            request, unavailable(detail, "database-timeout", RETRY_AFTER_BUSY_S)
        )
    log.error("database unavailable: %s", type(error).__name__)
    detail = "the database is unavailable; try again shortly"
    return problem_response(
        request, unavailable(detail, "database-unavailable", RETRY_AFTER_DOWN_S)
    )


async def _on_pool_exhausted(request: Request, error: Exception) -> ProblemResponse:
    # Every pooled connection is in use: the service is busy, not broken.
    log.warning("database pool exhausted on %s", request.url.path)
    detail = "the service is busy; try again shortly"
    return problem_response(request, unavailable(detail, "busy", RETRY_AFTER_BUSY_S))


async def _on_integrity(request: Request, error: Exception) -> ProblemResponse:
    # A unique key written by two requests at the same moment: the loser is told, not failed.
    if _sqlstate(error) == "23505":
        problem = Problem(
            409, "another request wrote the same record at the same moment; retry to see it",
            "conflict", errors=[FieldError("id", "written concurrently by another request")],
        )  # fmt: skip
        return problem_response(request, problem)
    log.info("database refused a row on %s: %s", request.url.path, _sqlstate(error))
    problem = Problem(
        422, "the database refused the values (a rule of the layer)", "invalid-feature",
        errors=[FieldError("body", "refused by a database constraint")],
    )  # fmt: skip
    return problem_response(request, problem)


async def _on_bad_filter(request: Request, error: Exception) -> ProblemResponse:
    # A CQL2 filter the translation refused after the early check (the early check in the
    # items endpoint makes this rare).
    problem = Problem(
        400, f"filter: {error}", "invalid-parameter", errors=[FieldError("filter", str(error))]
    )
    return problem_response(request, problem)


async def _on_unexpected(request: Request, error: Exception) -> ProblemResponse:
    # The traceback goes to the log only; the client gets no internals.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    problem = Problem(500, "an internal error occurred; it has been logged", "internal-error")
    return problem_response(request, problem)


def install_problem_handlers(app: FastAPI) -> None:
    """Map every kind of error to a problem document."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(OperationalError, _on_database_down)
    app.add_exception_handler(PoolTimeout, _on_pool_exhausted)
    app.add_exception_handler(IntegrityError, _on_integrity)
    app.add_exception_handler(DataError, _on_bad_value)
    app.add_exception_handler(FilterError, _on_bad_filter)
    app.add_exception_handler(Exception, _on_unexpected)
