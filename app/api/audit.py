"""GET /v1/audit: every write, append-only, for admins."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from app.api.auth import require_role
from app.api.dependencies import EngineDep
from app.api.responses import JsonResponse
from app.store.api_keys import ApiKey
from app.store.tables import audit_log

router = APIRouter(prefix="/v1", tags=["audit"])
Admin = Annotated[ApiKey, Depends(require_role("admin"))]


@router.get("/audit", operation_id="audit", summary="The audit log, newest first (admin)")
def audit(
    engine: EngineDep,
    key: Admin,
    key_id: Annotated[int | None, Query(description="Writes made with this key.")] = None,
    action: Annotated[str | None, Query(description="e.g. conflict_zones.retire")] = None,
    layer: Annotated[str | None, Query()] = None,
    feature_id: Annotated[str | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="RFC 3339 with zone.")] = None,
    until: Annotated[datetime | None, Query(description="RFC 3339 with zone.")] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> JsonResponse:
    """Which key (its id, never the secret), when, what, and the feature before and after."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    for column, value in (
        (audit_log.c.key_id, key_id),
        (audit_log.c.action, action),
        (audit_log.c.layer, layer),
        (audit_log.c.feature_id, feature_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if until is not None:
        query = query.where(audit_log.c.at <= until)
    with engine.connect() as connection:
        # Keys as plain str: SQLAlchemy hands back quoted_name, which orjson refuses.
        rows = [{str(k): v for k, v in row.items()} for row in connection.execute(query).mappings()]
    return JsonResponse({"entries": rows})
