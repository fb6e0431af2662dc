"""GDAL's -where and -spat against the real server, as an analyst uses them: GDAL sends what it
can as a CQL2 filter (it reads the queryables and the filter-lang enum) or a bbox, and every
answer is compared with the same question asked of PostGIS directly — equal ids, so equal
counts — and the fields come typed (lower_ft an Integer, valid_from a DateTime)."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine

from tests.conftest import LiveServer
from tests.postgis_truth import published_ids

# (layer, GDAL -where, the same condition in SQL on the layer's table, sent to the server?)
WHERES = [
    ("conflict_zones", "valid_from > '2022-01-01T00:00:00Z'", "valid_from > '2022-01-01Z'"),
    ("conflict_zones", "valid_to < '2020-01-01T00:00:00Z'", "valid_to < '2020-01-01Z'"),
    ("conflict_zones", "valid_to IS NULL", "valid_to IS NULL"),
    ("conflict_zones", "lower_ft >= 32000", "lower_ft >= 32000"),
    ("conflict_zones", "upper_ft < 32000 AND level = 1", "upper_ft < 32000 AND level = 1"),
    ("conflict_zones", "issuer = 'EASA'", "issuer = 'EASA'"),
    ("conflict_zones", "name LIKE '%Iran%'", "name LIKE '%Iran%'"),
    ("conflict_zones", "level = 2 OR certainty = 'low'", "level = 2 OR certainty = 'low'"),
    ("incidents", "occurred_at > '2014-01-01'", "occurred_at > '2014-01-01Z'"),
    ("incidents", "fatalities >= 100", "fatalities >= 100"),
]


@pytest.fixture(scope="module")
def database(loaded_database_url: str) -> Engine:
    return create_engine(loaded_database_url)


def _ids_from_gdal(server: LiveServer, layer: str, *options: str) -> tuple[list[str], str]:
    """The ids GDAL reads with these options, and its debug log (the requests it made)."""
    result = subprocess.run(
        ["ogr2ogr", "-f", "CSV", "/vsistdout/", f"OAPIF:{server.url}/", layer, "-select", "id",
         *options, "--debug", "on"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return sorted(result.stdout.splitlines()[1:]), result.stderr


@pytest.mark.parametrize(("layer", "where", "sql"), WHERES)
def test_where_gives_what_postgis_gives(
    layers_server: LiveServer, database: Engine, layer: str, where: str, sql: str
) -> None:
    ids, log = _ids_from_gdal(layers_server, layer, "-where", where)
    expected = published_ids(database, layer, sql)
    assert ids == expected
    # The filter went to the server (as CQL2 text), not evaluated on everything downloaded.
    assert "filter-lang=cql-text" in log


def test_a_date_filter_is_not_an_intersection(layers_server: LiveServer, database: Engine) -> None:
    # GDAL without CQL2 sent datetime=2022-01-01T00:00:00Z/.. (validity intersecting 2022 on):
    # more zones than start after 2022. The filter asks what the analyst asked.
    ids, _ = _ids_from_gdal(layers_server, "conflict_zones", "-where", WHERES[0][1])
    intersecting = published_ids(
        database, "conflict_zones", "valid_to IS NULL OR valid_to > '2022-01-01Z'"
    )
    assert set(ids) < set(intersecting)


def test_spat_gives_what_postgis_gives(layers_server: LiveServer, database: Engine) -> None:
    ids, log = _ids_from_gdal(layers_server, "conflict_zones", "-spat", "30", "45", "40", "52")
    expected = published_ids(
        database, "conflict_zones", "ST_Intersects(geom, ST_MakeEnvelope(30, 45, 40, 52, 4326))"
    )
    assert ids == expected
    assert "bbox=30" in log


def test_fields_are_typed(layers_server: LiveServer) -> None:
    result = subprocess.run(
        ["ogrinfo", "-ro", "-so", f"OAPIF:{layers_server.url}/", "conflict_zones"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    fields = dict(
        line.split(": ", 1) for line in result.stdout.splitlines() if line.count(": ") == 1
    )
    assert fields["lower_ft"].startswith("Integer")
    assert fields["level"].startswith("Integer")
    assert fields["valid_from"].startswith("DateTime")
    assert fields["permits_above"].startswith("Integer(Boolean)")


@pytest.mark.parametrize("fmt", ["gpkg", "fgb"])
def test_downloads_keep_types(layers_server: LiveServer, tmp_path: Path, fmt: str) -> None:
    path = str(tmp_path / f"zones.{fmt}")
    answer = httpx.get(
        f"{layers_server.url}/collections/conflict_zones/items", params={"f": fmt}, timeout=120
    )
    assert answer.status_code == 200
    with open(path, "wb") as handle:
        handle.write(answer.content)
    result = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", path], capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    fields = dict(
        line.split(": ", 1) for line in result.stdout.splitlines() if line.count(": ") == 1
    )
    assert fields["lower_ft"].startswith("Integer")
    assert fields["valid_from"].startswith("DateTime")
    assert fields["permits_above"].startswith("Integer(Boolean)")
    if fmt == "gpkg":
        with sqlite3.connect(path) as database:
            # GeoPackage 1.3 (10300): GDAL's default 1.4 makes QGIS warn.
            assert database.execute("PRAGMA user_version").fetchone() == (10300,)


def test_geopandas_reads_typed_columns_and_filters_on_the_server(
    layers_server: LiveServer, database: Engine
) -> None:
    # geopandas through GDAL (pyogrio), as analysts read a layer into a notebook; in a process
    # of its own, since GDAL holds this process's lock while it waits for the server here.
    script = (
        "import json, sys, geopandas\n"
        "frame = geopandas.read_file(sys.argv[1], layer='conflict_zones', engine='pyogrio',"
        " where='level = 1')\n"
        "floors = [v for v in frame['upper_ft'].tolist() if v == v and v is not None]\n"
        "print(json.dumps({'ids': sorted(frame['id']), 'floors': floors,"
        " 'valid_from': str(frame['valid_from'].dtype)}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, f"OAPIF:{layers_server.url}/"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout.strip().splitlines()[-1])
    # Integers (ceilings) arrive as integers, not text; times as times; only what PostGIS matches.
    assert read["floors"]
    assert all(isinstance(v, int | float) and float(v).is_integer() for v in read["floors"])
    assert read["valid_from"].startswith("datetime64")
    assert read["ids"] == published_ids(database, "conflict_zones", "level = 1")
