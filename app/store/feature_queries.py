"""SQL for the published collections: items as GeoJSON text built by PostGIS, counts, extents,
single features, streams of whole layers and vector tiles."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    DateTime,
    Select,
    Table,
    Text,
    and_,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import array

from app.core.layers.collections import Collection, Property
from app.core.layers.crs import SERVED
from app.core.layers.item_query import ItemQuery
from app.core.layers.queryables import queryables
from app.store.filter_sql import filter_condition
from app.store.tables import LAYER_TABLES

GEOJSON_DECIMALS = 6  # ~0.1 m: finer than any outline here


def _table(collection: Collection) -> Table:
    return LAYER_TABLES[collection.id]


def _moment(value: datetime | None) -> ColumnElement[Any]:
    """A bound timestamptz, or SQL NULL."""
    return literal(value, DateTime(timezone=True)) if value is not None else null()


def status_expression(collection: Collection, query: ItemQuery) -> ColumnElement[Any]:
    """A record's status at query.at (default: now) as known at query.as_of (the SQL function
    airspace_risk_status, the same rule as core/layers/lifecycle.py)."""
    table = _table(collection)
    waits = literal(collection.id == "conflict_zones")
    successor = table.alias("successor")
    replaced_at = (
        select(
            func.min(
                func.airspace_risk_takes_effect(
                    successor.c.published_at, successor.c.valid_from, successor.c.withdrawn_at,
                    waits, _moment(query.as_of),
                )
            )
        )
        # @> (not = ANY) so the GIN index on supersedes finds successors: one probe per row.
        .where(
            successor.c.supersedes.op("@>")(array([table.c.id], type_=Text)),
            successor.c.retired_at.is_(None),
        )
        .scalar_subquery()
    )  # fmt: skip
    at = _moment(query.at) if query.at is not None else func.now()
    return func.airspace_risk_status(
        table.c.published_at, table.c.valid_from, table.c.valid_to, table.c.end_basis,
        table.c.withdrawn_at, replaced_at, waits, at, _moment(query.as_of),
    )  # fmt: skip


def _property_value(
    collection: Collection, table: Table, name: str, query: ItemQuery
) -> ColumnElement[Any]:
    """The SQL expression of a published property."""
    if name == "site_lon":
        return func.ST_X(table.c.site)
    if name == "site_lat":
        return func.ST_Y(table.c.site)
    if name == "status" and collection.lifecycle:
        return status_expression(collection, query)
    if name in ("sources", "firs", "supersedes"):
        return func.array_to_string(table.c[name], " ")
    if name == "binding_for":
        return func.array_to_string(table.c[name], "; ")
    return table.c[name]


def _properties(collection: Collection, table: Table, query: ItemQuery) -> ColumnElement[str]:
    """All properties as JSON text, every key present (null when empty), in schema order."""
    pairs: list[ColumnElement[Any]] = []
    for prop in collection.properties:
        if query.returns(prop.name):
            pairs += [literal(prop.name), _property_value(collection, table, prop.name, query)]
    return func.json_build_object(*pairs).cast(Text)


def _conditions(collection: Collection, table: Table, query: ItemQuery) -> ColumnElement[bool]:
    """WHERE clause for a query (parameters bound, never formatted into SQL)."""
    clauses: list[ColumnElement[bool]] = []
    if collection.verified_only:
        clauses.append(table.c.status == "verified")
    if "retired_at" in table.c:
        clauses.append(table.c.retired_at.is_(None))
    if query.envelopes:
        clauses.append(
            or_(
                *(
                    func.ST_Intersects(table.c.geom, func.ST_MakeEnvelope(*envelope, 4326)).cast(
                        Boolean
                    )
                    for envelope in query.envelopes
                )
            )
        )
    if query.has_time:
        start_column, end_column = (table.c[name] for name in collection.temporal)
        if query.end is not None:
            clauses.append(or_(start_column.is_(None), start_column <= query.end))
        if query.start is not None:
            # A validity window ends before valid_to (as in route checks); an incident's
            # occurred_at is an instant, matched inclusively.
            instant = collection.temporal[0] == collection.temporal[1]
            after = end_column >= query.start if instant else end_column > query.start
            clauses.append(or_(end_column.is_(None), after))
    for name, value in query.equals:
        clauses.append(table.c[name] == value)
    if collection.lifecycle and query.as_of is not None:
        clauses.append(table.c.published_at <= query.as_of)
    if collection.lifecycle and query.statuses:
        clauses.append(status_expression(collection, query).in_(query.statuses))
    if query.filter is not None:
        clauses.append(filter_condition(query.filter, table, queryables(collection)))
    return and_(true(), *clauses)


def _order(table: Table, query: ItemQuery) -> list[ColumnElement[Any]]:
    """The requested sort keys (the id follows them, so pages are stable)."""
    return [table.c[name].desc() if down else table.c[name].asc() for name, down in query.sort]


def items_select(
    collection: Collection, query: ItemQuery, geometry_format: str = "geojson"
) -> Select[Any]:
    """id, geometry (GeoJSON text, WKT or WKB) and properties JSON text, in primary-key order."""
    table = _table(collection)
    crs = SERVED[query.crs]
    shape: ColumnElement[Any] = table.c.geom
    if crs.srid != 4326:
        shape = func.ST_Transform(shape, crs.srid)
    # Latitude first where the CRS says so; WKB keeps x = longitude, as GIS files store it.
    if crs.lat_first and geometry_format != "wkb":
        shape = func.ST_FlipCoordinates(shape)
    geometry = {
        "geojson": func.ST_AsGeoJSON(shape, crs.decimals),
        "wkt": func.ST_AsText(shape, crs.decimals),
        "wkb": func.ST_AsBinary(shape),
    }[geometry_format]
    return (
        select(
            table.c.id,
            geometry.label("geometry"),
            _properties(collection, table, query).label("properties"),
        )
        .where(_conditions(collection, table, query))
        .order_by(*_order(table, query), table.c.id)
    )


def fetch_items(
    connection: Connection, collection: Collection, query: ItemQuery, limit: int, offset: int
) -> list[tuple[str, str, str]]:
    """One page of items."""
    statement = items_select(collection, query).limit(limit).offset(offset)
    return [(row[0], row[1], row[2]) for row in connection.execute(statement)]


def count_items(connection: Connection, collection: Collection, query: ItemQuery) -> int:
    """The exact number of items matching a query."""
    table = _table(collection)
    statement = select(func.count()).select_from(table).where(_conditions(collection, table, query))
    return int(connection.execute(statement).scalar_one())


def fetch_item(
    connection: Connection, collection: Collection, feature_id: str, crs: str | None = None
) -> tuple[str, str, str] | None:
    """One item by id (only published ones), its geometry in `crs` (default CRS84)."""
    table = _table(collection)
    query = ItemQuery() if crs is None else ItemQuery(crs=crs)
    statement = items_select(collection, query).where(table.c.id == feature_id)
    row = connection.execute(statement).first()
    return (row[0], row[1], row[2]) if row else None


def stream_items(
    connection: Connection,
    collection: Collection,
    query: ItemQuery,
    geometry_format: str = "geojson",
    batch: int = 1000,
) -> Iterator[tuple[Any, Any, str]]:
    """Every matching item, fetched in batches from a server-side cursor (flat memory)."""
    result = connection.execution_options(stream_results=True, max_row_buffer=batch).execute(
        items_select(collection, query, geometry_format)
    )
    for row in result:
        yield row[0], row[1], row[2]


def extent(
    connection: Connection, collection: Collection
) -> tuple[tuple[float, float, float, float] | None, datetime | None, datetime | None]:
    """Bounding box of the published items and the span of their times."""
    table = _table(collection)
    start_column, end_column = (table.c[name] for name in collection.temporal)
    conditions = _conditions(collection, table, ItemQuery())
    row = connection.execute(
        select(
            func.ST_XMin(func.ST_Extent(table.c.geom)),
            func.ST_YMin(func.ST_Extent(table.c.geom)),
            func.ST_XMax(func.ST_Extent(table.c.geom)),
            func.ST_YMax(func.ST_Extent(table.c.geom)),
            func.min(start_column),
            func.max(end_column),
            func.bool_or(start_column.is_(None)),
            func.bool_or(end_column.is_(None)),
        ).where(conditions)
    ).one()
    bbox = None if row[0] is None else (row[0], row[1], row[2], row[3])
    # An open-ended feature makes the collection's interval open at that end.
    return bbox, None if row[6] else row[4], None if row[7] else row[5]


def tile_properties(collection: Collection) -> list[Property]:
    """The properties a vector tile carries (simple values; not the long texts)."""
    return [
        p
        for p in collection.properties
        if p.type in ("string", "integer", "number") and p.name not in ("summary", "geometry_note")
    ]


# A tile's grid (ST_AsMVT's extent) and its width on screen. A geometry is simplified to a
# screen pixel of its zoom before it is encoded (a pixel is 8 cells of the grid): a zone's
# vertices closer than a pixel cost one, and its edges move by about a pixel at most.
TILE_EXTENT = 4096
TILE_PIXELS = 512


def vector_tile(
    connection: Connection,
    collection: Collection,
    z: int,
    x: int,
    y: int,
    query: ItemQuery | None = None,
    properties: tuple[str, ...] | None = None,
) -> bytes:
    """A Mapbox Vector Tile of the collection (layer named after it), of the items a query keeps
    (its datetime and statuses; status taken at its `at`, else now), built by PostGIS, with
    the tile properties named (all by default; the id always)."""
    query = query or ItemQuery()
    table = _table(collection)
    envelope = func.ST_TileEnvelope(z, x, y)
    columns = [table.c.id] + [
        _property_value(collection, table, p.name, query).label(p.name)
        for p in tile_properties(collection)
        if properties is None or p.name in properties
    ]
    # A pixel in degrees of longitude (Web Mercator's x is the longitude scaled), so the
    # stored geometry is simplified before it is transformed: a third cheaper than the other
    # way round. Northwards a degree of latitude spans more pixels, so the error grows to
    # 1/cos(latitude) pixels (2 at 60°), still within a drawn line's width.
    pixel_deg = 360.0 / (2**z * TILE_PIXELS)
    # preserveCollapsed: a zone smaller than a pixel stays drawn (as a dot), never dropped.
    simplified = func.ST_Transform(func.ST_Simplify(table.c.geom, pixel_deg, True), 3857)
    tile_rows = (
        select(
            *columns,
            func.ST_AsMVTGeom(simplified, envelope, TILE_EXTENT).label("geom"),
        )
        .where(
            _conditions(collection, table, query),
            func.ST_Intersects(table.c.geom, func.ST_Transform(envelope, 4326)).cast(Boolean),
        )
        .subquery("tile_rows")
    )
    statement = select(func.ST_AsMVT(_whole_row(tile_rows), collection.id, TILE_EXTENT, "geom"))
    data = connection.execute(statement).scalar_one()
    return bytes(data or b"")


def _whole_row(subquery: Any) -> ColumnElement[Any]:
    """The whole row of a subquery as one record value (ST_AsMVT's first argument)."""
    return subquery.table_valued()  # type: ignore[no-any-return]
