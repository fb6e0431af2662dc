"""GDAL (ogrinfo, ogr2ogr) as the real GIS client of the layer API, against the real server:
what QGIS does underneath. The copies are compared with what PostGIS holds."""

import subprocess
from datetime import UTC
from pathlib import Path
from typing import Any

import pyogrio  # type: ignore[import-untyped]  # pyogrio ships no stubs or py.typed
import pytest
import shapely
from sqlalchemy import Engine, create_engine, text

from app.core.layers.collections import COLLECTIONS
from tests.conftest import LiveServer

LAYERS = list(COLLECTIONS)


def _run(*args: str, debug: bool = False) -> subprocess.CompletedProcess[str]:
    command = [*args, "--debug", "on"] if debug else list(args)
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def database(loaded_database_url: str) -> Engine:
    return create_engine(loaded_database_url)


def _published(engine: Engine, layer: str) -> dict[str, dict[str, Any]]:
    """What PostGIS holds for a layer: properties and WKB geometry by id."""
    where = "WHERE status = 'verified'" if COLLECTIONS[layer].verified_only else ""
    with engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT *, ST_AsBinary(geom) AS wkb FROM {layer} {where}")
        ).mappings()
        return {row["id"]: dict(row) for row in rows}


def test_ogrinfo_lists_the_three_layers(layers_server: LiveServer) -> None:
    result = _run("ogrinfo", "-ro", "-q", f"OAPIF:{layers_server.url}/")
    assert result.returncode == 0, result.stderr
    assert "1: conflict_zones (title: Conflict zones) (Multi Polygon)" in result.stdout
    assert "2: engagement_areas" in result.stdout
    assert "3: incidents (title: Incidents) (Point)" in result.stdout


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("page_size", [None, 7])
def test_ogr2ogr_copies_each_layer_exactly(
    layers_server: LiveServer, database: Engine, tmp_path: Path, layer: str, page_size: int | None
) -> None:
    target = tmp_path / f"{layer}.gpkg"
    options = ["-oo", f"PAGE_SIZE={page_size}"] if page_size else []
    result = _run(
        "ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{layers_server.url}/", layer, *options
    )
    assert result.returncode == 0, result.stderr
    copied = pyogrio.read_dataframe(target, layer=layer)
    expected = _published(database, layer)
    assert sorted(copied["id"]) == sorted(expected)
    for _, feature in copied.iterrows():
        row = expected[feature["id"]]
        original = shapely.from_wkb(bytes(row["wkb"]))
        # The API writes 6 decimals (~0.1 m); the copy must be the same shape to that precision.
        assert shapely.equals_exact(feature.geometry, original, tolerance=1e-6), feature["id"]
        assert feature["sources"].split(" ") == row["sources"]
        for name in ("certainty", "summary", "geometry_note"):
            assert feature[name] == row[name], (feature["id"], name)
        if layer == "conflict_zones":
            assert feature["level"] == row["level"]
            assert _same_or_null(feature["upper_ft"], row["upper_ft"])
            assert _same_time(feature["valid_from"], row["valid_from"])
        if layer == "incidents":
            assert _same_time(feature["occurred_at"], row["occurred_at"])
            assert _same_or_null(feature["fatalities"], row["fatalities"])
        if layer == "engagement_areas":
            assert feature["radius_nm"] == pytest.approx(row["radius_nm"])


def _same_or_null(copied: Any, original: Any) -> bool:
    if original is None:
        return copied is None or copied != copied  # NaN for an empty number column
    return bool(copied == original)


def _same_time(copied: Any, original: Any) -> bool:
    if original is None:
        return copied is None or str(copied) in ("NaT", "None")
    return bool(copied.to_pydatetime().astimezone(UTC) == original.astimezone(UTC))


def test_spatial_filter_reaches_the_server(layers_server: LiveServer, tmp_path: Path) -> None:
    target = tmp_path / "caucasus.gpkg"
    result = _run(
        "ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{layers_server.url}/", "incidents",
        "-spat", "44", "42", "52", "45", debug=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "bbox=44" in result.stderr, "GDAL must send the bbox to the server"
    copied = pyogrio.read_dataframe(target)
    assert sorted(copied["id"]) == ["azal8243-crash", "azal8243-hit"]
