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


def encode_json(content: Any) -> bytes:
    """JSON as every response of this service writes it (callers off the event loop use it to
    keep large answers' encoding off the loop)."""
    return orjson.dumps(content, option=orjson.OPT_UTC_Z | orjson.OPT_SERIALIZE_NUMPY)


class ProblemResponse(JsonResponse):
    """An RFC 9457 problem document."""

    media_type = "application/problem+json"
