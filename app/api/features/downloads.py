"""Whole-layer downloads: GeoJSON and CSV written to a spooled temporary file (memory, then
disk) and GeoPackage and FlatGeobuf by GDAL (pyogrio) to a temporary file, before a byte is
sent: the database connection is back in the pool before the client reads, so clients that stop
reading hold only their own file, never a connection or a transaction."""

import contextlib
import csv
import fcntl
import hashlib
import io
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import IO, Any

import geopandas
import orjson
import pandas
import shapely
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy import Engine
from starlette.background import BackgroundTask

from app.api.features.responses import GEOJSON, collection_chunks, gzip_stream
from app.core.layers.collections import Collection, Property
from app.core.layers.crs import SERVED
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


SPOOL_IN_MEMORY_BYTES = 16 * 1024 * 1024
SEND_CHUNK_BYTES = 256 * 1024


def _rows(engine: Engine, collection: Collection, query: ItemQuery, fmt: str) -> Iterator[Any]:
    """Rows from a server-side cursor (flat memory while the file is written)."""
    with engine.connect() as connection:
        yield from stream_items(connection, collection, query, fmt)


def _spooled(chunks: Iterator[bytes]) -> IO[bytes]:
    """The whole body in a temporary file (in memory up to 16 MiB), rewound."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115
    try:
        for chunk in chunks:
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def _sent(spool: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes in chunks, closing it at the end (or when the client goes)."""
    try:
        while chunk := spool.read(SEND_CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()


def _csv_lines(engine: Engine, collection: Collection, query: ItemQuery) -> Iterator[bytes]:
    """CSV: id, geometry as WKT, then one column per property (arrays as JSON)."""
    names = [p.name for p in collection.properties if query.returns(p.name)]
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
    engine: Engine,
    collection: Collection,
    query: ItemQuery,
    fmt: str,
    headers: dict[str, str],
    gzip_ok: bool = False,
) -> StreamingResponse | FileResponse:
    """The whole (filtered) layer in a file format, with a file name (GeoJSON gzip-compressed
    for a client that takes it)."""
    media_type, extension = FORMATS[fmt]
    headers = {**headers, **_attachment(collection, extension)}
    if fmt == "geojson":
        body = _spooled(collection_chunks(_rows(engine, collection, query, "geojson")))
        sent = gzip_stream(_sent(body)) if gzip_ok else _sent(body)
        coding = {"Content-Encoding": "gzip"} if gzip_ok else {}
        return StreamingResponse(
            sent, media_type=media_type,
            headers={**headers, "Content-Crs": f"<{query.crs}>", **coding,
                     "Vary": "Accept-Encoding"},
            background=BackgroundTask(body.close),
        )  # fmt: skip
    if fmt == "csv":
        body = _spooled(_csv_lines(engine, collection, query))
        return StreamingResponse(
            _sent(body), media_type=media_type, headers=headers,
            background=BackgroundTask(body.close),
        )  # fmt: skip
    key = headers.get("ETag")
    if key is None:
        path = _write_with_gdal(engine, collection, query, DRIVERS[fmt], extension)
        return FileResponse(
            path, media_type=media_type, headers=headers,
            background=BackgroundTask(os.unlink, path),
        )  # fmt: skip
    # The same bytes for every request of one version: a client reading ranges of the file
    # (GDAL's /vsicurl/ opening a GeoPackage by URL) never mixes two writings of it.
    # The database's address is part of the name: two databases served from one host (two
    # deployments, the tests) may reach the same data version with other data; and so is the
    # writer's revision, so that files written by an older release are not served.
    database = engine.url.render_as_string(hide_password=True)
    kept = _written(f"{WRITER_REVISION}|{database}|{key}", extension)
    if not kept.exists():
        WRITTEN_DIR.mkdir(mode=0o700, exist_ok=True)
        # One writer per file across the host's workers: two writings differ in their bytes
        # (GDAL stamps the time), and a client reading ranges must never mix them.
        with open(kept.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            os.utime(lock.name)  # in use: the sweep leaves it
            if not kept.exists():
                path = _write_with_gdal(engine, collection, query, DRIVERS[fmt], extension)
                os.replace(path, kept)  # atomic: a reader sees the whole file or none
                _sweep(kept)
    # Used now: the sweep keeps it (the lock file's time says when a file was last served;
    # the file's own time stays when it was written).
    kept.with_suffix(".lock").touch()
    # Last-Modified of these bytes, not of the data: a file written again (after the sweep,
    # on another host) has other bytes, and a resumed download (If-Range) must not mix them.
    written = datetime.fromtimestamp(kept.stat().st_mtime, UTC)
    headers["Last-Modified"] = format_datetime(written, usegmt=True)
    return FileResponse(kept, media_type=media_type, headers=headers)


# Written GeoPackage/FlatGeobuf files, shared by every worker of the host, named by their ETag:
# one version of one query is written once and served with ranges as the same bytes.
WRITTEN_DIR = Path(tempfile.gettempdir()) / f"airspace-risk-downloads-{os.getuid()}"
# Bumped whenever the files written change (columns, types, GeoPackage version).
WRITER_REVISION = 2
# Files are kept this long after they were last served (a client reading ranges finishes
# well within it); older ones are deleted whenever a new one is written.
KEEP_WRITTEN_S = 3600.0


def _written(key: str, extension: str) -> Path:
    """Where the file of this ETag is kept."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return WRITTEN_DIR / f"{digest}.{extension}"


def _sweep(keep: Path) -> None:
    """Delete written files not served for KEEP_WRITTEN_S, and their locks (a response still
    sending one keeps reading its open file)."""
    cutoff = time.time() - KEEP_WRITTEN_S
    for old in WRITTEN_DIR.iterdir():
        if old == keep or old.suffix == ".lock":
            continue
        lock = old.with_suffix(".lock")
        with contextlib.suppress(OSError):
            used = max(old.stat().st_mtime, lock.stat().st_mtime if lock.exists() else 0.0)
            if used < cutoff:
                old.unlink()
                lock.unlink(missing_ok=True)


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
    returned = [p for p in collection.properties if query.returns(p.name)]
    frame = geopandas.GeoDataFrame(
        records or None,
        columns=[p.name for p in returned],
        geometry=shapely.from_wkb(geometries) if geometries else [],
        # WKB keeps longitude first, so EPSG:4326 asked for is written as CRS84 (the same datum).
        crs="EPSG:3857" if SERVED[query.crs].srid == 3857 else "OGC:CRS84",
    )
    _typed(frame, returned)
    # Text even when there are no rows (an empty column would be written as Real).
    frame.insert(0, "id", pandas.Series(ids, dtype=object))
    WRITTEN_DIR.mkdir(mode=0o700, exist_ok=True)
    handle, path = tempfile.mkstemp(suffix=f".{extension}", dir=WRITTEN_DIR)
    os.close(handle)
    os.unlink(path)  # GDAL creates the file itself
    # GeoPackage 1.3, not GDAL's default 1.4, which QGIS warns it does not know.
    options = {"VERSION": "1.3"} if driver == "GPKG" else {}
    try:
        frame.to_file(
            path, driver=driver, layer=collection.id, engine="pyogrio",
            geometry_type=collection.geometry_type, **options,
        )  # fmt: skip
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return path


def _typed(frame: Any, properties: list[Property]) -> None:
    """Columns as their schema says, so that the file keeps the types: date-times as UTC
    DateTime, integers as (nullable) integers, booleans as booleans."""
    for prop in properties:
        column = frame[prop.name]
        if prop.format == "date-time":
            frame[prop.name] = pandas.to_datetime(column, utc=True, format="ISO8601")
        elif prop.type == "integer":
            frame[prop.name] = column.astype("Int64")
        elif prop.type == "boolean":
            frame[prop.name] = column.astype("boolean")
        elif prop.type == "number":
            frame[prop.name] = column.astype("Float64")
