"""The map page in a real headless browser (Debian's Chromium, driven by playwright-core)."""

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from app.settings import PROJECT_ROOT
from tests.conftest import LiveServer

WEB = PROJECT_ROOT / "app" / "web"
SCRIPT = PROJECT_ROOT / "tests" / "browser" / "map_page.mjs"
DOCS_SCRIPT = PROJECT_ROOT / "tests" / "browser" / "api_docs.mjs"


def test_browsers_get_the_map_and_clients_get_json(layers_server: LiveServer) -> None:
    page = httpx.get(f"{layers_server.url}/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.headers["content-type"].startswith("text/html")
    assert "/static/vendor/leaflet/leaflet.js" in page.text
    assert "http" not in page.text.replace('href="/', "").split("<body>")[0].lower().replace(
        "http-equiv", ""
    )
    landing = httpx.get(f"{layers_server.url}/", headers={"Accept": "application/json"})
    assert landing.headers["content-type"] == "application/json"
    assert httpx.get(f"{layers_server.url}/static/vendor/leaflet/leaflet.js").status_code == 200
    basemap = httpx.get(f"{layers_server.url}/basemap/countries.geojson").json()
    assert len(basemap["features"]) > 150


def test_map_page_in_headless_chromium(layers_server: LiveServer, output_dir: Path) -> None:
    node = shutil.which("node")
    if node is None or not Path("/usr/bin/chromium").exists():
        pytest.fail("node and chromium are installed by make test's set-up; run make test")
    result = subprocess.run(
        [node, str(SCRIPT), layers_server.url, str(output_dir), str(WEB / "package.json")],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.stdout, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["problems"] == [], report["problems"]
    assert result.returncode == 0, result.stderr
    assert report["counts"]["engagement_areas"] >= 1
    assert report["counts"]["incidents"] == 20
    assert report["drawn"] > 10, "zones, circles and incidents are drawn as paths"
    categories = [row["category"] for row in report["rows"]]
    # The Pantsir-S1 area at Grozny, its site assumed: 90 × 0.6 = 54.0 (docs/scoring.md), high.
    assert categories[-1] == "high"
    assert "Pantsir" in report["rows"][-1]["why"]
    assert report["selected"] == 1
    assert (output_dir / "map.png").stat().st_size > 10_000


def test_api_docs_in_headless_chromium_offline(layers_server: LiveServer) -> None:
    # Swagger UI from the set-up's npm install: it renders with no request off this host and
    # no error under the page's Content-Security-Policy.
    node = shutil.which("node")
    if node is None or not Path("/usr/bin/chromium").exists():
        pytest.fail("node and chromium are installed by make test's set-up; run make test")
    result = subprocess.run(
        [node, str(DOCS_SCRIPT), layers_server.url, str(WEB / "package.json")],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["problems"] == []
    assert summary["title"].startswith("Airspace Risk")
    assert summary["operations"] > 20
