"""POST /v1/route-checks and /v1/route-checks/batch: thin over core/risk/run.py."""

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Engine

from app.api.dependencies import CheckersDep, EngineDep, RouteCheckGateDep
from app.api.openapi_doc import schema_ref
from app.api.problems import RETRY_AFTER_BUSY_S, FieldError, Problem, unavailable
from app.api.responses import (
    JsonResponse,
    PiecesResponse,
    encode_json,
    encode_json_in_pieces,
)
from app.api.route_check_answer import BatchLine, RouteCheckAnswer, RouteCheckFeatureCollection
from app.core.risk.check import RouteChecker
from app.core.risk.report import ReportParts, segment_feature
from app.core.risk.run import run_route_check_parts
from app.core.routes.request import RouteCheckRequest
from app.core.routes.resolve import RouteInputError
from app.services.checkers import CheckerService
from app.services.navdata import navdata_lookup
from app.services.route_check_gate import ClientGone, GateFull, RouteCheckGate

router = APIRouter(prefix="/v1", tags=["route checks"])
log = logging.getLogger(__name__)
GEOJSON = "application/geo+json"
NDJSON = "application/x-ndjson"
MAX_BATCH_ROUTES = 10_000


class BatchRequest(BaseModel):
    """Many route checks at once (a day's schedule)."""

    routes: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH_ROUTES)


def _checker(
    engine: Engine, source: CheckerService, as_of: datetime | None = None
) -> tuple[int, RouteChecker]:
    """The checker for the layers as they are now, or as they were known at as_of."""
    return source.checker_for(engine, as_of)


def _invalid(error: RouteInputError) -> Problem:
    """A route the service cannot use, as a 422 naming the field."""
    errors = [FieldError(field, reason) for field, reason in error.errors]
    return Problem(422, str(error), "invalid-route", "Invalid route", errors)


def _wants_geojson(request: Request, f: str | None) -> bool:
    """?f=geojson, or an Accept header that prefers GeoJSON."""
    if f is not None:
        return f == "geojson"
    return GEOJSON in request.headers.get("accept", "")


def encoded_answer(parts: ReportParts, geojson: bool) -> list[bytes]:
    """The answer, or with GeoJSON the segments as features and the rest as members of the
    collection, encoded in chunks as the segments are built."""
    if geojson:
        features = map(segment_feature, parts.segments or ())
        rest = {**parts.lead, **parts.head}
        return encode_json_in_pieces({"type": "FeatureCollection"}, "features", features, rest)
    return encode_json_in_pieces(parts.lead, "segments", parts.segments, parts.head)


@router.post(
    "/route-checks",
    operation_id="checkRoute",
    summary="Risk-scored segments of one route, in 3D and in time",
    responses={
        200: {
            "description": "The segments, incidents nearby, summary and the route as resolved",
            "content": {
                "application/json": {"schema": schema_ref(RouteCheckAnswer)},
                GEOJSON: {"schema": schema_ref(RouteCheckFeatureCollection)},
            },
        },
        422: {"description": "The route cannot be checked; the problem names the field"},
    },
)
async def check_route(
    body: Annotated[RouteCheckRequest, Body()],
    request: Request,
    engine: EngineDep,
    source: CheckersDep,
    gate: RouteCheckGateDep,
    f: Annotated[
        Literal["json", "geojson"] | None,
        Query(description="Output format; GeoJSON also with Accept: application/geo+json."),
    ] = None,
) -> Response:
    """Check one route against the layers (on a check thread, when its turn comes)."""
    geojson = _wants_geojson(request, f)

    def work() -> list[bytes]:
        version, checker = _checker(engine, source, body.as_of)
        parts = run_route_check_parts(
            body, checker, version, geometry=geojson, navdata=navdata_lookup(engine)
        )
        # Encoded here, on the check thread: a large answer takes milliseconds to encode, and
        # on the event loop that would hold up every other request.
        return encoded_answer(parts, geojson)

    try:
        encoded = await gate.run(work, request.is_disconnected)
    except RouteInputError as error:
        raise _invalid(error) from None
    except GateFull:
        raise _busy() from None
    except ClientGone:
        raise _gone() from None
    return PiecesResponse(encoded, media_type=GEOJSON if geojson else JsonResponse.media_type)


