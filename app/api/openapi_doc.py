"""The OpenAPI document as the service behaves: every error a problem document
(application/problem+json, with its schema), a bad query or path parameter a 400 (FastAPI
would document a 422 it never sends), `bbox` as the numbers it is."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


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
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == "bbox":
            parameter["schema"] = {
                "type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"},
            }  # fmt: skip
            parameter["style"] = "form"
            parameter["explode"] = False


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
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                _operation(operation, "requestBody" in operation)
    app.openapi_schema = document
    return document
