"""OGC API – Tiles on the real server: the tile matrix set, each collection's tilesets and
TileJSON, and tiles that draw only what `datetime` and `status` keep — compared with the same
question asked of PostGIS (ST_TileEnvelope and the validity window, by hand in SQL)."""

import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import LiveServer

ZONES = "conflict_zones"
# z2 tile x=2, y=1 covers 0°E–90°E, 0°N–66.5°N: Ukraine, the Middle East, Afghanistan.
Z, X, Y = 2, 2, 1


def _json(server: LiveServer, path: str, **params: str) -> Any:
    answer = httpx.get(f"{server.url}{path}", params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_tile_matrix_set(layers_server: LiveServer) -> None:
    listed = _json(layers_server, "/tileMatrixSets")["tileMatrixSets"]
    assert [t["id"] for t in listed] == ["WebMercatorQuad"]
    definition = _json(layers_server, "/tileMatrixSets/WebMercatorQuad")
    assert definition["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert [m["id"] for m in definition["tileMatrices"]][:3] == ["0", "1", "2"]
    missing = httpx.get(f"{layers_server.url}/tileMatrixSets/WorldCRS84Quad", timeout=30)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "tileMatrixSetId"


def test_a_collection_has_a_tileset_and_tilejson(layers_server: LiveServer) -> None:
    links = _json(layers_server, f"/collections/{ZONES}")["links"]
    assert any(link["rel"].endswith("/tilesets-vector") for link in links)
    (tileset,) = _json(layers_server, f"/collections/{ZONES}/tiles")["tilesets"]
    assert tileset["dataType"] == "vector"
    metadata = _json(layers_server, f"/collections/{ZONES}/tiles/WebMercatorQuad")
    (layer,) = metadata["layers"]
    assert layer["propertiesSchema"]["properties"]["lower_ft"] == {"type": "integer"}
    tilejson = _json(layers_server, f"/collections/{ZONES}/tiles/WebMercatorQuad", f="tilejson")
    assert tilejson["tilejson"] == "3.0.0"
    assert tilejson["tiles"] == [
        f"{layers_server.url}/collections/{ZONES}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
    ]
    assert tilejson["vector_layers"][0]["fields"]["level"] == "integer"


def _tile(server: LiveServer, **params: str) -> bytes:
    path = f"/collections/{ZONES}/tiles/WebMercatorQuad/{Z}/{Y}/{X}"
    answer = httpx.get(f"{server.url}{path}", params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    return answer.content


def _ids(tile: bytes, folder: Path) -> set[str]:
    """The ids of the features in a tile, decoded by GDAL's MVT driver (an empty tile, no
    bytes, holds none: GDAL does not open it)."""
    if not tile:
        return set()
    return {
        line.split(" = ", 1)[1]
        for line in _ogrinfo(tile, folder, "-q").splitlines()
        if line.strip().startswith("id (String) = ")
    }


def _ogrinfo(tile: bytes, folder: Path, *options: str) -> str:
    """What GDAL's ogrinfo prints of the tile (the tile written to a file, its z/x/y given)."""
    path = folder / "tile.mvt"
    path.write_bytes(tile)
    result = subprocess.run(
        ["ogrinfo", "-ro", "-al", *options, str(path), "-oo", f"Z={Z}", "-oo", f"X={X}",
         "-oo", f"Y={Y}"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def _in_tile(loaded_database_url: str, condition: str) -> tuple[set[str], set[str]]:
    """Ids of zones in the tile that meet the condition, and those that do not."""
    engine = create_engine(loaded_database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                f"SELECT id, ({condition}) FROM {ZONES} WHERE retired_at IS NULL AND "
                f"ST_Intersects(geom, ST_Transform(ST_TileEnvelope({Z}, {X}, {Y}), 4326))"
            )
        ).all()
    engine.dispose()
    return {r[0] for r in rows if r[1]}, {r[0] for r in rows if not r[1]}


@pytest.mark.parametrize(
    ("when", "sql"),
    [
        ("2014-07-17",
         "valid_from < '2014-07-18Z' AND (valid_to IS NULL OR valid_to > '2014-07-17Z')"),
        ("2026-11-30T00:00:00Z",
         "valid_from <= '2026-11-30Z' AND (valid_to IS NULL OR valid_to > '2026-11-30Z')"),
    ],
)  # fmt: skip
def test_a_tile_draws_only_what_was_valid_then(
    layers_server: LiveServer, loaded_database_url: str, tmp_path: Path, when: str, sql: str
) -> None:
    drawn, left_out = _in_tile(loaded_database_url, sql)
    assert drawn
    assert left_out, "a date that leaves nothing out proves little"
    assert _ids(_tile(layers_server, datetime=when), tmp_path) == drawn


def test_the_xyz_and_ogc_tile_paths_agree(layers_server: LiveServer) -> None:
    xyz = httpx.get(f"{layers_server.url}/tiles/{ZONES}/{Z}/{X}/{Y}.mvt", timeout=30)
    assert xyz.content == _tile(layers_server)


def test_a_tile_replays_what_was_advised_then(layers_server: LiveServer, tmp_path: Path) -> None:
    # The map's replay: statuses taken at a past moment, and only what had been published by
    # then (as_of). The items endpoint answers the same question; the tile holds the same
    # engagement areas (those of its area). The Buk that downed MH17 was in place that day but
    # published by the JIT in 2016: drawn as known now, not as advised then.
    moment = "2014-07-17T13:00:00Z"
    asked = {"status": "in_force,lapsed_unconfirmed", "at": moment}

    def tile(**params: str) -> bytes:
        path = f"/collections/engagement_areas/tiles/WebMercatorQuad/{Z}/{Y}/{X}"
        answer = httpx.get(f"{layers_server.url}{path}", params=params, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.content

    then = _ids(tile(**asked, as_of=moment), tmp_path)
    now = _ids(tile(**asked), tmp_path)
    box = ",".join(map(str, _tile_bbox()))
    for drawn, as_of in ((then, {"as_of": moment}), (now, {})):
        items = httpx.get(
            f"{layers_server.url}/collections/engagement_areas/items",
            params={**asked, **as_of, "limit": "10000", "bbox": box},
            timeout=30,
        ).json()
        assert drawn == {f["id"] for f in items["features"]}
    assert now - then, "the Buk, published later, is drawn only as known now"


def _tile_bbox() -> tuple[float, float, float, float]:
    """The tile's lon/lat bounds (Web Mercator tile arithmetic)."""
    import math

    def lon(x: int) -> float:
        return float(x / 2**Z * 360.0 - 180.0)

    def lat(y: int) -> float:
        return float(math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2**Z)))))

    return lon(X), lat(Y + 1), lon(X + 1), lat(Y)


def test_a_tile_carries_the_properties_asked_for(layers_server: LiveServer, tmp_path: Path) -> None:
    # The map asks only for what it styles by; the same features, fewer fields (GDAL reads them).
    def fields(tile: bytes) -> set[str]:
        summary = _ogrinfo(tile, tmp_path, "-so")
        return {line.split(":", 1)[0] for line in summary.splitlines() if line.count(": ") == 1}

    lean = _tile(layers_server, properties="level")
    full = _tile(layers_server)
    assert _ids(lean, tmp_path) == _ids(full, tmp_path)
    assert {"id", "level"} <= fields(lean)
    assert "issuer" not in fields(lean)
    assert "issuer" in fields(full)
    bad = httpx.get(
        f"{layers_server.url}/tiles/{ZONES}/{Z}/{X}/{Y}.mvt", params={"properties": "colour"}
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "properties"
