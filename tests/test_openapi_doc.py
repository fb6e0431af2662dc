"""The OpenAPI document says what the service does: every error a problem document with its
schema, 400 (not FastAPI's 422) for bad parameters, 422 only where a body is refused, `bbox` as
numbers — and real error answers validate against the documented schema."""

from typing import Any

import httpx
import pytest

from app.api.openapi_doc import Problem
from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def document(openapi_document: dict[str, Any]) -> dict[str, Any]:
    return openapi_document


def test_errors_are_documented_as_problems(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    content = response["content"]
                    assert list(content) == ["application/problem+json"], (path, method, status)
                    assert content["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }
            if "requestBody" not in operation:
                assert "422" not in operation["responses"], (path, method)


def test_bbox_is_numbers(document: dict[str, Any]) -> None:
    items = document["paths"]["/collections/{collectionId}/items"]["get"]
    (bbox,) = [p for p in items["parameters"] if p["name"] == "bbox"]
    assert bbox["schema"]["items"] == {"type": "number"}
    assert (bbox["style"], bbox["explode"]) == ("form", False)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/collections/conflict_zones/items?bbox=1,2,3", None),
        ("GET", "/collections/conflict_zones/items?filter=nosuch%3D1", None),
        ("GET", "/collections/nowhere/items", None),
        ("POST", "/v1/route-checks", {"departure": "ZZZZ", "destination": "URMG"}),
        ("POST", "/v1/route-checks", {"icao_route": "EGLL DCT XYZZY DCT OMDB"}),
    ],
)
def test_real_problems_match_the_documented_schema(
    layers_server: LiveServer, document: dict[str, Any], method: str, path: str, body: Any
) -> None:
    answer = httpx.request(method, f"{layers_server.url}{path}", json=body, timeout=30)
    assert answer.status_code in (400, 404, 422)
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    documented = document["components"]["schemas"]["Problem"]
    # Every member the document requires is there, of the documented type (the model the
    # document was made from reads it); the errors name fields.
    assert set(documented["required"]) <= set(problem)
    Problem.model_validate(problem)
    assert problem["status"] == answer.status_code
