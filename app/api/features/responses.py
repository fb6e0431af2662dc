"""Building GeoJSON bytes from PostGIS text without re-parsing it, and conditional requests."""

import gzip
import zlib
from collections.abc import Iterable, Iterator

import orjson
from fastapi import Request
from fastapi.responses import Response

from app.api.responses import JsonResponse

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONTENT_CRS = {"Content-Crs": f"<{CRS84}>"}


class GeoJsonResponse(JsonResponse):
    """application/geo+json."""

    media_type = GEOJSON


def feature_bytes(feature_id: str, geometry: str, properties: str) -> bytes:
    """One Feature from PostGIS's GeoJSON geometry and JSON properties, as text, unparsed."""
    return (
        b'{"type":"Feature","id":'
        + orjson.dumps(feature_id)
        + b',"geometry":'
        + geometry.encode()
        + b',"properties":'
        + properties.encode()
        + b"}"
    )


def collection_chunks(
    rows: Iterable[tuple[str, str, str]], members: bytes = b""
) -> Iterator[bytes]:
    """A FeatureCollection as a stream of chunks (about 64 KiB each)."""
    yield b'{"type":"FeatureCollection"' + members + b',"features":['
    buffer: list[bytes] = []
    size = 0
    first = True
    for row in rows:
        piece = feature_bytes(*row)
        buffer.append(piece if first else b"," + piece)
        first = False
        size += len(piece)
        if size >= 65_536:
            yield b"".join(buffer)
            buffer, size = [], 0
    buffer.append(b"]}")
    yield b"".join(buffer)


def not_modified(request: Request, etag: str) -> Response | None:
    """A 304 when the client already holds this version (If-None-Match)."""
    match = request.headers.get("if-none-match")
    if match and (match.strip() == "*" or etag in [m.strip() for m in match.split(",")]):
        return Response(status_code=304, headers={"ETag": etag})
    return None


# Below this a compressed body saves less than the work costs.
GZIP_MIN_BYTES = 1024
# Level 1, not 6: on a dense page of 100 zones (677 kB) level 6 took 38.5 ms of CPU for 236 kB,
# level 1 6.7 ms for 266 kB — most of the saving for a sixth of the work; gzip at level 6
# halved the pages a process serves (docs/performance.md, "gzip under load").
GZIP_LEVEL = 1


def accepts_gzip(request: Request) -> bool:
    """Whether the client takes gzip (Accept-Encoding, without q=0)."""
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, quality = part.strip().partition(";")
        if coding.strip().lower() == "gzip":
            return quality.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def gzipped(request: Request, body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """The body gzip-compressed with its headers when the client takes it. Called on the
    endpoint's own thread: a page of thousands of features takes tens of ms to compress, and on
    the event loop that would hold up every probe."""
    varying = {**headers, "Vary": "Accept-Encoding"}
    if len(body) < GZIP_MIN_BYTES or not accepts_gzip(request):
        return body, varying
    return gzip.compress(body, GZIP_LEVEL), {**varying, "Content-Encoding": "gzip"}


def gzip_stream(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A stream of chunks gzip-compressed as it goes (Starlette reads a sync iterator on a
    worker thread, so this never runs on the event loop)."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: the gzip container
    for chunk in chunks:
        if out := compressor.compress(chunk):
            yield out
    yield compressor.flush()
