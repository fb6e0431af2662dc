"""Watched flights: /v1/watches, their alerts, and a live feed of alerts (Server-Sent Events)."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from app.api.auth import require_role
from app.api.dependencies import CheckersDep, EngineDep, RouteCheckGateDep, SettingsDep
from app.api.problems import RETRY_AFTER_BUSY_S, FieldError, Problem, unavailable
from app.api.responses import JsonResponse
from app.core.routes.request import RouteCheckRequest
from app.core.routes.resolve import RouteInputError
from app.core.watches.flights import Notify, WatchDefinition
from app.core.watches.schedule import Schedule
from app.services.route_check_gate import ClientGone, GateFull, RouteCheckGate
from app.services.watches import (
    Checked,
    WatchExists,
    WatchGone,
    definition_of,
    redefine,
    register,
)
from app.store.api_keys import ApiKey
from app.store.watch_alerts import list_alerts, newest_alert_id
from app.store.watches import WatchRow, delete_watch, get_watch, list_watches

router = APIRouter(prefix="/v1", tags=["watches"])
Dispatcher = Annotated[ApiKey, Depends(require_role("dispatcher", "editor", "admin"))]
WatchId = Annotated[str, Path(max_length=128)]
MAX_LIST = 1_000
STREAM_POLL_S = 1.0
STREAM_HEARTBEAT_S = 15.0


class WatchOut(BaseModel):
    """A watch as stored, with its latest results per flight."""

    id: str
    check: dict[str, Any]
    schedule: dict[str, Any]
    notify: Notify
    expires_at: datetime
    expired: bool
    hazards: list[str] = Field(description="Hazards on the route in the latest results.")
    flights: dict[str, Any] = Field(
        description="Per departure (UTC): the latest check's summary and arrival time."
    )
    checked_version: int
    created_at: datetime
    updated_at: datetime
    links: dict[str, str]


class WatchCreated(BaseModel):
    """A new or changed watch, and the full route-check report of each flight."""

    watch: WatchOut
    checks: dict[str, dict[str, Any]] = Field(
        description="Per departure: the report POST /v1/route-checks gives."
    )


class WatchPatch(BaseModel):
    """What a PATCH may change; what is left out stays."""

    check: RouteCheckRequest | None = None
    schedule: Schedule | None = None
    notify: Notify | None = None


class AlertOut(BaseModel):
    """A difference found when a watch was checked again."""

    id: int
    watch_id: str
    created_at: datetime
    data_version: int
    cause: list[dict[str, Any]] = Field(description="The records that changed, with sources.")
    changes: list[dict[str, Any]]
    summary: dict[str, Any] = Field(description="Per departure: the new check's summary.")


class AlertPage(BaseModel):
    """Alerts after an id, oldest first."""

    alerts: list[AlertOut]
    next_after: int | None = Field(description="Pass as ?after= for the next page.")


def _out(row: WatchRow, settings_url: str) -> WatchOut:
    """The answer form of a stored watch."""
    base = f"{settings_url.rstrip('/')}/v1/watches/{row.id}"
    return WatchOut(
        id=row.id, check=row.request, schedule=row.schedule,
        notify=Notify.model_validate({"at_least": row.notify_at_least}),
        expires_at=row.expires_at, expired=row.expires_at <= datetime.now(UTC),
        hazards=row.hazards,
        flights={k: {"summary": v["summary"], "arrival": v["arrival"]}
                 for k, v in row.last_results.items()},
        checked_version=row.checked_version, created_at=row.created_at,
        updated_at=row.updated_at, links={"self": base, "alerts": f"{base}/alerts"},
    )  # fmt: skip


def _owned(row: WatchRow | None, watch_id: str) -> WatchRow:
    """The caller's watch of this id (ids are each key's own: another key's watches are
    neither seen nor named); 404 when it has none."""
    if row is None:
        raise Problem(404, f"no watch {watch_id!r}", "not-found")
    return row


def _route_problem(error: RouteInputError) -> Problem:
    """A flight that cannot be checked, naming the field."""
    errors = [
        FieldError(field if field == "schedule" else f"check.{field}", reason)
        for field, reason in error.errors
    ]
    return Problem(422, str(error), "invalid-route", "Invalid route", errors)


def _invalid_patch(error: ValidationError) -> Problem:
    """A patch whose result is not a valid watch, naming each field."""
    errors = [
        FieldError(".".join(str(part) for part in e["loc"]) or "body", e["msg"])
        for e in error.errors()
    ]
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
    return Problem(422, detail, "invalid-watch", "Invalid watch", errors)


async def _on_check_thread(
    gate: RouteCheckGate, work: Callable[[], tuple[WatchRow, Checked]], request: Request
) -> tuple[WatchRow, Checked]:
    """Run a watch's checks through the route-check gate; its refusals and a route that
    cannot be checked as problems (the caller maps its own errors)."""
    try:
        return await gate.run(work, request.is_disconnected)
    except RouteInputError as error:
        raise _route_problem(error) from None
    except GateFull:
        raise unavailable(
            "too many checks are waiting; try again shortly", "busy", RETRY_AFTER_BUSY_S
        ) from None
    except ClientGone:
        raise Problem(
            503, "the client disconnected before the check started", "client-gone"
        ) from None


def _created(row: WatchRow, checked: Checked, settings_url: str) -> dict[str, Any]:
    """A watch and its flights' reports."""
    return WatchCreated(watch=_out(row, settings_url), checks=checked.reports).model_dump(
        mode="json"
    )


