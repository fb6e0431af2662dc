"""The bodies the write endpoints read as GeoJSON (they are checked by core/layers, not by a
pydantic parameter), as JSON Schemas built from the record models for the OpenAPI document: a
Feature to create, and {"properties", "geometry"} to change."""

from typing import Any

from pydantic import BaseModel

from app.api.openapi_doc import REF, named_schema_ref, schema_ref
from app.core.layers.layer_file import (
    GEOMETRY_TYPES,
    LIFECYCLE_READ_ONLY_KEYS,
    READ_ONLY_KEYS,
    RECORD_TYPES,
)
from app.core.layers.vocabulary import Layer

_NAMES = {
    Layer.CONFLICT_ZONES: "ConflictZone",
    Layer.ENGAGEMENT_AREAS: "EngagementArea",
    Layer.INCIDENTS: "Incident",
}


def _geometry(layer: Layer) -> dict[str, Any]:
    """The GeoJSON geometry types a layer takes (WGS84 longitude, latitude)."""
    return {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": list(GEOMETRY_TYPES[layer])},
            "coordinates": {"type": "array", "description": "GeoJSON positions, lon/lat."},
        },
    }


def _properties(layer: Layer, required: bool) -> dict[str, Any]:
    """A record's properties: as its model has them (every required one, when creating; any
    of them, when changing); the id may be the feature's own instead; keys our exports add are
    accepted and ignored."""
    model: type[BaseModel] = RECORD_TYPES[layer]
    schema = model.model_json_schema(ref_template=REF)
    schema.pop("$defs", None)
    schema_ref(model)  # its enums ($defs) become components
    schema["title"] = f"{_NAMES[layer]}Properties" + ("" if required else "Change")
    read_only = READ_ONLY_KEYS if layer is Layer.INCIDENTS else LIFECYCLE_READ_ONLY_KEYS
    fields = schema["properties"]
    for key in sorted(read_only - set(fields)):
        fields[key] = {"description": "Read-only: exports carry it; it is ignored here."}
    fields["id"] = {**fields["id"], "description": "The record's id (or the feature's id)."}
    keep = [name for name in schema.get("required", []) if required and name != "id"]
    if layer is Layer.INCIDENTS:
        # A new report may leave out its id and event (made up) and starts pending.
        keep = [name for name in keep if name != "event"]
        fields["status"] = {"type": "string", "enum": ["pending"], "default": "pending"}
    schema["required"] = keep
    if not keep:
        schema.pop("required")
    return schema


def _feature(layer: Layer) -> dict[str, str]:
    """A GeoJSON Feature to create in a layer."""
    name = f"{_NAMES[layer]}Feature"
    return named_schema_ref(
        name,
        {
            "title": name,
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string"},
                "geometry": _geometry(layer),
                "properties": _properties(layer, required=True),
            },
        },
    )


def _change(layer: Layer) -> dict[str, str]:
    """What a PATCH sends: the properties to change, and perhaps a new geometry."""
    name = f"{_NAMES[layer]}Change"
    return named_schema_ref(
        name,
        {
            "title": name,
            "type": "object",
            "properties": {
                "properties": _properties(layer, required=False),
                "geometry": _geometry(layer),
            },
            "description": "The record after the change is checked whole.",
        },
    )


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    """An operation's required JSON request body."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def create_feature_body() -> dict[str, Any]:
    """POST /v1/{layer}: a conflict zone or an engagement area, by the path."""
    layers = (Layer.CONFLICT_ZONES, Layer.ENGAGEMENT_AREAS)
    return _body({"anyOf": [_feature(layer) for layer in layers]})


def change_feature_body() -> dict[str, Any]:
    """PATCH /v1/{layer}/{feature_id}."""
    layers = (Layer.CONFLICT_ZONES, Layer.ENGAGEMENT_AREAS)
    return _body({"anyOf": [_change(layer) for layer in layers]})


def file_incident_body() -> dict[str, Any]:
    """POST /v1/incidents."""
    return _body(_feature(Layer.INCIDENTS))


def edit_incident_body() -> dict[str, Any]:
    """PATCH /v1/incidents/{incident_id}."""
    return _body(_change(Layer.INCIDENTS))
