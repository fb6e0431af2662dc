"""Editors keep conflict zones and engagement areas current: create, patch, retire (never
erase), and anyone may read a feature's history."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import func
from starlette.concurrency import run_in_threadpool

from app.api.auth import require_role
from app.api.dependencies import EngineDep
from app.api.problems import FieldError, Problem
from app.api.responses import JsonResponse
from app.api.write_bodies import change_feature_body, create_feature_body
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
    refused,
)
from app.core.layers.layer_file import LayerFileError
from app.core.layers.vocabulary import Layer
from app.store import feature_writes
from app.store.api_keys import ApiKey
from app.store.layer_writer import read_catalogue

PATHS = {"conflict-zones": Layer.CONFLICT_ZONES, "engagement-areas": Layer.ENGAGEMENT_AREAS}
READABLE_PATHS = {**PATHS, "incidents": Layer.INCIDENTS}  # a feature's history


async def known_layer(request: Request) -> None:
    """404 for a path under /v1/{layer} that names no layer, before any key is asked for: an
    unknown path is not found, whoever asks."""
    layer = request.path_params.get("layer")
    if layer is not None and layer not in READABLE_PATHS:
        raise Problem(
            404, f"nothing is served at {request.url.path}", "not-found",
            errors=[FieldError("layer", f"unknown layer {layer!r}")],
        )  # fmt: skip


router = APIRouter(prefix="/v1", tags=["editing"], dependencies=[Depends(known_layer)])
LayerPath = Annotated[str, Path(pattern="^(conflict-zones|engagement-areas)$")]
FeatureId = Annotated[str, Path(max_length=128)]
Repair = Annotated[bool, Query(description="Repair an invalid polygon instead of refusing it.")]
Editor = Annotated[ApiKey, Depends(require_role("editor"))]


def patch_body(body: Any) -> dict[str, Any]:
    """A patch: an object with a 'properties' object and/or a 'geometry' object."""
    problem = None
    if not isinstance(body, dict) or set(body) - {"properties", "geometry"}:
        problem = FieldError("body", "only 'properties' and 'geometry' may be patched")
    elif not isinstance(body.get("properties", {}), dict):
        problem = FieldError("properties", "must be an object of the properties to change")
    elif body.get("geometry") is not None and not isinstance(body["geometry"], dict):
        problem = FieldError("geometry", "must be a GeoJSON geometry object")
    if problem is not None:
        raise Problem(
            422, f"{problem.field}: {problem.reason}", "invalid-request", errors=[problem]
        )
    checked: dict[str, Any] = body
    return checked


def _created(feature: dict[str, Any], request: Request, path: str) -> JsonResponse:
    location = f"{str(request.base_url).rstrip('/')}/v1/{path}/{feature['id']}"
    return JsonResponse(feature, status_code=201, headers={"Location": location})


@router.post(
    "/{layer}",
    operation_id="createFeature",
    summary="Create a conflict zone or engagement area (editor)",
    status_code=201,
    openapi_extra=create_feature_body(),
)
async def create_feature(
    layer: LayerPath, request: Request, engine: EngineDep, key: Editor, repair: Repair = False
) -> Response:
    """A GeoJSON Feature: a (Multi)Polygon zone, or an engagement area's site (Point) with a
    system from the catalogue (range and ceiling filled in, circle computed geodesically)."""
    await limit_rate_off_loop(request, key)
    chosen = PATHS[layer]
    raw = await request.body()
    idempotency = idempotency_key(request)
    feature = await read_feature_off_loop(await json_body(request), chosen, repair)

    def write() -> tuple[Any, bool]:
        try:
            with engine.begin() as connection:
                return once(
                    connection, key, idempotency, raw,
                    lambda: feature_writes.create(
                        connection, chosen, feature, key.id, read_catalogue(connection)
                    ),
                )  # fmt: skip
        except feature_writes.FeatureConflict as error:
            raise conflict(error) from None
        except LayerFileError as error:
            raise refused(error) from None

    # Database work off the event loop: a write waiting on a lock must not stall the server.
    answer, replayed = await run_in_threadpool(write)
    if replayed:
        return JsonResponse(answer, status_code=201, headers={"Idempotent-Replayed": "true"})
    return _created(answer, request, layer)


@router.patch(
    "/{layer}/{feature_id}",
    operation_id="patchFeature",
    summary="Change some properties or the geometry of a feature (editor)",
    openapi_extra=change_feature_body(),
)
async def patch_feature(
    layer: LayerPath,
    feature_id: FeatureId,
    request: Request,
    engine: EngineDep,
    key: Editor,
    repair: Repair = False,
) -> JsonResponse:
    """Body: {"properties": {...changed...}, "geometry": {...}?}; the result is checked whole."""
    await limit_rate_off_loop(request, key)
    chosen = PATHS[layer]
    body = patch_body(await json_body(request))
    changes = body.get("properties") or {}
    if "id" in changes and changes["id"] != feature_id:
        raise Problem(
            422,
            "the id cannot change",
            "invalid-feature",
            errors=[FieldError("id", "cannot change")],
        )

    def write() -> dict[str, Any]:
        try:
            with engine.begin() as connection:
                current = feature_writes.snapshot(connection, chosen, feature_id, lock=True)
                if current is None or current["state"].get("retired_at"):
                    raise feature_writes.FeatureMissing(f"no current {chosen.value} {feature_id!r}")
                merged = {
                    "type": "Feature",
                    "geometry": body.get("geometry") or current["geometry"],
                    "properties": {**current["properties"], **changes},
                }
                feature = read_feature(merged, chosen, repair)
                return feature_writes.update(
                    connection, chosen, feature_id, feature, key.id, read_catalogue(connection)
                )
        except feature_writes.FeatureMissing as error:
            raise not_found(error) from None
        except LayerFileError as error:
            raise refused(error) from None

    return JsonResponse(await run_in_threadpool(write))


@router.delete(
    "/{layer}/{feature_id}",
    operation_id="retireFeature",
    summary="Retire a feature: it leaves the current layer but stays in its history (editor)",
)
def retire_feature(
    layer: LayerPath, feature_id: FeatureId, request: Request, engine: EngineDep, key: Editor
) -> JsonResponse:
    """Never an erase: the row stays, marked retired, and a version records it."""
    limit_rate(request, key)
    chosen = PATHS[layer]
    try:
        with engine.begin() as connection:
            retired = feature_writes.set_state(
                connection, chosen, feature_id, key.id, "retire", {"retired_at": func.now()}
            )
    except feature_writes.FeatureMissing as error:
        raise not_found(error) from None
    return JsonResponse(retired)


@router.get(
    "/{layer}/{feature_id}/history",
    operation_id="featureHistory",
    summary="Every version of a feature, retired ones included",
)
def feature_history(layer: str, feature_id: FeatureId, engine: EngineDep) -> JsonResponse:
    """Oldest first; each version is the whole feature after that change."""
    chosen = READABLE_PATHS[layer]  # an unknown layer was a 404 already (known_layer)
    with engine.connect() as connection:
        versions = feature_writes.history(connection, chosen, feature_id)
    # Unpublished reports stay with their researcher and the reviewers.
    unpublished = versions and versions[-1]["feature"]["properties"].get("status") != "verified"
    if chosen is Layer.INCIDENTS and unpublished:
        versions = []
    if not versions:
        raise Problem(
            404,
            f"no {chosen.value} {feature_id!r}",
            "not-found",
            errors=[FieldError("feature_id", "unknown")],
        )
    return JsonResponse({"layer": chosen.value, "id": feature_id, "versions": versions})
