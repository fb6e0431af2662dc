"""OGC API – Features endpoints: landing page, conformance, collections, items, features, and
vector tiles. Thin: parsing in parameters.py, SQL in store/feature_queries.py."""

from dataclasses import replace
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from app.api import map_page
from app.api.dependencies import EngineDep
from app.api.features.common import (
    JSON_ONLY,
    CollectionId,
    base_url,
    chosen_collection,
    conditional,
    minute,
)
from app.api.features.downloads import FORMATS, download
from app.api.features.item_parameters import (
    download_format,
    item_filter,
    item_query,
    parse_properties,
    parse_sortby,
)
from app.api.features.parameters import LimitDep, OffsetDep, bad_parameter, parse_crs
from app.api.features.queryables import SchemaResponse, property_schemas
from app.api.features.responses import (
    CRS84,
    GEOJSON,
    accepts_gzip,
    collection_chunks,
    feature_bytes,
    gzipped,
)
from app.api.features.strict import reject_unknown_parameters
from app.api.problems import FieldError, Problem
from app.api.responses import JsonResponse
from app.core.layers.collections import COLLECTIONS, FILTER_PARAMETERS, Collection
from app.core.layers.crs import SERVED, ServedCrs
from app.core.layers.vocabulary import Status
from app.store import feature_queries

router = APIRouter(tags=["features"], dependencies=[Depends(reject_unknown_parameters)])
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    # Part 3 and CQL2: what tests/test_item_filters.py and tests/test_gdal_filters.py prove.
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    # Part 2: CRS84, EPSG:4326 and EPSG:3857 (tests/test_crs.py).
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    # OGC API – Tiles: what tests/test_tiles.py proves.
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
]
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


@router.get(
    "/",
    operation_id="landingPage",
    summary="Landing page (JSON), or the map page for a browser (text/html or ?f=html)",
    responses={200: {"content": {"application/json": {}, "text/html": {}}}},
)
def landing_page(
    request: Request,
    f: Annotated[Literal["json", "html"] | None, Query(description="json or html")] = None,
) -> Response:
    """Links to the API description, conformance and the collections; browsers get the map."""
    wants_html = f == "html" or (f is None and "text/html" in request.headers.get("accept", ""))
    if wants_html:
        return map_page.page()
    base = base_url(request)
    return JsonResponse(
        {
            "title": "Airspace Risk",
            "description": "Conflict zones, air-defence engagement areas and incidents as "
            "OGC API – Features collections, and route risk checks.",
            "links": [
                {"rel": "self", "type": "application/json", "href": f"{base}/"},
                {
                    "rel": "service-desc",
                    "type": "application/vnd.oai.openapi+json;version=3.1",
                    "href": f"{base}/openapi.json",
                },
                {
                    "rel": "service-desc",
                    "type": "application/vnd.oai.openapi+json;version=3.0",
                    "href": f"{base}/openapi-3.0.json",
                },
                {"rel": "service-doc", "type": "text/html", "href": f"{base}/docs"},
                {"rel": "conformance", "type": "application/json", "href": f"{base}/conformance"},
                {"rel": "data", "type": "application/json", "href": f"{base}/collections"},
                {
                    "rel": "alternate",
                    "type": "text/html",
                    "title": "Risk map",
                    "href": f"{base}/?f=html",
                },
            ],
        }
    )


@router.get(
    "/conformance",
    operation_id="conformance",
    summary="Conformance classes",
    dependencies=[JSON_ONLY],
)
def conformance() -> JsonResponse:
    """Only the classes the tests prove (Core and GeoJSON; FastAPI's OpenAPI is 3.1, not 3.0)."""
    return JsonResponse({"conformsTo": CONFORMANCE})


def content_crs(crs: ServedCrs) -> dict[str, str]:
    """The Content-Crs header of an answer in this CRS."""
    return {"Content-Crs": f"<{crs.uri}>"}


