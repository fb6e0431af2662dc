"""Downloads as GIS clients open them: a URL ending in the file's name, HEAD answered as GET is
(size and type, no body), ranges of one unchanging file, and GDAL opening the GeoPackage
straight from its URL with as many features as PostGIS holds."""

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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
    ("collection", "geometry"),
    [("conflict_zones", "Multi Polygon"), ("engagement_areas", "Multi Polygon"),
     ("incidents", "Point")],
)  # fmt: skip
@pytest.mark.parametrize("fmt", ["gpkg", "fgb"])
def test_an_empty_download_keeps_its_types(
    layers_server: LiveServer, tmp_path: Path, collection: str, geometry: str, fmt: str
) -> None:
    # A filter that matches nothing still gives a file a GIS opens as the layer it is: the id
    # as text, the geometry type and the CRS declared (GDAL would guess Real, Unknown, none).
    answer = httpx.get(
        f"{layers_server.url}/collections/{collection}/items.{fmt}",
        params={"filter": "false"},
        timeout=60,
    )
    assert answer.status_code == 200
    path = tmp_path / f"empty.{fmt}"
    path.write_bytes(answer.content)
    result = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Feature Count: 0" in result.stdout
    assert f"Geometry: {geometry}" in result.stdout
    assert 'ID["OGC","CRS84"]' in result.stdout
    fields = dict(
        line.split(": ", 1) for line in result.stdout.splitlines() if line.count(": ") == 1
    )
    assert fields["id"].startswith("String")
    assert fields["valid_from" if collection != "incidents" else "occurred_at"].startswith(
        "DateTime"
    )
    if collection == "engagement_areas":
        assert fields["radius_nm"].startswith("Real")


def test_concurrent_first_downloads_get_one_writing(layers_server: LiveServer) -> None:
    # Four clients ask at once for a file not yet written: one writes it, all get its bytes
    # (two writings differ, GDAL stamps the time, and ranges of two would not fit together).
    url = f"{layers_server.url}/collections/conflict_zones/items.gpkg"
    params = {"filter": "lower_ft IS NULL AND level <> 3"}  # asked nowhere else: a new file
    with ThreadPoolExecutor(4) as pool:
        bodies = list(
            pool.map(lambda _: httpx.get(url, params=params, timeout=120).content, range(4))
        )
    assert bodies[0].startswith(b"SQLite format 3")
    assert all(body == bodies[0] for body in bodies)


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


def test_a_download_resumes_with_if_range(layers_server: LiveServer) -> None:
    # A resumed download (If-Range) gets the rest only while the file is unchanged. The ETag is
    # weak (one per data version, shared by every encoding), so RFC 9110 (13.1.5) lets If-Range
    # match on Last-Modified only: with it a 206, with the weak tag the whole file again. The
    # Last-Modified is the file's own writing, not the data's: a file written again (other
    # bytes) answers a resumption with the whole file.
    url = f"{layers_server.url}/collections/conflict_zones/items.gpkg"
    whole = httpx.get(url, timeout=60)
    assert whole.headers["etag"].startswith('W/"')
    resumed = httpx.get(
        url,
        headers={"Range": "bytes=100-", "If-Range": whole.headers["last-modified"]},
        timeout=60,
    )
    assert resumed.status_code == 206
    assert resumed.content == whole.content[100:]
    weak = httpx.get(
        url, headers={"Range": "bytes=100-", "If-Range": whole.headers["etag"]}, timeout=60
    )
    assert weak.status_code == 200
    assert weak.content == whole.content
    stale = httpx.get(
        url,
        headers={"Range": "bytes=100-", "If-Range": "Mon, 01 Jan 2024 00:00:00 GMT"},
        timeout=60,
    )
    assert stale.status_code == 200
