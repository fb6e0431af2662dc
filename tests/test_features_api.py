"""OGC API – Features over the real server and the bundled layers: the protocol as clients
see it (content types, links, exact counts, clamped limits, bbox across 180°, datetime forms,
filters, downloads, tiles) and every bad parameter as a 4xx problem."""

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import GEODATA, LiveServer

GEOJSON = "application/geo+json"


def _get(server: LiveServer, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", timeout=60, **kwargs)


def _file_count(layer: str, **where: Any) -> int:
    features = json.loads((GEODATA / f"{layer}.geojson").read_text())["features"]
    return sum(all(f["properties"].get(k) == v for k, v in where.items()) for f in features)


def test_landing_page_links(layers_server: LiveServer) -> None:
    response = _get(layers_server, "/")
    assert response.headers["content-type"] == "application/json"
    links = {link["rel"]: link for link in response.json()["links"]}
    assert set(links) == {"self", "service-desc", "service-doc", "conformance", "data", "alternate"}
    assert links["alternate"]["type"] == "text/html"
    assert all(link["href"].startswith(layers_server.url) for link in links.values())


def test_conformance_lists_only_proven_classes(layers_server: LiveServer) -> None:
    classes = _get(layers_server, "/conformance").json()["conformsTo"]
    # Each class is proven: Core and GeoJSON here, Part 3 and CQL2 in test_item_filters.py
    # (text and JSON, IN/BETWEEN/LIKE, S_ and T_ functions, queryables) and
    # test_gdal_filters.py; Part 2 in test_crs.py; Tiles in test_tiles.py; the OpenAPI 3.0
    # document in test_openapi_contract.py. Not every queryable as a query parameter; sortby and
    # properties are served
    # (test_item_filters.py) but their classes belong to other parts, not claimed.
    part3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
    cql2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
    assert classes == [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",  # test_openapi_contract
        *(part3 + name for name in ("queryables", "filter", "features-filter")),
        *(cql2 + name for name in ("cql2-text", "cql2-json", "basic-cql2",
                                   "advanced-comparison-operators",
                                   "case-insensitive-comparison", "basic-spatial-functions",
                                   "spatial-functions", "temporal-functions")),
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",  # test_crs.py
        *("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/" + name
          for name in ("core", "tileset", "tilesets-list", "geodata-tilesets", "mvt")),
    ]  # fmt: skip


def test_collections(layers_server: LiveServer) -> None:
    body = _get(layers_server, "/collections").json()
    assert [c["id"] for c in body["collections"]] == [
        "conflict_zones",
        "engagement_areas",
        "incidents",
    ]
    for collection in body["collections"]:
        bbox = collection["extent"]["spatial"]["bbox"]
        assert isinstance(bbox, list)
        assert isinstance(bbox[0], list)
        assert len(bbox[0]) == 4
        rels = {link["rel"]: link["type"] for link in collection["links"]}
        assert rels["items"] == GEOJSON
        assert rels["describedby"] == "application/schema+json"
    incidents = _get(layers_server, "/collections/incidents").json()
    assert incidents["extent"]["temporal"]["interval"][0][0].startswith("1973-02-21")


def test_schema_lists_every_property(layers_server: LiveServer) -> None:
    response = _get(layers_server, "/collections/conflict_zones/schema")
    assert response.headers["content-type"] == "application/schema+json"
    properties = response.json()["properties"]
    # One type each, as GIS clients read them (a value may still be null).
    assert properties["level"]["type"] == "integer"
    assert properties["valid_from"]["format"] == "date-time"


def test_items_page_links_and_exact_counts(layers_server: LiveServer) -> None:
    response = _get(layers_server, "/collections/incidents/items", params={"limit": 7})
    assert response.headers["content-type"] == GEOJSON
    page = response.json()
    assert page["numberMatched"] == _file_count("incidents") == 20
    assert page["numberReturned"] == 7
    ids = [f["id"] for f in page["features"]]
    assert ids == sorted(ids)
    rels = {link["rel"]: link["href"] for link in page["links"]}
    assert "prev" not in rels
    assert rels["next"].startswith(layers_server.url)
    seen = list(ids)
    href: str | None = rels["next"]
    while href:
        page = httpx.get(href).json()
        seen += [f["id"] for f in page["features"]]
        href = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
        assert any(link["rel"] == "prev" for link in page["links"])
    assert len(seen) == len(set(seen)) == 20


def test_every_feature_carries_every_property_key(layers_server: LiveServer) -> None:
    schema = _get(layers_server, "/collections/engagement_areas/schema").json()["properties"]
    for feature in _get(layers_server, "/collections/engagement_areas/items").json()["features"]:
        assert set(feature["properties"]) == set(schema)


@pytest.mark.parametrize("limit", [10_001, 50_000, 10**9])
def test_limit_above_the_maximum_is_clamped(layers_server: LiveServer, limit: int) -> None:
    response = _get(layers_server, "/collections/incidents/items", params={"limit": limit})
    assert response.status_code == 200
    assert "limit=10000" in next(
        link["href"] for link in response.json()["links"] if link["rel"] == "self"
    )


def test_bbox_filters_and_crosses_the_antimeridian(layers_server: LiveServer) -> None:
    caucasus = _get(layers_server, "/collections/incidents/items", params={"bbox": "44,42,52,45"})
    assert {f["id"] for f in caucasus.json()["features"]} == {"azal8243-hit", "azal8243-crash"}
    # 140°E to 170°W across 180°: KAL007 (Sakhalin, 141°E) is inside; nothing in 10°W–30°E.
    across = _get(layers_server, "/collections/incidents/items", params={"bbox": "140,40,-170,50"})
    assert {f["id"] for f in across.json()["features"]} == {"kal007-hit", "kal007-crash"}
    six = _get(
        layers_server, "/collections/incidents/items", params={"bbox": "44,42,0,52,45,50000"}
    )
    assert six.json()["numberMatched"] == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2014-07-17T13:20:03Z", {"mh17-hit"}),
        ("2014-07-17", {"mh17-hit", "mh17-crash"}),
        ("2024-12-25T00:00:00Z/2024-12-25T23:59:59Z", {"azal8243-hit", "azal8243-crash"}),
        ("2024-01-01T00:00:00Z/..", {"azal8243-hit", "azal8243-crash"}),
        ("../1975-01-01T00:00:00Z", {"ln114-crash"}),
    ],
)
def test_datetime_forms_on_incidents(
    layers_server: LiveServer, value: str, expected: set[str]
) -> None:
    page = _get(layers_server, "/collections/incidents/items", params={"datetime": value}).json()
    assert {f["id"] for f in page["features"]} == expected


