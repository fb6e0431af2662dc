"""The OpenAPI document against real answers and bodies: route-check answers (JSON, GeoJSON,
batch lines) validate against the documented schemas, both through the pydantic models and
through the served document itself (JSON Schema 2020-12, unknown members refused); the bundled
layers' features validate against the documented write bodies; both the 3.1 document and its
3.0 rendering are valid OpenAPI (openapi-spec-validator)."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from app.api.route_check_answer import BatchLine, RouteCheckAnswer, RouteCheckFeatureCollection
from app.core.layers.layer_file import parse_feature
from app.core.layers.vocabulary import Layer
from tests.conftest import LiveServer

GEODATA = Path(__file__).resolve().parent.parent / "geodata"
DOC_URI = "urn:airspace-risk:openapi"
# Flights chosen to reach every kind of member: MH17 (a zone and an engagement area's rings,
# an operator), Baku→Grozny that morning (the Pantsir's rings) and two days later (J2-8243's
# incidents nearby and on segments), PS752 as advised then (as_of, an FAA record, operator
# US), London→Dubai in 2026 (a lapsed advisory's warning).
FLIGHTS: list[dict[str, Any]] = [
    {"id": "mh17", "departure": "EHAM", "destination": "WMKK", "cruise_fl": 330,
     "departure_time": "2014-07-17T10:31:00Z", "operator": {"state": "NL"}},
    {"departure": "UBBB", "destination": "URMG", "cruise_fl": 160,
     "departure_time": "2024-12-25T03:55:00Z"},
    {"departure": "UBBB", "destination": "URMG", "cruise_fl": 160,
     "departure_time": "2024-12-27T03:55:00Z", "incident_radius_nm": 250},
    {"departure": "OIIE", "destination": "UKBB", "cruise_fl": 300,
     "departure_time": "2020-01-08T02:42:00Z", "as_of": "2020-01-08T00:00:00Z",
     "operator": {"state": "US"}},
    {"departure": "EGLL", "destination": "OMDB", "cruise_fl": 350,
     "departure_time": "2026-06-01T10:00:00Z"},
]  # fmt: skip


@pytest.fixture(scope="module")
def document(openapi_document: dict[str, Any]) -> dict[str, Any]:
    return openapi_document


def _validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    """A validator for one component schema, its references resolved within the document."""
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(DOC_URI, resource)
    return Draft202012Validator(
        {"$ref": f"{DOC_URI}#/components/schemas/{name}"}, registry=registry
    )


def _errors(validator: Draft202012Validator, instance: Any) -> list[str]:
    """Every way the instance departs from the schema, readable."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


@pytest.fixture(scope="module")
def answers(layers_server: LiveServer) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each flight's real answer as JSON and as GeoJSON."""
    out = []
    for flight in FLIGHTS:
        plain = httpx.post(f"{layers_server.url}/v1/route-checks", json=flight, timeout=60)
        geo = httpx.post(f"{layers_server.url}/v1/route-checks?f=geojson", json=flight, timeout=60)
        assert (plain.status_code, geo.status_code) == (200, 200), plain.text[:300]
        out.append((plain.json(), geo.json()))
    return out


