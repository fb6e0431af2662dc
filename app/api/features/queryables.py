"""GET /collections/{collectionId}/queryables (OGC API – Features Part 3) and the GeoJSON
feature schema GIS clients build their fields from (the `describedBy` link GDAL reads)."""

from typing import Any

from fastapi import APIRouter, Depends, Request

from app.api.features.common import JSON_ONLY, CollectionId, base_url, chosen_collection
from app.api.features.strict import reject_unknown_parameters
from app.api.responses import JsonResponse
from app.core.layers.collections import Collection
from app.core.layers.queryables import queryables_document

router = APIRouter(tags=["features"], dependencies=[Depends(reject_unknown_parameters)])


class SchemaResponse(JsonResponse):
    """application/schema+json."""

    media_type = "application/schema+json"


def property_schemas(collection: Collection) -> dict[str, Any]:
    """Each property's JSON Schema: one type each (a client reads `"integer"`, not a list with
    `"null"`); a value may still be null where the record has none."""
    schemas: dict[str, Any] = {}
    for prop in collection.properties:
        entry: dict[str, Any] = {"type": prop.type, "description": prop.description}
        if prop.format:
            entry["format"] = prop.format
        schemas[prop.name] = entry
    return schemas


@router.get(
    "/collections/{collectionId}/queryables",
    dependencies=[JSON_ONLY],
    operation_id="queryables",
    summary="What the items of a collection can be filtered on (CQL2)",
    responses={200: {"content": {"application/schema+json": {}}}},
)
def collection_queryables(collection_id: CollectionId, request: Request) -> JsonResponse:
    """The queryable properties with their types, allowed values and roles (as
    application/json to a client that accepts only JSON, as GDAL 3.6 does)."""
    collection = chosen_collection(collection_id)
    url = f"{base_url(request)}/collections/{collection.id}/queryables"
    document = queryables_document(collection, url)
    accept = request.headers.get("accept", "")
    # The media type follows Accept: caches must keep the two answers apart.
    vary = {"Vary": "Accept"}
    if "application/json" in accept and "schema+json" not in accept and "*/*" not in accept:
        return JsonResponse(document, headers=vary)
    return SchemaResponse(document, headers=vary)


@router.get(
    "/collections/{collectionId}/feature-schema",
    dependencies=[JSON_ONLY],
    operation_id="featureSchema",
    summary="JSON Schema of one GeoJSON feature of the collection",
    responses={200: {"content": {"application/schema+json": {}}}},
)
def feature_schema(collection_id: CollectionId, request: Request) -> SchemaResponse:
    """A feature: its id, geometry and typed properties (GIS clients build fields from it)."""
    collection = chosen_collection(collection_id)
    return SchemaResponse(
        {
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "$id": f"{base_url(request)}/collections/{collection.id}/feature-schema",
            "title": collection.title,
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string"},
                "geometry": {"type": "object"},
                "properties": {"type": "object", "properties": property_schemas(collection)},
            },
        }
    )
