"""OGC API – Features Part 2 on the real server: geometries in CRS84, EPSG:4326 (latitude
first) and EPSG:3857, and bbox in each; every answer compared with PostGIS transforming the same
rows itself (ST_Transform, ST_FlipCoordinates written by hand in SQL)."""

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from tests.conftest import LiveServer

INCIDENTS = "/collections/incidents/items"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@pytest.fixture(scope="module")
def database(loaded_database_url: str) -> Engine:
    return create_engine(loaded_database_url)


def _points(engine: Engine, sql_geometry: str) -> dict[str, list[float]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                f"SELECT id, ST_AsGeoJSON({sql_geometry}) FROM incidents WHERE status = 'verified'"
            )
        )
        return {row[0]: json.loads(row[1])["coordinates"] for row in rows}


@pytest.mark.parametrize(
    ("crs", "sql"),
    [
        (CRS84, "geom"),
        (f"{EPSG}4326", "ST_FlipCoordinates(geom)"),
        (f"{EPSG}3857", "ST_Transform(geom, 3857)"),
        ("EPSG:3857", "ST_Transform(geom, 3857)"),
    ],
)
def test_geometries_in_each_crs(
    layers_server: LiveServer, database: Engine, crs: str, sql: str
) -> None:
    answer = httpx.get(f"{layers_server.url}{INCIDENTS}", params={"crs": crs}, timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-crs"] == f"<{crs if crs.startswith('http') else EPSG + '3857'}>"
    got = {f["id"]: f["geometry"]["coordinates"] for f in answer.json()["features"]}
    expected = _points(database, sql)
    assert got.keys() == expected.keys()
    for feature_id, (x, y) in expected.items():
        assert got[feature_id] == pytest.approx([x, y], abs=0.1 if "3857" in crs else 1e-6)


def test_a_feature_in_a_crs(layers_server: LiveServer, database: Engine) -> None:
    answer = httpx.get(
        f"{layers_server.url}{INCIDENTS}/azal8243-crash", params={"crs": f"{EPSG}3857"}, timeout=30
    )
    expected = _points(database, "ST_Transform(geom, 3857)")["azal8243-crash"]
    assert answer.json()["geometry"]["coordinates"] == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize(
    ("bbox", "bbox_crs", "sql_box"),
    [
        # The Caucasus in each CRS: lon/lat, lat/lon, and Web Mercator metres of the same box.
        ("44,42,52,45", CRS84, "ST_MakeEnvelope(44, 42, 52, 45, 4326)"),
        ("42,44,45,52", f"{EPSG}4326", "ST_MakeEnvelope(44, 42, 52, 45, 4326)"),
        (
            "4898057,5160979,5788613,5621521",
            f"{EPSG}3857",
            "ST_Transform(ST_MakeEnvelope(4898057, 5160979, 5788613, 5621521, 3857), 4326)",
        ),
    ],
)
def test_bbox_in_each_crs(
    layers_server: LiveServer, database: Engine, bbox: str, bbox_crs: str, sql_box: str
) -> None:
    answer = httpx.get(
        f"{layers_server.url}{INCIDENTS}", params={"bbox": bbox, "bbox-crs": bbox_crs}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    with database.connect() as connection:
        expected = sorted(
            row[0]
            for row in connection.execute(
                text(
                    "SELECT id FROM incidents WHERE status = 'verified' AND "
                    f"ST_Intersects(geom, {sql_box})"
                )
            )
        )
    assert expected
    assert sorted(f["id"] for f in answer.json()["features"]) == expected


def test_the_collection_says_its_crs(layers_server: LiveServer) -> None:
    collection: dict[str, Any] = httpx.get(
        f"{layers_server.url}/collections/incidents", timeout=30
    ).json()
    assert collection["storageCrs"] == CRS84
    assert collection["crs"] == [CRS84, f"{EPSG}4326", f"{EPSG}3857"]


@pytest.mark.parametrize("parameter", ["crs", "bbox-crs"])
def test_an_unserved_crs_is_a_400(layers_server: LiveServer, parameter: str) -> None:
    answer = httpx.get(
        f"{layers_server.url}{INCIDENTS}",
        params={parameter: f"{EPSG}32636", "bbox": "0,0,1,1"},
        timeout=30,
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == parameter
