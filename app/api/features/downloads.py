"""Whole-layer downloads: GeoJSON and CSV streamed with flat memory; GeoPackage and FlatGeobuf
written by GDAL (pyogrio) to a temporary file."""

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import geopandas
import orjson
import shapely
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy import Engine
from starlette.background import BackgroundTask

from app.api.features.responses import CONTENT_CRS, GEOJSON, collection_chunks
from app.core.layers.collections import Collection
from app.core.layers.item_query import ItemQuery
from app.store.feature_queries import stream_items

FORMATS = {
    "geojson": (GEOJSON, "geojson"),
    "csv": ("text/csv", "csv"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "fgb": ("application/flatgeobuf", "fgb"),
}
DRIVERS = {"gpkg": "GPKG", "fgb": "FlatGeobuf"}


def _attachment(collection: Collection, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{collection.id}.{extension}"'}


def _rows(engine: Engine, collection: Collection, query: ItemQuery, fmt: str) -> Iterator[Any]:
    """Rows from a server-side cursor; the connection lives as long as the stream."""
    with engine.connect() as connection:
        yield from stream_items(connection, collection, query, fmt)


def _csv_lines(engine: Engine, collection: Collection, query: ItemQuery) -> Iterator[bytes]:
    """CSV: id, geometry as WKT, then one column per property (arrays as JSON)."""
    names = [p.name for p in collection.properties]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "wkt", *names])
    for feature_id, wkt, properties in _rows(engine, collection, query, "wkt"):
        values = orjson.loads(properties)
        writer.writerow([feature_id, wkt, *(_cell(values.get(name)) for name in names)])
        if buffer.tell() > 65_536:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _cell(value: Any) -> Any:
    """A CSV or GDAL field value: lists become JSON text."""
    return orjson.dumps(value).decode() if isinstance(value, list) else value


def download(
    engine: Engine, collection: Collection, query: ItemQuery, fmt: str, headers: dict[str, str]
) -> StreamingResponse | FileResponse:
    """The whole (filtered) layer in a file format, with a file name."""
    media_type, extension = FORMATS[fmt]
    headers = {**headers, **_attachment(collection, extension)}
    if fmt == "geojson":
        rows = _rows(engine, collection, query, "geojson")
        return StreamingResponse(
            collection_chunks(rows), media_type=media_type, headers={**headers, **CONTENT_CRS}
        )
    if fmt == "csv":
        return StreamingResponse(
            _csv_lines(engine, collection, query), media_type=media_type, headers=headers
        )
    path = _write_with_gdal(engine, collection, query, DRIVERS[fmt], extension)
    return FileResponse(
        path, media_type=media_type, headers=headers, background=BackgroundTask(os.unlink, path)
    )


def _write_with_gdal(
    engine: Engine, collection: Collection, query: ItemQuery, driver: str, extension: str
) -> str:
    """Write the layer with GDAL to a temporary file and return its path."""
    ids: list[str] = []
    geometries: list[Any] = []
    records: list[dict[str, Any]] = []
    for feature_id, wkb, properties in _rows(engine, collection, query, "wkb"):
        ids.append(feature_id)
        geometries.append(bytes(wkb))
        values = orjson.loads(properties)
        records.append({name: _cell(value) for name, value in values.items()})
    frame = geopandas.GeoDataFrame(
        records or None,
        columns=[p.name for p in collection.properties],
        geometry=shapely.from_wkb(geometries) if geometries else [],
        crs="OGC:CRS84",
    )
    frame.insert(0, "id", ids)
    handle, path = tempfile.mkstemp(suffix=f".{extension}")
    os.close(handle)
    os.unlink(path)  # GDAL creates the file itself
    frame.to_file(path, driver=driver, layer=collection.id, engine="pyogrio")
    return path
