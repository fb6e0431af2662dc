"""CQL2 filters, queryables and strict parameters on the real server, every answer compared with
the same question asked of PostGIS directly (the SQL written by hand in each case)."""

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from tests.conftest import LiveServer

ZONES = "conflict_zones"
# (CQL2 text, the same filter as CQL2 JSON, the condition in SQL on conflict_zones)
CASES = [
    ("level = 1", {"op": "=", "args": [{"property": "level"}, 1]}, "level = 1"),
    (
        "level IN (2, 3) AND lower_ft IS NULL",
        {"op": "and", "args": [
            {"op": "in", "args": [{"property": "level"}, [2, 3]]},
            {"op": "isNull", "args": [{"property": "lower_ft"}]},
        ]},
        "level IN (2, 3) AND lower_ft IS NULL",
    ),
    (
        "upper_ft BETWEEN 20000 AND 33000",
        {"op": "between", "args": [{"property": "upper_ft"}, 20000, 33000]},
        "upper_ft BETWEEN 20000 AND 33000",
    ),
    (
        "name LIKE '%Ukraine%' OR issuer = 'FAA'",
        {"op": "or", "args": [
            {"op": "like", "args": [{"property": "name"}, "%Ukraine%"]},
            {"op": "=", "args": [{"property": "issuer"}, "FAA"]},
        ]},
        "name LIKE '%Ukraine%' OR issuer = 'FAA'",
    ),
    # CASEI: "iran" finds "Iran" and "IRAN" (a search box's question).
    (
        "CASEI(name) LIKE CASEI('%iran%')",
        {"op": "like", "args": [{"op": "casei", "args": [{"property": "name"}]},
                                {"op": "casei", "args": ["%iran%"]}]},
        "lower(name) LIKE '%iran%'",
    ),
    # An open validity (valid_to null) runs on: it intersects every later interval.
    (
        "T_INTERSECTS(INTERVAL(valid_from, valid_to), INTERVAL('2024-12-25T00:00:00Z', '..'))",
        {"op": "t_intersects", "args": [
            {"interval": [{"property": "valid_from"}, {"property": "valid_to"}]},
            {"interval": ["2024-12-25T00:00:00Z", ".."]},
        ]},
        "valid_to IS NULL OR valid_to >= '2024-12-25Z'",
    ),
    (
        "T_BEFORE(valid_from, TIMESTAMP('2015-01-01T00:00:00Z'))",
        {"op": "t_before", "args": [{"property": "valid_from"},
                                    {"timestamp": "2015-01-01T00:00:00Z"}]},
        "valid_from < '2015-01-01Z'",
    ),
    (
        "T_AFTER(published_at, DATE('2025-06-01'))",
        {"op": "t_after", "args": [{"property": "published_at"}, {"date": "2025-06-01"}]},
        "published_at > '2025-06-02Z'::timestamptz - interval '1 microsecond'",
    ),
    (
        "S_INTERSECTS(geometry, POLYGON((30 45, 40 45, 40 52, 30 52, 30 45)))",
        {"op": "s_intersects", "args": [
            {"property": "geometry"},
            {"type": "Polygon",
             "coordinates": [[[30, 45], [40, 45], [40, 52], [30, 52], [30, 45]]]},
        ]},
        "ST_Intersects(geom, ST_MakeEnvelope(30, 45, 40, 52, 4326))",
    ),
    # A BBOX whose west edge is east of its east edge crosses 180°.
    (
        "S_INTERSECTS(geometry, BBOX(100, -60, -170, 80))",
        {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [100, -60, -170, 80]}]},
        "ST_Intersects(geom, ST_MakeEnvelope(100, -60, 180, 80, 4326))"
        " OR ST_Intersects(geom, ST_MakeEnvelope(-180, -60, -170, 80, 4326))",
    ),
    (
        "S_WITHIN(geometry, POLYGON((-20 0, 150 0, 150 85, -20 85, -20 0)))",
        {"op": "s_within", "args": [
            {"property": "geometry"},
            {"type": "Polygon",
             "coordinates": [[[-20, 0], [150, 0], [150, 85], [-20, 85], [-20, 0]]]},
        ]},
        "ST_Within(geom, ST_MakeEnvelope(-20, 0, 150, 85, 4326))",
    ),
    (
        "S_CONTAINS(geometry, POINT(31 49))",
        {"op": "s_contains", "args": [{"property": "geometry"},
                                      {"type": "Point", "coordinates": [31, 49]}]},
        "ST_Contains(geom, ST_SetSRID(ST_MakePoint(31, 49), 4326))",
    ),
    # A day as an interval's end includes that day (the hand SQL: before the next midnight).
    (
        "T_INTERSECTS(INTERVAL(valid_from, valid_to), INTERVAL('2014-07-01', '2014-07-17'))",
        {"op": "t_intersects", "args": [
            {"interval": [{"property": "valid_from"}, {"property": "valid_to"}]},
            {"interval": ["2014-07-01", "2014-07-17"]},
        ]},
        "valid_from < '2014-07-18Z' AND (valid_to IS NULL OR valid_to >= '2014-07-01Z')",
    ),
    (
        "NOT S_INTERSECTS(geometry, BBOX(-20, 0, 60, 70))",
        {"op": "not", "args": [{"op": "s_intersects", "args": [
            {"property": "geometry"}, {"bbox": [-20, 0, 60, 70]}]}]},
        "NOT ST_Intersects(geom, ST_MakeEnvelope(-20, 0, 60, 70, 4326))",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def database(loaded_database_url: str) -> Engine:
    return create_engine(loaded_database_url)


def _ids(server: LiveServer, **params: str) -> list[str]:
    answer = httpx.get(
        f"{server.url}/collections/{ZONES}/items", params={"limit": "10000", **params}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["numberMatched"] == body["numberReturned"]
    return sorted(f["id"] for f in body["features"])


def _expected(engine: Engine, condition: str) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT id FROM {ZONES} WHERE retired_at IS NULL AND ({condition})")
        )
        return sorted(row[0] for row in rows)


@pytest.mark.parametrize(("cql_text", "cql_json", "sql"), CASES)
def test_filters_give_what_postgis_gives(
    layers_server: LiveServer, database: Engine, cql_text: str, cql_json: Any, sql: str
) -> None:
    expected = _expected(database, sql)
    assert expected, "a case that matches nothing proves little"
    assert _ids(layers_server, filter=cql_text) == expected
    as_json = _ids(layers_server, filter=json.dumps(cql_json), **{"filter-lang": "cql2-json"})
    assert as_json == expected


def _problem(server: LiveServer, path: str, **params: str) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}{path}", params=params, timeout=30)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize(
    ("cql", "says"),
    [
        ("pg_sleep(1) = 1", "'pg_sleep' is not supported"),
        ("nosuch = 1", "'nosuch' is not queryable"),
        ("status = 'in_force'", "'status' is not queryable"),
        ("lower_ft = 'high'", "cannot compare a number with a string"),
        ("name = 5", "cannot compare a string with a number"),
        ("name = level", "cannot compare a string with a number"),
        ("permits_above = 'x'", "cannot compare a boolean with a string"),
        ("name BETWEEN 1 AND 2", "cannot compare a string with a number"),
        ("level IN (1, 'a')", "cannot compare a number with a string"),
        ("level LIKE '1%'", "LIKE compares a text property"),
        ("valid_from > '0001-01-01T00:00:00+01:00'", "not an RFC 3339"),
        ("S_INTERSECTS(geometry, BBOX(0, 0, 10, 100))", "within ±180° and ±90°"),
        ("(" * 2000 + "level = 1" + ")" * 2000, "nested deeper than 30 levels"),
        ("level = " + "-" * 6000 + "1", "nested deeper than 30 levels"),
        ("NOT " * 4000 + "level = 1", "nested deeper than 30 levels"),
        ("valid_from > 'yesterday'", "not an RFC 3339"),
        ("level = ", "not valid cql2-text"),
        ("level", "a filter is a boolean expression"),
    ],
)
def test_bad_filters_are_400s_naming_the_filter(
    layers_server: LiveServer, cql: str, says: str
) -> None:
    problem = _problem(layers_server, f"/collections/{ZONES}/items", filter=cql)
    assert problem["errors"][0]["field"] == "filter"
    assert says in problem["errors"][0]["reason"]


