"""JSON responses encoded with orjson, and the problem-document response."""

import itertools
from collections.abc import Iterable
from typing import Any

import orjson
from fastapi.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send


class JsonResponse(JSONResponse):
    """application/json encoded with orjson (fast, and strict about NaN); a JSONResponse, so
    that the OpenAPI document shows the routes' response models."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Encode content; datetimes become RFC 3339 strings."""
        return encode_json(content)


OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_SERIALIZE_NUMPY
# Items of a long list encoded per orjson call, and the size of the chunks a large answer is
# sent in (see encode_json_in_pieces).
PIECE_ITEMS = 8
CHUNK_BYTES = 1 << 20


def encode_json(content: Any) -> bytes:
    """JSON as every response of this service writes it."""
    return orjson.dumps(content, option=OPTIONS)


def encode_json_in_pieces(
    lead: dict[str, Any], key: str, items: Iterable[Any] | None, rest: dict[str, Any]
) -> list[bytes]:
    """`{**lead, key: [*items], **rest}` (no `key` if items is None) as the bytes of one
    `encode_json` call, in chunks of about CHUNK_BYTES, for large answers encoded off the
    event loop. The items are encoded a few at a time as the iterable yields them.

    At 100,000 zones a route check's answer is tens of MB. Encoded in one orjson call it held
    the GIL, and so the event loop and its probes, for 300–450 ms; built as one object first,
    its millions of objects kept the garbage collector walking them for up to 0.6 s at a time;
    joined into one bytes object, the copy held the GIL for 50–250 ms. Here only a few items
    exist as objects at once, every call is short, and the chunks are sent as they are.
    """
    chunks: list[bytes] = []
    pending: list[bytes | memoryview] = []
    pending_bytes = 0

    def put(piece: bytes | memoryview) -> None:
        nonlocal pending_bytes
        pending.append(piece)
        pending_bytes += len(piece)
        if pending_bytes >= CHUNK_BYTES:
            chunks.append(b"".join(pending))
            pending.clear()
            pending_bytes = 0

    members = [*lead.items(), *([(key, None)] if items is not None else []), *rest.items()]
    put(b"{")
    for n, (name, value) in enumerate(members):
        if n:
            put(b",")
        if name != key or items is None:
            # One member: its own object without the braces (escaping as orjson does it).
            put(memoryview(encode_json({name: value}))[1:-1])
            continue
        put(memoryview(encode_json({name: None}))[1:-5])  # '"name":'
        remaining = iter(items)
        first = True
        while batch := list(itertools.islice(remaining, PIECE_ITEMS)):
            put(b"[" if first else b",")
            put(memoryview(encode_json(batch))[1:-1])
            first = False
        put(b"[" if first else b"")
        put(b"]")
    put(b"}")
    chunks.append(b"".join(pending))
    return chunks


class PiecesResponse(Response):
    """A body sent as the chunks it was encoded in, with its Content-Length (see
    `encode_json_in_pieces`: joining them would hold the GIL for the copy)."""

    def __init__(self, chunks: list[bytes], media_type: str) -> None:
        """The chunks, in order, and their media type."""
        self.chunks = chunks
        length = sum(len(chunk) for chunk in chunks)
        super().__init__(None, headers={"content-length": str(length)}, media_type=media_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Start the response, then send each chunk."""
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        for chunk in self.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class ProblemResponse(JsonResponse):
    """An RFC 9457 problem document."""

    media_type = "application/problem+json"