def _collection_document(
    base: str, collection: Collection, connection: Connection
) -> dict[str, Any]:
    bbox, start, end = feature_queries.extent(connection, collection)
    href = f"{base}/collections/{collection.id}"
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": list(SERVED),
        "storageCrs": CRS84,
        "extent": {
            "spatial": {
                "bbox": [list(bbox) if bbox else [-180.0, -90.0, 180.0, 90.0]],
                "crs": CRS84,
            },
            "temporal": {
                "interval": [[_iso(start), _iso(end)]],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            },
        },
        "links": [
            {"rel": "self", "type": "application/json", "href": href},
            {"rel": "items", "type": GEOJSON, "href": f"{href}/items"},
            {"rel": "describedby", "type": "application/schema+json", "href": f"{href}/schema"},
            # GDAL (3.6) reads field types from a GeoJSON feature schema under "describedBy".
            {
                "rel": "describedBy",
                "type": "application/schema+json",
                "href": f"{href}/feature-schema",
            },
            *(
                {"rel": rel, "type": "application/schema+json", "href": f"{href}/queryables"}
                for rel in (QUERYABLES_REL, "queryables")
            ),
            *(
                {
                    "rel": "enclosure",
                    "type": media,
                    "title": f"Whole layer as {fmt}",
                    "href": f"{href}/items?f={fmt}",
                }
                for fmt, (media, _) in FORMATS.items()
            ),
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                "type": "application/json",
                "href": f"{href}/tiles",
            },
            {
                "rel": "tiles",
                "type": "application/vnd.mapbox-vector-tile",
                "href": f"{base}/tiles/{collection.id}/{{z}}/{{x}}/{{y}}.mvt",
                "templated": True,
            },
        ],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


@router.get(
    "/collections", operation_id="collections", summary="The collections", dependencies=[JSON_ONLY]
)
def collections(request: Request, engine: EngineDep) -> JsonResponse:
    """The three layers, with extents and links."""
    base = base_url(request)
    with engine.connect() as connection:
        documents = [_collection_document(base, c, connection) for c in COLLECTIONS.values()]
    return JsonResponse(
        {
            "links": [{"rel": "self", "type": "application/json", "href": f"{base}/collections"}],
            "collections": documents,
        }
    )


@router.get(
    "/collections/{collectionId}",
    operation_id="collection",
    summary="A collection",
    dependencies=[JSON_ONLY],
)
def collection(collection_id: CollectionId, request: Request, engine: EngineDep) -> JsonResponse:
    """One layer's description."""
    chosen = chosen_collection(collection_id)
    with engine.connect() as connection:
        return JsonResponse(_collection_document(base_url(request), chosen, connection))


@router.get(
    "/collections/{collectionId}/schema",
    dependencies=[JSON_ONLY],
    operation_id="collectionSchema",
    summary="JSON Schema of a collection's feature properties",
)
def collection_schema(collection_id: CollectionId, request: Request) -> SchemaResponse:
    """Every property with its type: GIS clients build their fields from it."""
    chosen = chosen_collection(collection_id)
    properties = property_schemas(chosen)
    return SchemaResponse(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{base_url(request)}/collections/{chosen.id}/schema",
            "title": chosen.title,
            "type": "object",
            "properties": properties,
        }
    )


def _link(base: str, request: Request, **changes: int) -> str:
    params = dict(request.query_params)
    params.update({k: str(v) for k, v in changes.items()})
    return f"{base}{request.url.path}?{urlencode(params)}"