def test_datetime_matches_validity_of_zones(layers_server: LiveServer) -> None:
    page = _get(
        layers_server,
        "/collections/conflict_zones/items",
        params={"datetime": "2014-07-17T12:00:00Z"},
    ).json()
    ids = {f["id"] for f in page["features"]}
    assert "ukraine-east-2014-below-fl320" in ids
    # datetime matches the stated window (1-28 Jul); the record was superseded on 14 Jul, which
    # its status at that time says, and which ?status= filters on.
    assert "ukraine-east-2014-below-fl260" in ids
    assert "russia-easa-czib-west-of-60e-2025" not in ids
    in_force = _get(
        layers_server,
        "/collections/conflict_zones/items",
        params={"status": "in_force", "at": "2014-07-17T12:00:00Z"},
    ).json()
    statuses = {f["id"]: f["properties"]["status"] for f in page["features"]}
    assert statuses["ukraine-east-2014-below-fl260"] != "in_force"
    in_force_ids = {f["id"] for f in in_force["features"]}
    assert "ukraine-east-2014-below-fl320" in in_force_ids
    assert "ukraine-east-2014-below-fl260" not in in_force_ids


@pytest.mark.parametrize(
    ("collection", "params", "where"),
    [
        ("conflict_zones", {"level": 3}, {"level": 3}),
        ("conflict_zones", {"issuer": "EASA"}, {"issuer": "EASA"}),
        ("engagement_areas", {"site_basis": "confirmed"}, {"site_basis": "confirmed"}),
        ("conflict_zones", {"threat": "iraq"}, {"threat": "iraq"}),
        ("engagement_areas", {"system": "buk-m1"}, {"system": "buk-m1"}),
        ("incidents", {"kind": "crash"}, {"kind": "crash"}),
    ],
)
def test_equality_filters(
    layers_server: LiveServer, collection: str, params: dict[str, Any], where: dict[str, Any]
) -> None:
    page = _get(layers_server, f"/collections/{collection}/items", params=params).json()
    assert page["numberMatched"] == _file_count(collection, **where) > 0
    for name, value in where.items():
        assert all(f["properties"][name] == value for f in page["features"])


