"""What every OGC endpoint shares: the collection path parameter, the base URL, conditional
GETs on the data version."""

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection, select

from app.api.features.responses import not_modified
from app.api.problems import FieldError, Problem
from app.core.layers.collections import COLLECTIONS, Collection
from app.store.tables import dataset_state

CollectionId = Annotated[
    str, Path(alias="collectionId", description="conflict_zones, engagement_areas or incidents")
]


async def json_only(
    f: Annotated[
        Literal["json"] | None, Query(description="json, the only format of this endpoint.")
    ] = None,
) -> None:
    """`f=json`, which OGC clients add to every request; these endpoints answer JSON only."""


# Route dependency of the endpoints that answer JSON only (any other f is a 400 naming it).
JSON_ONLY = Depends(json_only)


def base_url(request: Request) -> str:
    """Absolute base URL of the service, without a trailing slash."""
    return str(request.base_url).rstrip("/")


def chosen_collection(collection_id: str) -> Collection:
    """The collection, or a 404 naming the parameter."""
    collection = COLLECTIONS.get(collection_id)
    if collection is None:
        raise Problem(
            404,
            f"no collection {collection_id!r}; there are {', '.join(COLLECTIONS)}",
            "not-found",
            errors=[FieldError("collectionId", "unknown collection")],
        )
    return collection


def conditional(
    connection: Connection, request: Request, tag: str
) -> tuple[dict[str, str], Response | None]:
    """ETag and Last-Modified from the data version, and a 304 if the client has this one."""
    row = connection.execute(select(dataset_state.c.data_version, dataset_state.c.changed_at)).one()
    # The tag holds the query: hashed, so that no comma or quote of a filter breaks the header
    # (If-None-Match lists tags separated by commas) and its length stays small.
    digest = hashlib.sha256(tag.encode()).hexdigest()[:24]
    headers = {
        "ETag": f'W/"{row[0]}-{digest}"',
        "Last-Modified": format_datetime(row[1], usegmt=True),
    }
    return headers, not_modified(request, headers["ETag"])


def minute() -> str:
    """The current UTC minute, for tags of answers whose status is taken now."""
    return datetime.now(UTC).strftime("-%Y%m%dT%H%M")