@router.post(
    "/watches", operation_id="createWatch", status_code=201, response_model=WatchCreated,
    summary="Watch a flight: checked now, and again whenever the data or the clock change it",
    responses={409: {"description": "A watch with that id exists"},
               422: {"description": "The flight cannot be checked; the problem names the field"}},
)  # fmt: skip
async def create_watch(
    body: Annotated[WatchDefinition, Body()],
    request: Request,
    key: Dispatcher,
    engine: EngineDep,
    checkers: CheckersDep,
    gate: RouteCheckGateDep,
    settings: SettingsDep,
) -> Response:
    """Register a watch; the answer holds the first check of each flight."""

    def work() -> tuple[WatchRow, Checked]:
        return register(engine, checkers, key.id, body, datetime.now(UTC))

    try:
        row, checked = await _on_check_thread(gate, work, request)
    except WatchExists:
        raise Problem(
            409,
            f"a watch {body.id!r} exists already",
            "conflict",
            errors=[FieldError("id", "taken")],
        ) from None
    request.app.state.watch_rechecker.nudge()
    link = f"{settings.public_url.rstrip('/')}/v1/watches/{row.id}"
    return JsonResponse(_created(row, checked, settings.public_url), status_code=201,
                        headers={"Location": link})  # fmt: skip


@router.get("/watches", operation_id="listWatches", response_model=list[WatchOut],
            summary="Your watches, newest first")  # fmt: skip
async def watches(
    key: Dispatcher,
    engine: EngineDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
) -> JsonResponse:
    """List watches."""

    def read() -> list[WatchRow]:
        with engine.connect() as connection:
            return list_watches(connection, key.id, limit)

    rows = await run_in_threadpool(read)
    return JsonResponse([_out(r, settings.public_url).model_dump(mode="json") for r in rows])


@router.get("/watches/{watch_id}", operation_id="getWatch", response_model=WatchOut,
            summary="One watch and its latest results")  # fmt: skip
async def watch(
    watch_id: WatchId, key: Dispatcher, engine: EngineDep, settings: SettingsDep
) -> JsonResponse:
    """One watch."""

    def read() -> WatchRow | None:
        with engine.connect() as connection:
            return get_watch(connection, key.id, watch_id)

    row = _owned(await run_in_threadpool(read), watch_id)
    return JsonResponse(_out(row, settings.public_url).model_dump(mode="json"))