@router.get(
    "/collections/{collectionId}/items",
    operation_id="items",
    summary="Items of a collection (paged GeoJSON), or the whole layer as a file with ?f=",
    responses={200: {"content": {GEOJSON: {}, **{m: {} for m, _ in FORMATS.values()}}}},
)
def items(
    collection_id: CollectionId,
    request: Request,
    engine: EngineDep,
    limit: LimitDep,
    offset: OffsetDep,
    bbox: Annotated[
        str | None,
        Query(
            description="minLon,minLat,maxLon,maxLat (or 6 numbers); minLon > maxLon crosses 180°."
        ),
    ] = None,
    datetime: Annotated[
        str | None,
        Query(
            description="Instant or interval (a/b, ../b, a/..), matched against validity "
            "(incidents: occurred_at)."
        ),
    ] = None,
    level: Annotated[int | None, Query(description="conflict_zones: 1, 2 or 3.")] = None,
    issuer: Annotated[
        str | None, Query(description="conflict_zones, engagement_areas: issuer.")
    ] = None,
    system: Annotated[str | None, Query(description="engagement_areas: system id.")] = None,
    site_basis: Annotated[
        str | None, Query(description="engagement_areas: confirmed/reported/assumed.")
    ] = None,
    threat: Annotated[str | None, Query(description="Threat key (all layers).")] = None,
    status: Annotated[
        str | None,
        Query(
            description="conflict_zones, engagement_areas: statuses to keep, comma-separated ("
            + ", ".join(s.value for s in Status)
            + "), at ?at= as known at ?as_of=."
        ),
    ] = None,
    at: Annotated[
        str | None,
        Query(description="When the status is taken (RFC 3339); default as_of, else now."),
    ] = None,
    as_of: Annotated[
        str | None,
        Query(
            description="What was known then (RFC 3339): records published later are left "
            "out, and withdrawals and successors count only if known then. Default: now."
        ),
    ] = None,
    kind: Annotated[str | None, Query(description="incidents: hit, crash or landing.")] = None,
    certainty: Annotated[str | None, Query(description="high, medium or low.")] = None,
    f: Annotated[
        Literal["json", "geojson", "gpkg", "fgb", "csv"] | None,
        Query(description="json (paged, default) or a whole-layer download."),
    ] = None,
    filter_text: Annotated[
        str | None,
        Query(
            alias="filter",
            description="A CQL2 filter on the queryables (/collections/{collectionId}/"
            "queryables): comparisons, LIKE, BETWEEN, IN, IS NULL, S_INTERSECTS and other S_ "
            "functions, T_ functions; e.g. level = 1 AND T_INTERSECTS(INTERVAL(valid_from, "
            "valid_to), INTERVAL('2024-12-25T00:00:00Z', '..')).",
        ),
    ] = None,
    # Not optional (a default instead): its enum then stands in the OpenAPI schema where GDAL
    # looks for it to learn that the server filters (3.6 looks for "cql-text").
    filter_lang: Annotated[
        Literal["cql2-text", "cql2-json", "cql-text"],
        Query(
            alias="filter-lang",
            description="cql2-text (default) or cql2-json; cql-text is read as cql2-text.",
        ),
    ] = "cql2-text",
    filter_crs: Annotated[
        str | None,
        Query(alias="filter-crs", description=f"Only {CRS84} (longitude, latitude)."),
    ] = None,
    sortby: Annotated[
        str | None,
        Query(
            description="Order by queryables, comma-separated, each + (ascending, default) or - "
            "(descending): -published_at,name. The id breaks ties, so pages are stable."
        ),
    ] = None,
    properties: Annotated[
        str | None,
        Query(description="Only these properties, comma-separated (the id and geometry always)."),
    ] = None,
    crs: Annotated[
        str | None,
        Query(description=f"The CRS of the geometries: {', '.join(SERVED)} (default CRS84)."),
    ] = None,
    bbox_crs: Annotated[
        str | None,
        Query(alias="bbox-crs", description="The CRS of bbox (default CRS84): as for crs."),
    ] = None,
) -> Response:
    """Items in primary-key order with exact numberMatched and absolute next/prev links."""
    chosen = chosen_collection(collection_id)
    filters = {"level": level, "issuer": issuer, "system": system, "site_basis": site_basis,
               "threat": threat, "kind": kind, "certainty": certainty}  # fmt: skip
    assert set(filters) == set(FILTER_PARAMETERS)
    lifecycle = {"status": status, "at": at, "as_of": as_of}
    output_crs = parse_crs("crs", crs) or SERVED[CRS84]
    query = item_query(chosen, bbox, datetime, filters, lifecycle, parse_crs("bbox-crs", bbox_crs))
    query = replace(query, crs=output_crs.uri)
    if filter_text is not None:
        query = replace(query, filter=item_filter(chosen, filter_text, filter_lang, filter_crs))
    elif filter_crs is not None:
        raise bad_parameter("filter-crs", "applies to a filter; there is none")
    query = replace(
        query, sort=parse_sortby(chosen, sortby), properties=parse_properties(chosen, properties)
    )
    fmt = download_format(request, f)
    base = base_url(request)
    with engine.connect() as connection:
        # A status taken "now" changes with the clock, not only with the data: the minute is
        # part of the tag, so a cached page is at most a minute behind.
        clock = "" if query.at is not None or not chosen.lifecycle else minute()
        # A download is the whole matching layer: paging does not change it, nor the order of
        # the parameters, so neither changes its tag (nor the file kept for it).
        asked = request.query_params.multi_items()
        if fmt is not None:
            asked = sorted((k, v) for k, v in asked if k not in ("limit", "offset", "f"))
        cache, unchanged = conditional(
            connection, request, f"{chosen.id}-{fmt or 'page'}-{urlencode(asked)}{clock}"
        )
        if unchanged is not None:
            return unchanged
        if fmt is None:
            rows = feature_queries.fetch_items(connection, chosen, query, limit, offset)
            matched = feature_queries.count_items(connection, chosen, query)
    if fmt is not None:
        # After the connection above is back in the pool: a download takes one of its own
        # only while it writes its file.
        return download(engine, chosen, query, fmt, cache, accepts_gzip(request))
    links = [
        {"rel": "self", "type": GEOJSON, "href": _link(base, request, limit=limit, offset=offset)},
        {
            "rel": "collection",
            "type": "application/json",
            "href": f"{base}/collections/{chosen.id}",
        },
    ]
    if offset + len(rows) < matched:
        links.append(
            {
                "rel": "next",
                "type": GEOJSON,
                "href": _link(base, request, limit=limit, offset=offset + limit),
            }
        )
    if offset > 0:
        links.append(
            {
                "rel": "prev",
                "type": GEOJSON,
                "href": _link(base, request, limit=limit, offset=max(offset - limit, 0)),
            }
        )
    members = (
        b',"numberMatched":' + str(matched).encode()
        + b',"numberReturned":' + str(len(rows)).encode()
        + b',"links":' + orjson.dumps(links)
    )  # fmt: skip
    body, headers = gzipped(
        request, b"".join(collection_chunks(rows, members)), {**cache, **content_crs(output_crs)}
    )
    return Response(body, media_type=GEOJSON, headers=headers)