def test_filters_are_declared_in_the_openapi_document(layers_server: LiveServer) -> None:
    paths = _get(layers_server, "/openapi.json").json()["paths"]
    parameters = {
        p["name"] for p in paths["/collections/{collectionId}/items"]["get"]["parameters"]
    }
    assert {
        "collectionId",
        "bbox",
        "datetime",
        "limit",
        "level",
        "issuer",
        "system",
        "status",
        "kind",
    } <= parameters


def test_single_feature_and_conditional_get(layers_server: LiveServer) -> None:
    response = _get(layers_server, "/collections/incidents/items/azal8243-crash")
    assert response.headers["content-type"] == GEOJSON
    feature = response.json()
    assert feature["geometry"]["coordinates"] == [51.01, 43.8825]
    etag = response.headers["etag"]
    again = _get(
        layers_server,
        "/collections/incidents/items/azal8243-crash",
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304


def test_pending_incidents_are_not_published(
    layers_server: LiveServer, loaded_database_url: str
) -> None:
    engine = create_engine(loaded_database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE incidents SET status = 'pending' WHERE id = 'ih870-crash'"))
    try:
        assert _get(layers_server, "/collections/incidents/items/ih870-crash").status_code == 404
        assert _get(layers_server, "/collections/incidents/items").json()["numberMatched"] == 19
    finally:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE incidents SET status = 'verified' WHERE id = 'ih870-crash'")
            )
        engine.dispose()


@pytest.mark.parametrize(
    ("fmt", "media", "extension"),
    [
        ("geojson", GEOJSON, "geojson"),
        ("csv", "text/csv", "csv"),
        ("gpkg", "application/geopackage+sqlite3", "gpkg"),
        ("fgb", "application/flatgeobuf", "fgb"),
    ],
)
def test_whole_layer_downloads(
    layers_server: LiveServer, fmt: str, media: str, extension: str
) -> None:
    response = _get(layers_server, "/collections/conflict_zones/items", params={"f": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="conflict_zones.{extension}"'
    )
    if fmt == "geojson":
        assert len(response.json()["features"]) == _file_count("conflict_zones")
    if fmt == "csv":
        assert len(response.text.strip().splitlines()) == _file_count("conflict_zones") + 1
    if fmt == "gpkg":
        assert response.content[:16] == b"SQLite format 3\x00"
    etag = response.headers["etag"]
    again = _get(
        layers_server,
        "/collections/conflict_zones/items",
        params={"f": fmt},
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304


def test_download_by_accept_header(layers_server: LiveServer) -> None:
    response = _get(layers_server, "/collections/incidents/items", headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")


def test_vector_tile(layers_server: LiveServer) -> None:
    # z4 tile 10/5 covers roughly 45°E–67.5°E, 40.9°N–55.8°N: the Aktau crash site is in it.
    response = _get(layers_server, "/tiles/incidents/4/10/5.mvt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert "max-age" in response.headers["cache-control"]
    assert b"incidents" in response.content
    assert b"azal8243-crash" in response.content
    empty = _get(layers_server, "/tiles/incidents/4/0/0.mvt")
    assert empty.status_code == 200
    assert empty.content == b""


BAD = [
    ("/collections/incidents/items", {"bbox": "1,2,3"}, 400, "bbox"),
    ("/collections/incidents/items", {"bbox": "0,-91,10,10"}, 400, "bbox"),
    ("/collections/incidents/items", {"bbox": "a,b,c,d"}, 400, "bbox"),
    ("/collections/incidents/items", {"datetime": "yesterday"}, 400, "datetime"),
    ("/collections/incidents/items", {"datetime": "2024-12-25T00:00:00"}, 400, "datetime"),
    (
        "/collections/incidents/items",
        {"datetime": "2025-01-01T00:00:00Z/2024-01-01T00:00:00Z"},
        400,
        "datetime",
    ),
    ("/collections/incidents/items", {"limit": 0}, 400, "limit"),
    ("/collections/incidents/items", {"limit": -5}, 400, "limit"),
    ("/collections/incidents/items", {"limit": "ten"}, 400, "limit"),
    ("/collections/incidents/items", {"f": "shp"}, 400, "f"),
    ("/collections/incidents/items", {"level": 1}, 400, "level"),
    ("/collections/runways/items", {}, 404, "collectionId"),
    ("/collections/incidents/items/no-such-thing", {}, 404, "featureId"),
    ("/tiles/incidents/2/9/1.mvt", {}, 400, "x"),
]


@pytest.mark.parametrize(("path", "params", "status", "field"), BAD)
def test_bad_parameters_are_problems(
    layers_server: LiveServer, path: str, params: dict[str, Any], status: int, field: str
) -> None:
    response = _get(layers_server, path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


INJECTIONS = ["'; DROP TABLE incidents; --", "1 OR 1=1", "x' UNION SELECT * FROM pg_user --"]


@pytest.mark.parametrize("attack", INJECTIONS)
def test_sql_injection_is_inert(layers_server: LiveServer, attack: str) -> None:
    assert _get(layers_server, f"/collections/incidents/items/{attack}").status_code == 404
    by_kind = _get(layers_server, "/collections/incidents/items", params={"kind": attack})
    assert by_kind.status_code == 200
    assert by_kind.json()["numberMatched"] == 0
    for name in ("bbox", "datetime", "limit"):
        assert (
            _get(layers_server, "/collections/incidents/items", params={name: attack}).status_code
            == 400
        )
    assert _get(layers_server, "/collections/incidents/items").json()["numberMatched"] == 20


def test_next_links_keep_filters(layers_server: LiveServer) -> None:
    page = _get(
        layers_server, "/collections/conflict_zones/items", params={"limit": 2, "issuer": "FAA"}
    ).json()
    next_href = next(link["href"] for link in page["links"] if link["rel"] == "next")
    query = parse_qs(urlsplit(next_href).query)
    assert query["issuer"] == ["FAA"]
    assert query["offset"] == ["2"]


@pytest.mark.parametrize("layer", ["conflict_zones", "incidents"])
def test_a_downloaded_layer_imports_back_unchanged(layers_server: LiveServer, layer: str) -> None:
    from app.core.layers.layer_file import parse_layer_file
    from app.core.layers.vocabulary import Layer

    downloaded = _get(layers_server, f"/collections/{layer}/items", params={"f": "geojson"})
    bundled = {
        f.record.id: f.record
        for f in parse_layer_file(Layer(layer), (GEODATA / f"{layer}.geojson").read_bytes())
    }
    again = parse_layer_file(Layer(layer), downloaded.content)
    assert {f.record.id: f.record for f in again} == bundled


def test_validity_ends_before_valid_to(layers_server: LiveServer) -> None:
    """A window ends before valid_to (as in route checks): the FL260 NOTAMs, stated to run until
    2014-07-28T23:59:59Z, match a second before it and not at it."""

    def ids_at(moment: str) -> set[str]:
        page = _get(
            layers_server, "/collections/conflict_zones/items", params={"datetime": moment}
        ).json()
        return {f["id"] for f in page["features"]}

    assert "ukraine-east-2014-below-fl260" in ids_at("2014-07-28T23:59:58Z")
    assert "ukraine-east-2014-below-fl260" not in ids_at("2014-07-28T23:59:59Z")