def test_the_flights_reach_every_kind_of_member(
    answers: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    # Without this the validations below could pass on answers that never carry the members.
    hazards = [h for plain, _ in answers for s in plain["segments"] for h in s["hazards"]]
    assert {h["layer"] for h in hazards} == {"conflict_zones", "engagement_areas", "incidents"}
    assert any(plain["incidents_nearby"] for plain, _ in answers)
    assert any(plain["summary"]["warnings"] for plain, _ in answers)
    assert any(plain["summary"]["as_of"] for plain, _ in answers)
    assert any(h.get("binding") is True for h in hazards)


def test_route_check_answers_match_the_documented_schemas(
    document: dict[str, Any], answers: list[tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    documented = document["paths"]["/v1/route-checks"]["post"]["responses"]["200"]["content"]
    assert documented["application/json"]["schema"]["$ref"].endswith("/RouteCheckAnswer")
    as_json = _validator(document, "RouteCheckAnswer")
    as_geojson = _validator(document, "RouteCheckFeatureCollection")
    for plain, geo in answers:
        assert _errors(as_json, plain) == []
        assert _errors(as_geojson, geo) == []
        RouteCheckAnswer.model_validate(plain)
        RouteCheckFeatureCollection.model_validate(geo)


def test_the_schema_refuses_what_the_answer_does_not_carry(
    document: dict[str, Any], answers: list[tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    # The validation above can fail: an undocumented member, a missing one, a wrong type.
    validator = _validator(document, "RouteCheckAnswer")
    plain = answers[0][0]
    extra = {**plain, "summary": {**plain["summary"], "surprise": 1}}
    missing = {k: v for k, v in plain.items() if k != "route"}
    wrong = {**plain, "segments": [{**plain["segments"][0], "score": "high"}]}
    for instance in (extra, missing, wrong):
        assert _errors(validator, instance) != []


def test_batch_lines_match_the_documented_schema(
    layers_server: LiveServer, document: dict[str, Any]
) -> None:
    validator = _validator(document, "BatchLine")
    routes = [*FLIGHTS, {"departure": "ZZZZ", "destination": "URMG"}]
    for detail in ("full", "summary"):
        answer = httpx.post(
            f"{layers_server.url}/v1/route-checks/batch?detail={detail}",
            json={"routes": routes},
            timeout=120,
        )
        assert answer.status_code == 200
        lines = [json.loads(line) for line in answer.text.splitlines()]
        assert len(lines) == len(routes)
        assert "error" in lines[-1]
        assert all("result" in line for line in lines[:-1])
        for line in lines:
            assert _errors(validator, line) == []
            BatchLine.model_validate(line)


def _bundled(layer: Layer) -> list[dict[str, Any]]:
    """The bundled layer's features: real bodies the service accepts."""
    features: list[dict[str, Any]] = json.loads((GEODATA / f"{layer.value}.geojson").read_text())[
        "features"
    ]
    for feature in features:
        parse_feature(layer, feature)  # each is accepted, checked the way a write checks it
    return features


@pytest.mark.parametrize(
    ("path", "method", "layer", "component"),
    [
        ("/v1/{layer}", "post", Layer.CONFLICT_ZONES, "ConflictZoneFeature"),
        ("/v1/{layer}", "post", Layer.ENGAGEMENT_AREAS, "EngagementAreaFeature"),
        ("/v1/incidents", "post", Layer.INCIDENTS, "IncidentFeature"),
    ],
)
def test_accepted_features_match_the_documented_write_bodies(
    document: dict[str, Any], path: str, method: str, layer: Layer, component: str
) -> None:
    body = document["paths"][path][method]["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    assert f"#/components/schemas/{component}" in json.dumps(schema)
    validator = _validator(document, component)
    features = _bundled(layer)
    assert features
    for feature in features:
        if layer is Layer.INCIDENTS:
            # A new report starts pending; the bundled ones are verified.
            feature = {**feature, "properties": {**feature["properties"], "status": "pending"}}
        assert _errors(validator, feature) == [], feature["properties"].get("id")


def test_refused_features_are_refused_by_the_documented_write_bodies(
    document: dict[str, Any],
) -> None:
    zone = _bundled(Layer.CONFLICT_ZONES)[0]
    validator = _validator(document, "ConflictZoneFeature")
    no_level = {k: v for k, v in zone["properties"].items() if k != "level"}
    unknown = {**zone["properties"], "colour": "red"}
    for properties in (no_level, unknown):
        assert _errors(validator, {**zone, "properties": properties}) != []
    point = {"type": "Point", "coordinates": [30.0, 50.0]}
    assert _errors(validator, {**zone, "geometry": point}) != []


def test_changes_are_documented(document: dict[str, Any]) -> None:
    validator = _validator(document, "ConflictZoneChange")
    assert _errors(validator, {"properties": {"level": 2}}) == []
    assert _errors(validator, {"properties": {"level": 7}}) != []
    incident = _validator(document, "IncidentChange")
    assert _errors(incident, {"properties": {"fatalities": 3}}) == []
    for path, method in (("/v1/{layer}/{feature_id}", "patch"), ("/v1/incidents/{incident_id}",
                                                               "patch")):  # fmt: skip
        assert document["paths"][path][method]["requestBody"]["required"] is True


def test_every_write_documents_its_body(document: dict[str, Any]) -> None:
    # Writes whose only input is the path (retire, rotate, test, delete) have no body.
    without_body = {
        ("/v1/{layer}/{feature_id}", "delete"),
        ("/v1/watches/{watch_id}", "delete"),
        ("/v1/webhooks/{sid}", "delete"),
        ("/v1/webhooks/{sid}/rotate-secret", "post"),
        ("/v1/webhooks/{sid}/test", "post"),
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("post", "patch", "put") and (path, method) not in without_body:
                assert "requestBody" in operation, (path, method)


def test_limit_is_bounded_as_served(layers_server: LiveServer, document: dict[str, Any]) -> None:
    items = document["paths"]["/collections/{collectionId}/items"]["get"]
    (limit,) = [p for p in items["parameters"] if p["name"] == "limit"]
    assert limit["schema"] == {
        **limit["schema"], "type": "integer", "minimum": 1, "maximum": 10_000, "default": 100,
    }  # fmt: skip
    url = f"{layers_server.url}/collections/conflict_zones/items"
    assert httpx.get(url, params={"limit": 0}, timeout=30).status_code == 400
    # Above the maximum the page is served at the maximum (OGC API – Features, 7.15.4).
    page = httpx.get(url, params={"limit": 20_000}, timeout=30)
    assert page.status_code == 200
    assert page.json()["numberReturned"] == min(page.json()["numberMatched"], 10_000)
    default = httpx.get(url, timeout=30).json()
    assert default["numberReturned"] == min(default["numberMatched"], 100)


def test_both_documents_are_valid_openapi(
    layers_server: LiveServer, document: dict[str, Any]
) -> None:
    validate(document)
    assert document["openapi"].startswith("3.1")
    answer = httpx.get(f"{layers_server.url}/openapi-3.0.json", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    old = answer.json()
    validate(old)
    assert old["openapi"] == "3.0.3"
    # Null written the 3.0 way, nothing of 2020-12 left.
    text = json.dumps(old)
    assert '"type": "null"' not in text
    assert '"const"' not in text
    summary = old["components"]["schemas"]["Summary"]["properties"]
    assert summary["valid_at"]["nullable"] is True
    assert summary["valid_at"]["type"] == "string"
    assert set(old["paths"]) == set(document["paths"])
    landing = httpx.get(f"{layers_server.url}/", timeout=30).json()
    descriptions = {
        link["type"]: link["href"] for link in landing["links"] if link["rel"] == "service-desc"
    }
    assert descriptions["application/vnd.oai.openapi+json;version=3.0"].endswith(
        "/openapi-3.0.json"
    )
