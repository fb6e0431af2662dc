"""What every write endpoint shares: the per-key rate limit, Idempotency-Key replays, reading a
Feature body, and turning refusals into 422 problems naming the field."""

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request
from sqlalchemy import Connection, insert, select
from starlette.concurrency import run_in_threadpool

from app.api.problems import FieldError, Problem
from app.core.layers.layer_file import Feature, LayerFileError, parse_feature
from app.core.layers.vocabulary import Layer
from app.store.api_keys import ApiKey
from app.store.feature_writes import FeatureConflict, FeatureMissing
from app.store.tables import idempotency_keys
from app.store.write_rates import take_write_token

MAX_IDEMPOTENCY_KEY_CHARS = 200


def limit_rate(request: Request, key: ApiKey) -> None:
    """429 with Retry-After when the key has used up its writes for now (counted in the
    database, so the limit holds across processes and hosts)."""
    per_minute = request.app.state.settings.write_rate_per_minute
    with request.app.state.engine.begin() as connection:
        wait_s = take_write_token(connection, key.id, per_minute)
    if wait_s > 0.0:
        seconds = max(1, round(wait_s + 0.5))
        raise Problem(
            429, f"too many writes with this key; retry in {seconds} s", "rate-limited",
            headers={"Retry-After": str(seconds)},
        )  # fmt: skip


async def limit_rate_off_loop(request: Request, key: ApiKey) -> None:
    """As limit_rate, on a worker thread (it waits for the database: never on the event loop)."""
    await run_in_threadpool(limit_rate, request, key)


def refused(error: LayerFileError) -> Problem:
    """A checked feature's problems as a 422 naming each field."""
    errors = [FieldError(p.field or "body", p.reason) for p in error.problems]
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
    return Problem(422, detail, "invalid-feature", "Invalid feature", errors)


async def read_feature_off_loop(body: Any, layer: Layer, repair: bool) -> Feature:
    """As read_feature, on a worker thread (geometry checks of a large feature take time)."""
    return await run_in_threadpool(read_feature, body, layer, repair)


def read_feature(body: Any, layer: Layer, repair: bool) -> Feature:
    """A GeoJSON Feature body, checked for a layer."""
    try:
        return parse_feature(layer, body, repair=repair)
    except LayerFileError as error:
        raise refused(error) from None


def not_found(error: FeatureMissing) -> Problem:
    return Problem(404, str(error), "not-found")


def conflict(error: FeatureConflict) -> Problem:
    return Problem(409, str(error), "conflict", errors=[FieldError("id", str(error))])


def idempotency_key(request: Request) -> str | None:
    """The Idempotency-Key header, checked."""
    value = request.headers.get("idempotency-key")
    if value is not None and not 0 < len(value) <= MAX_IDEMPOTENCY_KEY_CHARS:
        raise Problem(
            400, "Idempotency-Key must have 1 to 200 characters", "invalid-parameter",
            errors=[FieldError("Idempotency-Key", "1 to 200 characters")],
        )  # fmt: skip
    return value


def replay(
    connection: Connection, key: ApiKey, idempotency: str, body: bytes
) -> tuple[int, Any] | None:
    """The stored answer to the same request sent before with this key, if any."""
    row = connection.execute(
        select(idempotency_keys).where(
            idempotency_keys.c.key_id == key.id,
            idempotency_keys.c.idempotency_key == idempotency,
        )
    ).first()
    if row is None:
        return None
    if row.request_sha256 != hashlib.sha256(body).digest():
        raise Problem(
            422, "this Idempotency-Key was used for a different request", "idempotency-conflict",
            errors=[FieldError("Idempotency-Key", "already used with another body")],
        )  # fmt: skip
    return int(row.status), row.body


def remember(
    connection: Connection, key: ApiKey, idempotency: str, body: bytes, status: int, answer: Any
) -> None:
    """Keep the answer so that a retry gets it instead of a second write (same transaction)."""
    connection.execute(
        insert(idempotency_keys).values(
            key_id=key.id, idempotency_key=idempotency,
            request_sha256=hashlib.sha256(body).digest(), status=status,
            body=orjson.loads(orjson.dumps(answer)),
        )
    )  # fmt: skip


def once(
    connection: Connection,
    key: ApiKey,
    idempotency: str | None,
    body: bytes,
    write: Callable[[], Any],
) -> tuple[Any, bool]:
    """Run a creating write at most once per Idempotency-Key: (answer, replayed)."""
    if idempotency is not None:
        earlier = replay(connection, key, idempotency, body)
        if earlier is not None:
            return earlier[1], True
    answer = write()
    if idempotency is not None:
        remember(connection, key, idempotency, body, 201, answer)
    return answer, False


async def json_body(request: Request) -> Any:
    """The request body as JSON, or a 422 naming the body; parsed off the event loop (a body
    of megabytes must not hold up every other request)."""
    raw = await request.body()
    try:
        return await run_in_threadpool(orjson.loads, raw)
    except orjson.JSONDecodeError as error:
        raise Problem(
            422, f"the body is not JSON: {error}", "invalid-request",
            errors=[FieldError("body", "not JSON")],
        ) from None  # fmt: skip
