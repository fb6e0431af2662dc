"""Researchers file incidents, reviewers verify or reject them; only verified ones are
published and count in route checks."""

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from geoalchemy2 import Geography
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, cast, func, select, text, true
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from app.api.auth import require_role
from app.api.dependencies import EngineDep
from app.api.editing import patch_body
from app.api.problems import FieldError, Problem
from app.api.responses import JsonResponse
from app.api.write_bodies import edit_incident_body, file_incident_body
from app.api.write_support import (
    conflict,
    idempotency_key,
    json_body,
    limit_rate,
    limit_rate_off_loop,
    not_found,
    once,
    read_feature,
    read_feature_off_loop,
)
from app.core.layers.layer_file import Feature
from app.core.layers.vocabulary import Layer
from app.store import feature_writes
from app.store.api_keys import ApiKey
from app.store.tables import incidents

router = APIRouter(prefix="/v1/incidents", tags=["incidents"])
DUPLICATE_DISTANCE_M = 25_000.0
Filer = Annotated[ApiKey, Depends(require_role("researcher", "editor"))]
Reviewer = Annotated[ApiKey, Depends(require_role("reviewer", "editor"))]
Reader = Annotated[ApiKey, Depends(require_role("researcher", "reviewer", "editor", "admin"))]
IncidentId = Annotated[str, Path(max_length=128)]


class Review(BaseModel):
    """A reviewer's decision, with why."""

    model_config = ConfigDict(extra="forbid")
    comment: str = Field(min_length=1, max_length=2_000)


def _prepare(body: Any) -> Any:
    """Fill what a new report may leave out (id, event) and insist it starts pending."""
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return body
    properties = dict(body["properties"])
    status = properties.pop("status", "pending")
    if status != "pending":
        raise Problem(
            422, "a new incident starts pending; reviewers verify it", "invalid-feature",
            errors=[FieldError("status", "must be pending (or left out)")],
        )  # fmt: skip
    properties.setdefault("id", f"incident-{secrets.token_hex(5)}")
    properties.setdefault("event", properties["id"])
    return {**body, "properties": {**properties, "status": "pending"}}


def _duplicates(connection: Connection, feature: Feature, key: ApiKey) -> list[str]:
    """Incidents (not rejected) on the same UTC day within 25 km: likely the same event.

    A researcher is shown published incidents and their own reports, not others' pending ones.
    """
    record = feature.record
    point = func.ST_SetSRID(func.ST_MakePoint(feature.geometry.x, feature.geometry.y), 4326)
    day = text("(occurred_at AT TIME ZONE 'UTC')::date")
    rows = connection.execute(
        select(incidents.c.id)
        .where(
            incidents.c.id != record.id,
            incidents.c.status != "rejected",
            day == func.date(func.timezone("UTC", record.occurred_at)),  # type: ignore[union-attr]
            func.ST_DWithin(
                cast(incidents.c.geom, Geography), cast(point, Geography), DUPLICATE_DISTANCE_M
            ),
            (incidents.c.status == "verified") | (incidents.c.submitted_by == key.id)
            if key.role == "researcher"
            else true(),
        )
        .order_by(incidents.c.id)
    )
    return [row[0] for row in rows]


@router.post(
    "",
    operation_id="fileIncident",
    summary="File an incident (researcher)",
    status_code=201,
    openapi_extra=file_incident_body(),
)
async def file_incident(request: Request, engine: EngineDep, key: Filer) -> JsonResponse:
    """A GeoJSON Feature (Point) with occurred_at, kind, sources and certainty; it starts
    pending. Send an Idempotency-Key to make retries safe."""
    await limit_rate_off_loop(request, key)
    raw = await request.body()
    idempotency = idempotency_key(request)
    feature = await read_feature_off_loop(
        _prepare(await json_body(request)), Layer.INCIDENTS, repair=False
    )

    def create(connection: Connection) -> dict[str, Any]:
        created = feature_writes.create(
            connection, Layer.INCIDENTS, feature, key.id, {}, extra={"submitted_by": key.id}
        )
        return {**created, "possible_duplicates": _duplicates(connection, feature, key)}

    def write() -> tuple[Any, bool]:
        try:
            with engine.begin() as connection:
                return once(connection, key, idempotency, raw, lambda: create(connection))
        except feature_writes.FeatureConflict as error:
            raise conflict(error) from None
        except IntegrityError:
            raise Problem(
                409, "a report with this id or Idempotency-Key is being written; retry", "conflict"
            ) from None

    # Database work off the event loop: a write waiting on a lock must not stall the server.
    answer, replayed = await run_in_threadpool(write)
    if replayed:
        return JsonResponse(answer, status_code=201, headers={"Idempotent-Replayed": "true"})
    base = str(request.base_url).rstrip("/")
    return JsonResponse(
        answer, status_code=201, headers={"Location": f"{base}/v1/incidents/{answer['id']}"}
    )


