"""OGC API – Tiles for the layers as vector tiles (Mapbox Vector Tiles built by PostGIS) on the
WebMercatorQuad tile matrix set (its definition from `morecantile`): tile matrix sets, each
collection's tileset list and tileset (and TileJSON for web maps), and tiles that take the
items' `datetime` and `status` (expired advisories need not be drawn)."""

from functools import cache
from typing import Annotated, Any, Literal

import morecantile
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from app.api.dependencies import EngineDep
from app.api.features.common import (
    JSON_ONLY,
    CollectionId,
    base_url,
    chosen_collection,
    conditional,
    minute,
)
from app.api.features.item_parameters import item_query
from app.api.features.parameters import bad_parameter
from app.api.features.strict import reject_unknown_parameters
from app.api.problems import FieldError, Problem
from app.api.responses import JsonResponse
from app.core.layers.collections import Collection
from app.core.layers.vocabulary import Status
from app.store import feature_queries

router = APIRouter(tags=["tiles"], dependencies=[Depends(reject_unknown_parameters)])
MATRIX_SET = "WebMercatorQuad"
MATRIX_SET_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22
TILESETS_REL = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
TilingScheme = Annotated[
    str, Path(alias="tileMatrixSetId", description="WebMercatorQuad (the only one served).")
]
Datetime = Annotated[
    str | None,
    Query(description="Only items whose validity (incidents: occurred_at) meets this instant or "
          "interval, as for items."),
]  # fmt: skip
StatusParam = Annotated[
    str | None,
    Query(description="conflict_zones, engagement_areas: statuses to draw, comma-separated ("
          + ", ".join(s.value for s in Status) + "), taken at `at` (now by default)."),
]  # fmt: skip
AtParam = Annotated[
    str | None,
    Query(description="conflict_zones, engagement_areas: when `status` is taken (RFC 3339)."),
]
TilePropertiesParam = Annotated[
    str | None,
    Query(description="Which properties the tile's features carry, comma-separated (all by "
          "default; the id always): a map that styles by two needs no more."),
]  # fmt: skip
AsOfParam = Annotated[
    str | None,
    Query(description="conflict_zones, engagement_areas: only what had been published by "
          "then, as items' as_of (a replay 'as advised then')."),
]  # fmt: skip


@cache
def _matrix_set() -> dict[str, Any]:
    """The WebMercatorQuad definition (OGC 17-083r4), from morecantile."""
    definition: dict[str, Any] = morecantile.tms.get(MATRIX_SET).model_dump(
        mode="json", exclude_none=True
    )
    return definition


def _scheme(tile_matrix_set_id: str) -> None:
    """A 404 naming the parameter for any tile matrix set but WebMercatorQuad."""
    if tile_matrix_set_id != MATRIX_SET:
        raise Problem(
            404, f"no tile matrix set {tile_matrix_set_id!r}; there is {MATRIX_SET}", "not-found",
            errors=[FieldError("tileMatrixSetId", "unknown tile matrix set")],
        )  # fmt: skip


@router.get(
    "/tileMatrixSets",
    operation_id="tileMatrixSets",
    summary="Tile matrix sets",
    dependencies=[JSON_ONLY],
)
def tile_matrix_sets(request: Request) -> JsonResponse:
    """The one tile matrix set served."""
    href = f"{base_url(request)}/tileMatrixSets/{MATRIX_SET}"
    return JsonResponse(
        {"tileMatrixSets": [{"id": MATRIX_SET, "title": _matrix_set()["title"],
                             "uri": MATRIX_SET_URI,
                             "links": [{"rel": "self", "type": "application/json",
                                        "href": href}]}]}
    )  # fmt: skip


@router.get(
    "/tileMatrixSets/{tileMatrixSetId}",
    dependencies=[JSON_ONLY],
    operation_id="tileMatrixSet",
    summary="A tile matrix set's definition",
)
def tile_matrix_set(tile_matrix_set_id: TilingScheme) -> JsonResponse:
    """WebMercatorQuad in the OGC tile matrix set JSON encoding."""
    _scheme(tile_matrix_set_id)
    return JsonResponse(_matrix_set())


def _tileset_links(base: str, collection: Collection) -> list[dict[str, Any]]:
    """The links of a collection's tileset."""
    href = f"{base}/collections/{collection.id}/tiles/{MATRIX_SET}"
    return [
        {"rel": "self", "type": "application/json", "href": href},
        {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "type": "application/json",
         "href": f"{base}/tileMatrixSets/{MATRIX_SET}"},
        {"rel": "item", "type": MVT, "templated": True,
         "href": f"{href}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"},
        {"rel": "alternate", "type": "application/vnd.mapbox.tile+json", "title": "TileJSON",
         "href": f"{href}?f=tilejson"},
    ]  # fmt: skip


@router.get(
    "/collections/{collectionId}/tiles",
    dependencies=[JSON_ONLY],
    operation_id="collectionTilesets",
    summary="A collection's vector tilesets",
)
def tilesets(collection_id: CollectionId, request: Request) -> JsonResponse:
    """The one vector tileset (WebMercatorQuad) of a collection."""
    collection = chosen_collection(collection_id)
    base = base_url(request)
    return JsonResponse(
        {"tilesets": [{"title": collection.title, "dataType": "vector", "crs":
                       "http://www.opengis.net/def/crs/EPSG/0/3857",
                       "tileMatrixSetURI": MATRIX_SET_URI,
                       "links": _tileset_links(base, collection)}]}
    )  # fmt: skip