def test_true_is_a_filter(layers_server: LiveServer, database: Engine) -> None:
    assert _ids(layers_server, filter="true") == _expected(database, "true")


# The OGC endpoints that answer JSON (the landing page, collections, a feature, schemas).
JSON_ENDPOINTS = [
    "/",
    "/conformance",
    "/collections",
    f"/collections/{ZONES}",
    f"/collections/{ZONES}/items",
    f"/collections/{ZONES}/items/ukraine-easa-czib-2022-01-r14",
    f"/collections/{ZONES}/schema",
    f"/collections/{ZONES}/queryables",
    f"/collections/{ZONES}/feature-schema",
]


@pytest.mark.parametrize("path", [*JSON_ENDPOINTS, f"/tiles/{ZONES}/0/0/0.mvt"])
def test_unknown_parameters_are_400s_naming_them(layers_server: LiveServer, path: str) -> None:
    # Typos a client must hear about (a misspelt bbox, a camel-case sortby).
    problem = _problem(layers_server, path, sortBy="name", bboxx="0,0,1,1")
    assert sorted(e["field"] for e in problem["errors"]) == ["bboxx", "sortBy"]


@pytest.mark.parametrize(
    "path",
    [*JSON_ENDPOINTS, "/tileMatrixSets", "/tileMatrixSets/WebMercatorQuad",
     f"/collections/{ZONES}/tiles", f"/collections/{ZONES}/tiles/WebMercatorQuad"],
)  # fmt: skip
def test_f_json_is_taken_everywhere_and_other_formats_named(
    layers_server: LiveServer, path: str
) -> None:
    # Clients add f=json to every request (the landing page's links carry it too): it is the
    # JSON answer, not an unknown parameter; a format an endpoint lacks is a 400 naming f.
    plain = httpx.get(f"{layers_server.url}{path}", timeout=30)
    asked = httpx.get(f"{layers_server.url}{path}", params={"f": "json"}, timeout=30)
    assert (plain.status_code, asked.status_code) == (200, 200)
    assert (
        asked.headers["content-type"].split(";")[0] == plain.headers["content-type"].split(";")[0]
    )
    assert "json" in asked.headers["content-type"]
    problem = _problem(layers_server, path, f="xml")
    assert [e["field"] for e in problem["errors"]] == ["f"]