@router.patch(
    "/watches/{watch_id}", operation_id="updateWatch", response_model=WatchCreated,
    summary="Change a watch's flight, schedule or threshold; checked again at once",
)  # fmt: skip
async def update_watch(
    watch_id: WatchId,
    body: Annotated[WatchPatch, Body()],
    request: Request,
    key: Dispatcher,
    engine: EngineDep,
    checkers: CheckersDep,
    gate: RouteCheckGateDep,
    settings: SettingsDep,
) -> JsonResponse:
    """Patch a watch: its results are replaced by a check of the new definition."""

    def work() -> tuple[WatchRow, Checked]:
        with engine.connect() as connection:
            existing = _owned(get_watch(connection, key.id, watch_id), watch_id)
        current = definition_of(existing)
        merged = {
            "id": existing.id,
            "check": (body.check or current.check).model_dump(exclude_none=True),
            "schedule": (body.schedule or current.schedule).model_dump(
                by_alias=True, exclude_none=True
            ),
            "notify": (body.notify or current.notify).model_dump(),
        }
        definition = WatchDefinition.model_validate(merged)
        return redefine(engine, checkers, existing, definition, datetime.now(UTC))

    try:
        row, checked = await _on_check_thread(gate, work, request)
    except ValidationError as error:
        raise _invalid_patch(error) from None
    except WatchGone:
        raise Problem(404, f"no watch {watch_id!r}", "not-found") from None
    request.app.state.watch_rechecker.nudge()
    return JsonResponse(_created(row, checked, settings.public_url))


@router.delete("/watches/{watch_id}", operation_id="deleteWatch", status_code=204,
               summary="Stop watching a flight (its alerts go with it)")  # fmt: skip
async def remove_watch(watch_id: WatchId, key: Dispatcher, engine: EngineDep) -> Response:
    """Delete a watch."""

    def remove() -> None:
        with engine.begin() as connection:
            _owned(get_watch(connection, key.id, watch_id, lock=True), watch_id)
            delete_watch(connection, key.id, watch_id)

    await run_in_threadpool(remove)
    return Response(status_code=204)


@router.get("/watches/{watch_id}/alerts", operation_id="watchAlerts", response_model=AlertPage,
            summary="A watch's alerts, oldest first")  # fmt: skip
async def watch_alerts(
    watch_id: WatchId,
    key: Dispatcher,
    engine: EngineDep,
    after: Annotated[int, Query(ge=0, description="Only alerts with a greater id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
) -> JsonResponse:
    """Alerts of one watch."""

    def read() -> list[dict[str, Any]]:
        with engine.connect() as connection:
            _owned(get_watch(connection, key.id, watch_id), watch_id)
            return list_alerts(connection, watch_id, key.id, after, limit)

    rows = await run_in_threadpool(read)
    alerts = [AlertOut.model_validate(r) for r in rows]
    page = AlertPage(alerts=alerts, next_after=alerts[-1].id if len(alerts) == limit else None)
    return JsonResponse(page.model_dump(mode="json"))


@router.get(
    "/alerts/stream", operation_id="alertStream",
    summary="Alerts of your watches as they happen (Server-Sent Events; resumes after "
    "Last-Event-ID)",
    responses={200: {"content": {"text/event-stream": {}}}},
)  # fmt: skip
async def alert_stream(
    request: Request,
    key: Dispatcher,
    engine: EngineDep,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
) -> StreamingResponse:
    """Each alert as an `alert` event whose id is the alert's; a comment every 15 s keeps the
    connection open through proxies."""
    owner = key.id

    def latest_id() -> int:
        with engine.connect() as connection:
            return newest_alert_id(connection)

    def read(after: int) -> list[dict[str, Any]]:
        with engine.connect() as connection:
            return list_alerts(connection, None, owner, after, 100)

    start = last_event_id if last_event_id is not None else await run_in_threadpool(latest_id)

    async def events() -> AsyncIterator[bytes]:
        after = start
        quiet_s = 0.0
        yield b"retry: 2000\n\n"
        while not await request.is_disconnected():
            rows = await run_in_threadpool(read, after)
            for row in rows:
                alert = AlertOut.model_validate(row).model_dump(mode="json")
                after = alert["id"]
                yield b"event: alert\nid: %d\ndata: %s\n\n" % (after, orjson.dumps(alert))
            if rows:
                quiet_s = 0.0
                continue
            await asyncio.sleep(STREAM_POLL_S)
            quiet_s += STREAM_POLL_S
            if quiet_s >= STREAM_HEARTBEAT_S:
                quiet_s = 0.0
                yield b": still here\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
