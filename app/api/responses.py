"""JSON responses encoded with orjson, and the problem-document response."""

from typing import Any

import orjson
from fastapi.responses import Response


class JsonResponse(Response):
    """application/json encoded with orjson (fast, and strict about NaN)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Encode content; datetimes become RFC 3339 strings."""
        return encode_json(content)


OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_SERIALIZE_NUMPY
# Items of a long list encoded per orjson call (see encode_json_in_pieces).
PIECE_ITEMS = 8


def encode_json(content: Any) -> bytes:
    """JSON as every response of this service writes it."""
    return orjson.dumps(content, option=OPTIONS)


def encode_json_in_pieces(content: Any) -> bytes:
    """The same bytes as `encode_json`, for large answers encoded off the event loop: an
    object's long lists are encoded a few items at a time. orjson holds the GIL for a whole
    call, and a route check's answer of tens of MB in one call held every other thread of the
    process, the event loop and its probes included, for 300–450 ms."""
    if not isinstance(content, dict):
        return encode_json(content)
    # Pieces joined once at the end (memoryviews: the brackets of each piece are cut off
    # without copying it).
    pieces: list[bytes | memoryview] = [b"{"]
    for n, (key, value) in enumerate(content.items()):
        pieces += [b"," if n else b"", encode_json(key), b":"]
        if isinstance(value, list) and len(value) > PIECE_ITEMS:
            pieces.append(b"[")
            for i in range(0, len(value), PIECE_ITEMS):
                if i:
                    pieces.append(b",")
                pieces.append(memoryview(encode_json(value[i : i + PIECE_ITEMS]))[1:-1])
            pieces.append(b"]")
        else:
            pieces.append(encode_json(value))
    pieces.append(b"}")
    return b"".join(pieces)


class ProblemResponse(JsonResponse):
    """An RFC 9457 problem document."""

    media_type = "application/problem+json"