def _busy() -> Problem:
    """Too many checks waiting: come back in a second."""
    return unavailable(
        "too many route checks are waiting; try again shortly", "busy", RETRY_AFTER_BUSY_S
    )


def _gone() -> Problem:
    """The client left before its check's turn: nothing was computed (nobody reads this)."""
    return Problem(503, "the client disconnected before the check started", "client-gone")


async def _batch_lines(
    routes: list[dict[str, Any]],
    engine: Engine,
    source: CheckerService,
    detail: str,
    gate: RouteCheckGate,
    request: Request,
    current: tuple[int, RouteChecker],
) -> AsyncIterator[bytes]:
    """One JSON line per route, in order; a route's error is its line's `error`."""
    for index, raw in enumerate(routes):
        line: dict[str, Any] = {"index": index}
        if isinstance(raw.get("id"), str):
            line["id"] = raw["id"]
        try:
            parsed = RouteCheckRequest.model_validate(raw)

            def work(parsed: RouteCheckRequest = parsed) -> list[bytes]:
                version, checker = (
                    current if parsed.as_of is None else _checker(engine, source, parsed.as_of)
                )
                parts = run_route_check_parts(
                    parsed, checker, version, detail=detail, navdata=navdata_lookup(engine)
                )
                # Encoded on the check thread, as a single check's answer is.
                return encoded_answer(parts, geojson=False)

            # Route by route, so that single checks take turns with a long batch.
            result = await gate.run(work, request.is_disconnected, admitted=True)
            yield encode_json(line)[:-1] + b',"result":'
            for chunk in result:
                yield chunk
            yield b"}\n"
            continue
        except ClientGone:
            return
        except ValidationError as error:
            errors = [
                {"field": ".".join(str(p) for p in e["loc"]) or "body", "reason": e["msg"]}
                for e in error.errors()
            ]
            line["error"] = _problem_line(errors)
        except RouteInputError as error:
            line["error"] = _problem_line([{"field": f, "reason": r} for f, r in error.errors])
        except Exception:
            # One route must not end the stream for all the others.
            log.exception("route %d of a batch failed", index)
            line["error"] = {
                "type": "https://airspace-risk.org/problems/internal-error",
                "title": "Internal Server Error",
                "status": 500,
                "detail": "this route could not be checked; the error has been logged",
            }
        yield encode_json(line) + b"\n"


def _problem_line(errors: list[dict[str, str]]) -> dict[str, Any]:
    """A problem document for one route of a batch."""
    return {
        "type": "https://airspace-risk.org/problems/invalid-route",
        "title": "Invalid route",
        "status": 422,
        "detail": "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5]),
        "field": errors[0]["field"],
        "errors": errors,
    }


@router.post(
    "/route-checks/batch",
    operation_id="checkRoutes",
    summary="Many route checks, streamed as NDJSON, one line per route in order",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "One JSON object per line (NDJSON), each of this schema",
            "content": {NDJSON: {"schema": schema_ref(BatchLine)}},
        }
    },
)
async def check_routes(
    body: Annotated[BatchRequest, Body()],
    request: Request,
    engine: EngineDep,
    source: CheckersDep,
    gate: RouteCheckGateDep,
    detail: Annotated[
        Literal["full", "summary"],
        Query(
            description="full: every segment, as POST /v1/route-checks answers; summary: the "
            "summary, the worst segment with its hazards (`worst_segment`), incidents nearby."
        ),
    ] = "full",
) -> StreamingResponse:
    """Check up to 10,000 routes; each line holds `result` or an `error` problem document.

    The current checker is had before the 200 is sent: a database outage is a 503, never a
    stream cut short."""
    try:
        current = await gate.run(lambda: _checker(engine, source), request.is_disconnected)
    except GateFull:
        raise _busy() from None
    except ClientGone:
        raise _gone() from None
    return StreamingResponse(
        _batch_lines(body.routes, engine, source, detail, gate, request, current),
        media_type=NDJSON,
    )
