"""QGIS 3.22 (Debian's `python3-qgis`, headless) against the real server: the OGC API –
Features layer, the GeoPackage download opened from its URL, the vector tiles. What QGIS reads
(tests/qgis_client.py, in Debian's Python) is compared with the same questions asked of PostGIS
directly: equal ids for the whole layer and under each expression an analyst types, typed
fields, and tiles painted where PostGIS has zones and nowhere else."""

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.conftest import LiveServer

CLIENT = Path(__file__).resolve().parent / "qgis_client.py"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, where python3-qgis installs QGIS's bindings
# The expressions of tests/qgis_client.py, as SQL on the layer's table.
EXPRESSIONS_SQL = {
    "starts_after_2022": "valid_from > '2022-01-01Z'",
    "ended_before_2020": "valid_to < '2020-01-01Z'",
    "high_floor": "lower_ft >= 32000",
    "easa_level_1": "issuer = 'EASA' AND level = 1",
    "in_force_2024_12_25": "valid_from <= '2024-12-25Z' AND (valid_to IS NULL OR "
    "valid_to > '2024-12-25Z')",
}
EXTENTS_SQL = {
    "ukraine": "ST_MakeEnvelope(22, 43, 41, 53, 4326)",
    "south_atlantic": "ST_MakeEnvelope(-30, -30, -20, -20, 4326)",
}


@pytest.fixture(scope="module")
def database(loaded_database_url: str) -> Engine:
    return create_engine(loaded_database_url)


@pytest.fixture(scope="module")
def qgis(layers_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What QGIS read, from a process of its own (QGIS wants its own application and thread)."""
    runtime = tmp_path_factory.mktemp("qgis-runtime")
    runtime.chmod(0o700)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(runtime),
           "HOME": str(runtime)}  # fmt: skip
    result = subprocess.run(
        [SYSTEM_PYTHON, str(CLIENT), layers_server.url],
        capture_output=True, text=True, timeout=600, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    read: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return read


def _ids(engine: Engine, condition: str) -> list[str]:
    """The current zones meeting an SQL condition, by id."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT id FROM conflict_zones WHERE retired_at IS NULL AND ({condition})")
        )
        return sorted(row[0] for row in rows)


@pytest.mark.parametrize("source", ["oapif", "gpkg"])
def test_qgis_reads_every_zone_and_filters_as_postgis(
    qgis: dict[str, Any], database: Engine, source: str
) -> None:
    layer = qgis[source]
    assert layer["valid"], layer.get("error")
    assert layer["ids"] == _ids(database, "true")
    for name, sql in EXPRESSIONS_SQL.items():
        expected = _ids(database, sql)
        assert expected, f"{name} matches nothing: it would prove little"
        assert layer["expressions"][name] == expected, name


def test_the_download_is_typed(qgis: dict[str, Any]) -> None:
    fields = qgis["gpkg"]["fields"]
    assert fields["lower_ft"] in ("Integer", "Integer64")
    assert fields["level"] in ("Integer", "Integer64")
    assert fields["valid_from"] == fields["valid_to"] == "DateTime"
    assert fields["permits_above"] == "Boolean"


def test_the_features_layer_is_typed(qgis: dict[str, Any]) -> None:
    # QGIS 3.22 takes an OAPIF layer's field types from its first 10 features (OGR's GeoJSON
    # reader), not from /schema: a property null in all ten (lower_ft) comes as a String there,
    # whatever the server says; its values and comparisons stay right (the expressions above).
    fields = qgis["oapif"]["fields"]
    assert fields["upper_ft"] in ("Integer", "Integer64")
    assert fields["level"] in ("Integer", "Integer64")
    assert fields["valid_from"] == fields["valid_to"] == "DateTime"
    assert fields["permits_above"] == "Boolean"


def test_a_subset_filters_the_features_layer(qgis: dict[str, Any], database: Engine) -> None:
    assert qgis["subset"]["accepted"] is True
    assert qgis["subset"]["ids"] == _ids(database, "lower_ft >= 32000")


@pytest.mark.parametrize("extent", sorted(EXTENTS_SQL))
@pytest.mark.parametrize("source", ["tiles", "oapif"])
def test_layers_paint_where_postgis_has_zones(
    qgis: dict[str, Any], database: Engine, source: str, extent: str
) -> None:
    assert qgis["tiles_valid"] is True
    zones_there = _ids(database, f"ST_Intersects(geom, {EXTENTS_SQL[extent]})")
    painted = qgis["pixels"][f"{source}_{extent}"]
    assert (painted > 0) == bool(zones_there), (painted, len(zones_there))