@router.get("", operation_id="listIncidentReports", summary="Incident reports by status")
def list_reports(
    engine: EngineDep,
    key: Reader,
    status: Annotated[Literal["pending", "verified", "rejected"] | None, Query()] = None,
) -> JsonResponse:
    """Researchers see their own reports; reviewers, editors and admins see all."""
    query = select(incidents.c.id).order_by(incidents.c.id)
    if status is not None:
        query = query.where(incidents.c.status == status)
    if key.role == "researcher":
        query = query.where(incidents.c.submitted_by == key.id)
    with engine.connect() as connection:
        ids = [row[0] for row in connection.execute(query)]
        reports = [feature_writes.snapshot(connection, Layer.INCIDENTS, i) for i in ids]
    return JsonResponse({"incidents": reports})


def _own_pending(connection: Connection, key: ApiKey, incident_id: str) -> dict[str, Any]:
    """The report, locked, if it is pending and (for researchers) the caller's own."""
    current = feature_writes.snapshot(connection, Layer.INCIDENTS, incident_id, lock=True)
    if current is None or (key.role == "researcher" and current["state"]["submitted_by"] != key.id):
        raise Problem(404, f"no incident report {incident_id!r} of yours", "not-found")
    if current["properties"]["status"] != "pending":
        raise Problem(409, "only pending reports can be edited", "conflict")
    return current


@router.patch(
    "/{incident_id}",
    operation_id="editIncidentReport",
    summary="Edit a pending report",
    openapi_extra=edit_incident_body(),
)
async def edit_report(
    incident_id: IncidentId, request: Request, engine: EngineDep, key: Filer
) -> JsonResponse:
    """Researchers edit their own pending reports; body {"properties": …, "geometry": …}."""
    await limit_rate_off_loop(request, key)
    body = patch_body(await json_body(request))
    changes = dict(body.get("properties") or {})
    for fixed in ("id", "status"):
        if fixed in changes:
            raise Problem(
                422,
                f"{fixed} cannot be changed here",
                "invalid-feature",
                errors=[FieldError(fixed, "cannot change")],
            )

    def write() -> dict[str, Any]:
        with engine.begin() as connection:
            current = _own_pending(connection, key, incident_id)
            merged = {
                "type": "Feature",
                "geometry": body.get("geometry") or current["geometry"],
                "properties": {**current["properties"], **changes},
            }
            feature = read_feature(merged, Layer.INCIDENTS, repair=False)
            return feature_writes.update(
                connection, Layer.INCIDENTS, incident_id, feature, key.id, {}
            )

    return JsonResponse(await run_in_threadpool(write))


def _review(
    engine: Any, key: ApiKey, incident_id: str, decision: str, comment: str
) -> dict[str, Any]:
    with engine.begin() as connection:
        # Locked: of two reviews (or a review and an edit) the second sees the first's result.
        current = feature_writes.snapshot(connection, Layer.INCIDENTS, incident_id, lock=True)
        if current is None:
            raise not_found(feature_writes.FeatureMissing(f"no incident {incident_id!r}"))
        if current["properties"]["status"] != "pending":
            raise Problem(
                409, f"the incident is already {current['properties']['status']}", "conflict"
            )
        if current["state"].get("submitted_by") == key.id:
            # Four eyes: whoever filed a report does not also publish it.
            raise Problem(
                403, "a report is reviewed by someone other than who filed it", "forbidden"
            )
        values = {
            "status": decision,
            "reviewed_by": key.id,
            "reviewed_at": func.now(),
            "review_comment": comment,
        }
        return feature_writes.set_state(
            connection, Layer.INCIDENTS, incident_id, key.id, "review", values
        )


@router.post("/{incident_id}/verify", operation_id="verifyIncident", summary="Verify (reviewer)")
def verify(
    incident_id: IncidentId,
    review: Annotated[Review, Body()],
    request: Request,
    engine: EngineDep,
    key: Reviewer,
) -> JsonResponse:
    """Publish the incident: it joins the public layer and route checks."""
    limit_rate(request, key)
    return JsonResponse(_review(engine, key, incident_id, "verified", review.comment))


@router.post("/{incident_id}/reject", operation_id="rejectIncident", summary="Reject (reviewer)")
def reject(
    incident_id: IncidentId,
    review: Annotated[Review, Body()],
    request: Request,
    engine: EngineDep,
    key: Reviewer,
) -> JsonResponse:
    """Keep it out of the public layer, with the reason."""
    limit_rate(request, key)
    return JsonResponse(_review(engine, key, incident_id, "rejected", review.comment))