@router.get(
    "/collections/{collectionId}/items/{featureId}",
    operation_id="feature",
    summary="One feature",
    responses={200: {"content": {GEOJSON: {}}}},
)
def feature(
    collection_id: CollectionId,
    feature_id: Annotated[str, Path(alias="featureId", max_length=128)],
    request: Request,
    engine: EngineDep,
    crs: Annotated[
        str | None,
        Query(description=f"The CRS of the geometry: {', '.join(SERVED)} (default CRS84)."),
    ] = None,
    f: Annotated[
        Literal["json", "geojson"] | None, Query(description="json or geojson (the same).")
    ] = None,
) -> Response:
    """A single published feature by id."""
    chosen = chosen_collection(collection_id)
    output_crs = parse_crs("crs", crs) or SERVED[CRS84]
    with engine.connect() as connection:
        clock = minute() if chosen.lifecycle else ""
        tag = f"{chosen.id}-{feature_id}-{output_crs.uri}{clock}"
        cache, unchanged = conditional(connection, request, tag)
        if unchanged is not None:
            return unchanged
        row = feature_queries.fetch_item(connection, chosen, feature_id, output_crs.uri)
    if row is None:
        raise Problem(
            404, f"no feature {feature_id!r} in {chosen.id}", "not-found",
            errors=[FieldError("featureId", "unknown feature")],
        )  # fmt: skip
    base = base_url(request)
    links = orjson.dumps(
        [
            {
                "rel": "self",
                "type": GEOJSON,
                "href": f"{base}/collections/{chosen.id}/items/{row[0]}",
            },
            {
                "rel": "collection",
                "type": "application/json",
                "href": f"{base}/collections/{chosen.id}",
            },
        ]
    )
    body, headers = gzipped(
        request,
        feature_bytes(*row)[:-1] + b',"links":' + links + b"}",
        {**cache, **content_crs(output_crs)},
    )
    return Response(body, media_type=GEOJSON, headers=headers)
