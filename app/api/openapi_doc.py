"""The OpenAPI document as the service behaves: every error a problem document
(application/problem+json, with its schema), a bad query or path parameter a 400 (FastAPI
would document a 422 it never sends), `bbox` as the numbers it is, query parameters without
FastAPI's `null` branch, and the schemas of answers and bodies that routes read or write
without a pydantic parameter (the route check's answer, GeoJSON feature bodies)."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

PROBLEM = "application/problem+json"
REF = "#/components/schemas/{model}"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Schemas that routes name by reference (schema_ref, named_schema_ref), added to the
# document's components when it is built.
_MODELS: list[type[BaseModel]] = []
_SCHEMAS: dict[str, dict[str, Any]] = {}
# Media types whose bodies are JSON; others (tiles, GeoPackage, CSV) are bytes or text.
_BINARY = ("application/geopackage+sqlite3", "application/flatgeobuf",
           "application/vnd.mapbox-vector-tile", "application/octet-stream")  # fmt: skip


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """A reference to a model's schema, which the document's components will hold."""
    if model not in _MODELS:
        _MODELS.append(model)
    return {"$ref": REF.format(model=model.__name__)}


def named_schema_ref(name: str, schema: dict[str, Any]) -> dict[str, str]:
    """A reference to a schema built by hand (from record models), held under `name`."""
    _SCHEMAS[name] = schema
    return {"$ref": REF.format(model=name)}


class FieldProblem(BaseModel):
    """One field at fault."""

    field: str = Field(description="The field or parameter, dotted: waypoints.0.lat, filter.")
    reason: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path of the request.")
    request_id: str | None = Field(default=None, description="Quote it when reporting.")
    field: str | None = Field(default=None, description="The first field at fault.")
    errors: list[FieldProblem] | None = Field(default=None, description="Every field at fault.")


def _problem_response(description: str) -> dict[str, Any]:
    """A response whose body is a problem document."""
    return {"description": description, "content": {PROBLEM: {"schema": PROBLEM_REF}}}


def _operation(operation: dict[str, Any], has_body: bool) -> None:
    """Problems for an operation: 400 (or 422 for a body) replaces FastAPI's validation 422."""
    responses = operation.setdefault("responses", {})
    validation = responses.pop("422", None)
    if has_body:
        responses["422"] = _problem_response(
            "The body cannot be used; the problem names each field and why"
        )
    if validation is not None or operation.get("parameters"):
        responses["400"] = _problem_response(
            "A bad or unknown parameter; the problem names it and why"
        )
    responses.setdefault("503", _problem_response("Busy or the database is unavailable"))
    # Errors a route declares by description only (401, 404, 409, …) are problems too.
    for status, response in responses.items():
        if status.startswith(("4", "5")):
            response["content"] = {PROBLEM: {"schema": PROBLEM_REF}}
    for status, response in responses.items():
        if status.startswith("2"):
            _success_content(response.get("content", {}))
    for parameter in operation.get("parameters", []):
        _without_null(parameter)
        if parameter.get("name") == "bbox":
            parameter["schema"] = {
                "type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"},
            }  # fmt: skip
            parameter["style"] = "form"
            parameter["explode"] = False


def _success_content(content: dict[str, Any]) -> None:
    """A success body's schema as sent: FastAPI writes `{"type": "string"}` for media types
    other than the route's own, and beside a referenced model."""
    for media_type, entry in content.items():
        schema = entry.get("schema") or {}
        if "$ref" in schema:
            entry["schema"] = {"$ref": schema["$ref"]}
        elif media_type in _BINARY:
            entry["schema"] = {"type": "string", "format": "binary"}
        elif media_type.startswith("text/"):
            entry["schema"] = {"type": "string"}
        elif schema in ({}, {"type": "string"}):
            entry["schema"] = {"type": "object"}


def _without_null(parameter: dict[str, Any]) -> None:
    """A query parameter is there or not: FastAPI's `anyOf [X, null]` for an optional one is
    X (a client cannot send null)."""
    schema = parameter.get("schema", {})
    branches = schema.get("anyOf")
    if branches and {"type": "null"} in branches and len(branches) == 2:
        (kept,) = [branch for branch in branches if branch != {"type": "null"}]
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        parameter["schema"] = {**kept, **rest}


def _add_components(components: dict[str, Any]) -> None:
    """The referenced models' and hand-built schemas; a name taken twice is a bug."""
    _, top = models_json_schema([(m, "validation") for m in _MODELS], ref_template=REF)
    added = {**top.get("$defs", {}), **_SCHEMAS}
    for name, schema in added.items():
        if name in components and components[name] != schema:
            raise ValueError(f"two different schemas are named {name} in the OpenAPI document")
        components[name] = schema


def truthful_openapi(app: FastAPI) -> dict[str, Any]:
    """The document, built once: FastAPI's, with the problems as they are sent."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components["FieldProblem"] = FieldProblem.model_json_schema()
    components["Problem"].pop("$defs", None)
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    _add_components(components)
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                _operation(operation, "requestBody" in operation)
    app.openapi_schema = document
    return document