@router.get(
    "/collections/{collectionId}/tiles/{tileMatrixSetId}",
    operation_id="collectionTileset",
    summary="A collection's vector tileset (OGC tileset metadata, or TileJSON with f=tilejson)",
)
def tileset(
    collection_id: CollectionId,
    tile_matrix_set_id: TilingScheme,
    request: Request,
    engine: EngineDep,
    f: Annotated[Literal["json", "tilejson"] | None, Query(description="json or tilejson")] = None,
) -> JsonResponse:
    """The tileset: its layer, the properties each tile carries, its zoom levels and bounds."""
    collection = chosen_collection(collection_id)
    _scheme(tile_matrix_set_id)
    base = base_url(request)
    fields = {p.name: p.type for p in feature_queries.tile_properties(collection)}
    layer = {"id": collection.id, "title": collection.title, "dataType": "vector",
             "minTileMatrix": "0", "maxTileMatrix": str(MAX_ZOOM),
             "propertiesSchema": {"type": "object", "properties": {
                 name: {"type": kind} for name, kind in fields.items()}}}  # fmt: skip
    if f == "tilejson":
        with engine.connect() as connection:
            bbox, _, _ = feature_queries.extent(connection, collection)
        return JsonResponse(
            {"tilejson": "3.0.0", "name": collection.title, "description": collection.description,
             "tiles": [f"{base}/collections/{collection.id}/tiles/{MATRIX_SET}/{{z}}/{{y}}/{{x}}"],
             "minzoom": 0, "maxzoom": MAX_ZOOM,
             "bounds": list(bbox) if bbox else [-180.0, -85.0511, 180.0, 85.0511],
             "vector_layers": [{"id": collection.id, "fields": fields, "minzoom": 0,
                                "maxzoom": MAX_ZOOM}]}
        )  # fmt: skip
    return JsonResponse(
        {"title": collection.title, "dataType": "vector", "tileMatrixSetURI": MATRIX_SET_URI,
         "crs": "http://www.opengis.net/def/crs/EPSG/0/3857", "layers": [layer],
         "links": _tileset_links(base, collection)}
    )  # fmt: skip


def _tile_properties(collection: Collection, text: str | None) -> tuple[str, ...] | None:
    """properties: which of the tile properties to carry (the id always); all by default."""
    if text is None:
        return None
    carried = [p.name for p in feature_queries.tile_properties(collection)]
    chosen = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in chosen if name not in carried]
    if unknown:
        raise bad_parameter(
            "properties", f"not in {collection.id}'s tiles: {', '.join(unknown)} "
            f"(they carry {', '.join(carried)})",
        )  # fmt: skip
    return chosen


def tile_response(
    request: Request, engine: Engine, collection: Collection, z: int, x: int, y: int,
    datetime: str | None, status: str | None, names: tuple[str, str] = ("tileCol", "tileRow"),
    at: str | None = None, as_of: str | None = None, properties: str | None = None,
) -> Response:  # fmt: skip
    """One vector tile of the items a datetime and status keep; cacheable, revalidated by ETag
    (`names`: the path's names for x and y, for the 400 when one is beyond the zoom's grid)."""
    if x >= 2**z or y >= 2**z:
        raise bad_parameter(
            names[0] if x >= 2**z else names[1], f"must be below {2**z} at zoom {z}"
        )
    lifecycle = {"status": status, "at": at, "as_of": as_of}
    query = item_query(collection, None, datetime, {}, lifecycle)
    chosen = _tile_properties(collection, properties)
    with engine.connect() as connection:
        clock = minute() if collection.lifecycle else ""
        tag = f"{collection.id}-{z}-{x}-{y}-{datetime}-{status}-{at}-{as_of}-{chosen}{clock}"
        cache_headers, unchanged = conditional(connection, request, tag)
        if unchanged is not None:
            return unchanged
        data = feature_queries.vector_tile(connection, collection, z, x, y, query, chosen)
    headers = {**cache_headers, "Cache-Control": "public, max-age=60"}
    return Response(data, media_type=MVT, headers=headers)


@router.get(
    "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    operation_id="collectionTile",
    summary="A vector tile of a collection",
    responses={200: {"content": {MVT: {}}}},
)
def collection_tile(
    collection_id: CollectionId,
    tile_matrix_set_id: TilingScheme,
    tile_matrix: Annotated[int, Path(alias="tileMatrix", ge=0, le=MAX_ZOOM)],
    tile_row: Annotated[int, Path(alias="tileRow", ge=0)],
    tile_col: Annotated[int, Path(alias="tileCol", ge=0)],
    request: Request,
    engine: EngineDep,
    datetime: Datetime = None,
    status: StatusParam = None,
    at: AtParam = None,
    as_of: AsOfParam = None,
    properties: TilePropertiesParam = None,
) -> Response:
    """A Mapbox Vector Tile built by PostGIS."""
    collection = chosen_collection(collection_id)
    _scheme(tile_matrix_set_id)
    return tile_response(
        request, engine, collection, tile_matrix, tile_col, tile_row, datetime, status,
        at=at, as_of=as_of, properties=properties,
    )  # fmt: skip


@router.get(
    "/tiles/{collectionId}/{z}/{x}/{y}.mvt",
    operation_id="vectorTile",
    summary="A vector tile of a collection, XYZ form (the map page uses it)",
    responses={200: {"content": {MVT: {}}}},
)
def vector_tile(
    collection_id: CollectionId,
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    request: Request,
    engine: EngineDep,
    datetime: Datetime = None,
    status: StatusParam = None,
    at: AtParam = None,
    as_of: AsOfParam = None,
    properties: TilePropertiesParam = None,
) -> Response:
    """The same tile as /collections/{collectionId}/tiles/WebMercatorQuad/{z}/{y}/{x}."""
    collection = chosen_collection(collection_id)
    return tile_response(
        request,
        engine,
        collection,
        z,
        x,
        y,
        datetime,
        status,
        ("x", "y"),
        at,
        as_of,
        properties,
    )
