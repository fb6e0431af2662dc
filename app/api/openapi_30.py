"""GET /openapi-3.0.json: the same document in OpenAPI 3.0.3, for clients that read no 3.1
(OWSLib's `api()`, older code generators). JSON Schema 2020-12 is written down in the 3.0
dialect: null as `nullable`, `const` as a one-value enum, numeric exclusive bounds as flags."""

import copy
from typing import Any

from fastapi import APIRouter, Request

from app.api.responses import JsonResponse

OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
router = APIRouter(include_in_schema=False)

# The keywords an OpenAPI 3.0 Schema Object knows; others (3.1 / 2020-12 only) are dropped.
_KEYWORDS = frozenset(
    {
        "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
        "maxProperties", "minProperties", "required", "enum", "type", "allOf", "oneOf",
        "anyOf", "not", "items", "properties", "additionalProperties", "description",
        "format", "default", "nullable", "discriminator", "readOnly", "writeOnly", "example",
        "externalDocs", "deprecated", "$ref",
    }
)  # fmt: skip
# `{"type": "null"}` once its branch has been written in the 3.0 dialect.
_NULL = {"nullable": True}


class Schema30Response(JsonResponse):
    """The 3.0 document's media type."""

    media_type = OPENAPI_30


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema that also admits null (3.0 ignores siblings of `$ref`: wrap it in allOf)."""
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return {**schema, "nullable": True}


def _schema(schema: Any) -> Any:
    """One JSON Schema written in the 3.0 dialect, its subschemas too."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties",) and isinstance(value, dict):
            out[key] = {name: _schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_schema(sub) for sub in value]
        elif key == "const":
            out["enum"] = [value]
        elif key == "examples" and isinstance(value, list) and value:
            out["example"] = value[0]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        elif key in _KEYWORDS:
            out[key] = value
    for key in ("anyOf", "oneOf"):
        branches = out.get(key)
        if branches and _NULL in branches:
            kept = [branch for branch in branches if branch != _NULL]
            rest = {k: v for k, v in out.items() if k != key}
            out = {**rest, **_nullable(kept[0])} if len(kept) == 1 else {**rest, key: kept}
            out["nullable"] = True
    kind = out.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        out["type"] = kinds[0] if len(kinds) == 1 else "string"
        if "null" in kind:
            out["nullable"] = True
    elif kind == "null":
        out.pop("type")
        out["nullable"] = True
    return out


def _media(content: dict[str, Any]) -> None:
    """The schemas of a content map."""
    for entry in content.values():
        if "schema" in entry:
            entry["schema"] = _schema(entry["schema"])


def downgraded(document: dict[str, Any]) -> dict[str, Any]:
    """The 3.1 document as 3.0.3 (a copy)."""
    out = copy.deepcopy(document)
    out["openapi"] = "3.0.3"
    out.pop("webhooks", None)
    out.pop("jsonSchemaDialect", None)
    out.get("info", {}).get("license", {}).pop("identifier", None)
    for path_item in out.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _schema(parameter.get("schema", {}))
            _media(operation.get("requestBody", {}).get("content", {}))
            for response in operation.get("responses", {}).values():
                _media(response.get("content", {}))
    schemas = out.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        schemas[name] = _schema(schema)
    return out


@router.get("/openapi-3.0.json")
def openapi_30(request: Request) -> Schema30Response:
    """The OpenAPI document in version 3.0.3, built once."""
    state = request.app.state
    if getattr(state, "openapi_30", None) is None:
        state.openapi_30 = downgraded(request.app.openapi())
    return Schema30Response(state.openapi_30)