def test_the_queryables_say_types_values_and_roles(layers_server: LiveServer) -> None:
    answer = httpx.get(f"{layers_server.url}/collections/{ZONES}/queryables", timeout=30)
    assert answer.headers["content-type"] == "application/schema+json"
    assert answer.headers["vary"] == "Accept"  # GDAL 3.6 asks for application/json
    properties = answer.json()["properties"]
    assert properties["lower_ft"]["type"] == "integer"
    assert properties["level"]["enum"] == [1, 2, 3]
    assert properties["valid_from"] == {
        "type": "string", "format": "date-time", "x-ogc-role": "primary-interval-start",
        "description": properties["valid_from"]["description"],
    }  # fmt: skip
    assert properties["geometry"]["x-ogc-role"] == "primary-geometry"
    assert properties["id"]["x-ogc-role"] == "id"
    assert "status" not in properties


@pytest.mark.parametrize(
    ("value", "sql"),
    [
        ("2014-01-01T/..", "valid_to IS NULL OR valid_to > '2014-01-01Z'"),
        ("2014-01-01/..", "valid_to IS NULL OR valid_to > '2014-01-01Z'"),
        ("../2015-01-01T00:00:00Z", "valid_from <= '2015-01-01Z'"),
    ],
)
def test_datetime_takes_what_gdal_sends(
    layers_server: LiveServer, database: Engine, value: str, sql: str
) -> None:
    assert _ids(layers_server, datetime=value) == _expected(database, sql)


def test_sortby_orders_pages_as_postgis_does(layers_server: LiveServer, database: Engine) -> None:
    with database.connect() as connection:
        expected = [
            row[0]
            for row in connection.execute(
                text(
                    f"SELECT id FROM {ZONES} WHERE retired_at IS NULL"
                    " ORDER BY level DESC, valid_from ASC, id"
                )
            )
        ]
    pages, offset = [], 0
    while True:
        answer = httpx.get(
            f"{layers_server.url}/collections/{ZONES}/items",
            params={"sortby": "-level,+valid_from", "limit": "25", "offset": str(offset)},
            timeout=30,
        ).json()
        pages += [f["id"] for f in answer["features"]]
        offset += 25
        if offset >= answer["numberMatched"]:
            break
    assert pages == expected


def test_properties_returns_only_those(layers_server: LiveServer) -> None:
    answer = httpx.get(
        f"{layers_server.url}/collections/{ZONES}/items",
        params={"properties": "name,level", "limit": "3"},
        timeout=30,
    ).json()
    assert [sorted(f["properties"]) for f in answer["features"]] == [["level", "name"]] * 3
    csv = httpx.get(
        f"{layers_server.url}/collections/{ZONES}/items",
        params={"properties": "name,level", "f": "csv"},
        timeout=30,
    ).text
    assert csv.splitlines()[0] == "id,wkt,name,level"  # downloads honour it too


@pytest.mark.parametrize(
    ("params", "field"),
    [({"sortby": "geometry"}, "sortby"), ({"sortby": "-nosuch"}, "sortby"),
     ({"sortby": "+-level"}, "sortby"), ({"sortby": "--level"}, "sortby"),
     ({"properties": "name,nosuch"}, "properties")],
)  # fmt: skip
def test_bad_sortby_and_properties_name_the_parameter(
    layers_server: LiveServer, params: dict[str, str], field: str
) -> None:
    problem = _problem(layers_server, f"/collections/{ZONES}/items", **params)
    assert problem["errors"][0]["field"] == field
