"""The risk map in a browser: its page, its scripts, and the offline basemap."""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from app.settings import PROJECT_ROOT

WEB = Path(__file__).resolve().parent.parent / "web"
PAGE = WEB / "static" / "index.html"
# Installed by the set-up from the npm registry (app/web/package.json); never loaded from a CDN.
MAPLIBRE = WEB / "node_modules" / "maplibre-gl" / "dist"
SWAGGER_UI = WEB / "node_modules" / "swagger-ui-dist"
DOCS = WEB / "static" / "docs.html"
COUNTRIES = PROJECT_ROOT / "geodata" / "natural_earth" / "ne_110m_countries.geojson"

router = APIRouter(tags=["map"])


@router.get(
    "/basemap/countries.geojson",
    operation_id="basemapCountries",
    summary="Country outlines for the offline basemap (Natural Earth 1:110m, public domain)",
    response_class=FileResponse,
)
def countries() -> FileResponse:
    """The basemap: no tile server is ever asked."""
    return FileResponse(
        COUNTRIES,
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def page() -> FileResponse:
    """The map page."""
    return FileResponse(PAGE, media_type="text/html")


@router.get("/docs", include_in_schema=False)
def docs() -> FileResponse:
    """The API description in Swagger UI, served from here (it works offline)."""
    return FileResponse(DOCS, media_type="text/html")


def mount_static(app: FastAPI) -> None:
    """Serve the page's own files and the MapLibre and Swagger UI builds the set-up installed."""
    app.mount(
        "/static/vendor/maplibre",
        StaticFiles(directory=MAPLIBRE, check_dir=False),
        name="maplibre",
    )
    app.mount(
        "/static/vendor/swagger-ui",
        StaticFiles(directory=SWAGGER_UI, check_dir=False),
        name="swagger-ui",
    )
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
