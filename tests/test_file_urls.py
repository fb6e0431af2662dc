"""Downloads as GIS clients open them: a URL ending in the file's name, HEAD answered as GET is
(size and type, no body), ranges of one unchanging file, and GDAL opening the GeoPackage
straight from its URL with as many features as PostGIS holds."""

import subprocess

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import LiveServer


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/collections",
        "/collections/incidents/items",
        "/collections/incidents/items.csv",
        "/collections/conflict_zones/queryables",
        "/healthz",
        "/v1/navdata",
    ],
)
def test_head_answers_as_get_without_a_body(layers_server: LiveServer, path: str) -> None:
    got = httpx.get(f"{layers_server.url}{path}", timeout=60)
    head = httpx.head(f"{layers_server.url}{path}", timeout=60)
    assert (head.status_code, got.status_code) == (200, 200)
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.content == b""
    if "content-length" in got.headers:
        assert head.headers["content-length"] == got.headers["content-length"]


@pytest.mark.parametrize("fmt", ["gpkg", "fgb", "csv", "geojson"])
def test_a_url_may_end_in_the_file_name(layers_server: LiveServer, fmt: str) -> None:
    base = f"{layers_server.url}/collections/incidents/items"
    named = httpx.get(f"{base}.{fmt}", params={"kind": "hit"}, timeout=60)
    asked = httpx.get(base, params={"kind": "hit", "f": fmt}, timeout=60)
    assert named.status_code == 200
    assert named.headers["content-type"] == asked.headers["content-type"]
    assert named.headers["content-disposition"] == f'attachment; filename="incidents.{fmt}"'
    if fmt in ("gpkg", "fgb"):
        # One writing per data version and query: the same bytes every time.
        assert named.content == asked.content


def test_gdal_opens_the_geopackage_from_its_url(
    layers_server: LiveServer, loaded_database_url: str
) -> None:
    url = f"/vsicurl/{layers_server.url}/collections/conflict_zones/items.gpkg"
    result = subprocess.run(
        ["ogrinfo", "-ro", "-so", url, "conflict_zones"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    count = int(result.stdout.split("Feature Count: ")[1].split()[0])
    engine = create_engine(loaded_database_url)
    with engine.connect() as connection:
        expected = connection.execute(
            text("SELECT count(*) FROM conflict_zones WHERE retired_at IS NULL")
        ).scalar_one()
    engine.dispose()
    assert count == expected
    ranged = httpx.get(
        f"{layers_server.url}/collections/conflict_zones/items.gpkg",
        headers={"Range": "bytes=0-15"},
        timeout=60,
    )
    assert ranged.status_code == 206
    assert ranged.content == b"SQLite format 3\x00"


@pytest.mark.parametrize(
    "path",
    [
        "/collections/conflict_zones/items?limit=50",
        "/collections/conflict_zones/items/ukraine-easa-czib-2022-01-r14",
        "/collections/conflict_zones/items.geojson",
    ],
)
def test_json_and_geojson_come_gzipped_to_clients_that_take_it(
    layers_server: LiveServer, path: str
) -> None:
    plain = httpx.get(f"{layers_server.url}{path}", headers={"Accept-Encoding": "identity"})
    packed = httpx.get(f"{layers_server.url}{path}", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    # httpx undoes the gzip: the same document, sent in fewer bytes.
    assert packed.json() == plain.json()
    assert packed.num_bytes_downloaded < plain.num_bytes_downloaded / 2
