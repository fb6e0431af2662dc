"""OWSLib (the OGC client library for Python) against the real server, as a notebook user
drives it: the OpenAPI document through `api()` (it reads only 3.0), conformance, collections,
queryables, and items with bbox, datetime, a CQL2 filter, sortby and paging — every answer
compared with the same question asked of PostGIS directly (equal ids)."""

from datetime import datetime
from typing import Any

import pytest
from owslib.ogcapi.features import Features
from sqlalchemy import Engine, create_engine, text

from tests.conftest import LiveServer
from tests.postgis_truth import PUBLISHED, published_ids


@pytest.fixture(scope="module")
def client(layers_server: LiveServer) -> Features:
    return Features(f"{layers_server.url}/")


@pytest.fixture(scope="module")
def database(loaded_database_url: str) -> Engine:
    return create_engine(loaded_database_url)


def _all_ids(client: Features, layer: str, **query: Any) -> tuple[list[str], int]:
    """Every id OWSLib reads page by page (10 at a time), and the numberMatched it was told."""
    ids: list[str] = []
    offset = 0
    while True:
        page = client.collection_items(layer, limit=10, offset=offset, **query)
        ids += [feature["id"] for feature in page["features"]]
        offset += 10
        if offset >= page["numberMatched"]:
            return ids, int(page["numberMatched"])


def test_api_reads_the_openapi_document(client: Features) -> None:
    document = client.api()
    assert document["openapi"] == "3.0.3"
    assert "/collections/{collectionId}/items" in document["paths"]
    assert "RouteCheckAnswer" in document["components"]["schemas"]


def test_conformance_and_collections(client: Features) -> None:
    classes = client.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter" in classes
    assert sorted(client.feature_collections()) == sorted(PUBLISHED)
    zones = client.collection("conflict_zones")
    assert zones["id"] == "conflict_zones"
    assert zones["extent"]["spatial"]["bbox"]


def test_queryables_are_typed(client: Features) -> None:
    queryables = client.collection_queryables("conflict_zones")["properties"]
    assert queryables["lower_ft"]["type"] == "integer"
    assert queryables["valid_from"]["format"] == "date-time"
    assert queryables["level"]["enum"] == [1, 2, 3]


@pytest.mark.parametrize(
    ("layer", "query", "condition"),
    [
        ("conflict_zones", {"bbox": [22, 44, 41, 53]},
         "ST_Intersects(geom, ST_MakeEnvelope(22, 44, 41, 53, 4326))"),
        ("conflict_zones", {"filter": "lower_ft >= 32000 OR upper_ft < 20000"},
         "lower_ft >= 32000 OR upper_ft < 20000"),
        ("conflict_zones", {"filter": "level IN (1, 2) AND issuer = 'EASA'"},
         "level IN (1, 2) AND issuer = 'EASA'"),
        # datetime: the validity window meets the interval; an open end is unbounded.
        ("conflict_zones", {"datetime_": "2020-01-01T00:00:00Z/2020-12-31T23:59:59Z"},
         "valid_from <= '2020-12-31T23:59:59Z'"
         " AND (valid_to IS NULL OR valid_to >= '2020-01-01Z')"),
        ("incidents", {"filter": "T_AFTER(occurred_at, TIMESTAMP('2014-01-01T00:00:00Z'))"},
         "occurred_at > '2014-01-01Z'"),
        ("engagement_areas", {"filter": "name LIKE '%Buk%'"}, "name LIKE '%Buk%'"),
    ],
)  # fmt: skip
def test_items_give_what_postgis_gives(
    client: Features, database: Engine, layer: str, query: dict[str, Any], condition: str
) -> None:
    ids, matched = _all_ids(client, layer, **query)
    expected = published_ids(database, layer, condition)
    assert expected, "a query that matches nothing would prove little"
    assert sorted(ids) == expected
    assert matched == len(expected)


def test_sortby_descending(client: Features, database: Engine) -> None:
    page = client.collection_items("conflict_zones", sortby=("valid_from", "desc"), limit=5)
    with database.connect() as connection:
        newest = [
            row[0]
            for row in connection.execute(
                text(
                    "SELECT valid_from FROM conflict_zones WHERE retired_at IS NULL "
                    "ORDER BY valid_from DESC LIMIT 5"
                )
            )
        ]
    got = [datetime.fromisoformat(f["properties"]["valid_from"]) for f in page["features"]]
    assert got == newest


def test_a_bad_filter_is_an_error_not_an_empty_page(client: Features) -> None:
    # OWSLib raises on an error status: a client never mistakes a refused filter for "none".
    with pytest.raises(RuntimeError, match="nosuch"):
        client.collection_items("conflict_zones", filter="nosuch = 1")
    with pytest.raises(RuntimeError, match="colour"):
        client.collection_items("conflict_zones", colour="red")
