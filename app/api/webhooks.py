"""Webhook subscriptions at /v1/webhooks: created with a secret shown once, rotated, tested,
and their delivery log."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.auth import require_role
from app.api.dependencies import EngineDep, SettingsDep
from app.api.problems import FieldError, Problem
from app.api.responses import JsonResponse
from app.core.layers.fields import MAX_URL_LENGTH
from app.core.webhooks.events import TEST_EVENT, cloud_event
from app.core.webhooks.signing import new_secret
from app.core.webhooks.targets import UnsafeTarget
from app.services.webhook_delivery import safe_target
from app.store import webhooks as store
from app.store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["webhooks"])
Owner = Annotated[ApiKey, Depends(require_role("dispatcher", "editor", "admin"))]
SubscriptionId = Annotated[str, Path(max_length=64)]
EventType = Literal["airspace-risk.watch.alert", "airspace-risk.webhook.test"]
# The old secret keeps signing (beside the new one) this long after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)


class SubscriptionIn(BaseModel):
    """A webhook endpoint to register."""

    url: str = Field(max_length=MAX_URL_LENGTH, description="http(s) URL that receives events.")
    events: list[EventType] = Field(default=["airspace-risk.watch.alert"], min_length=1)


class SubscriptionPatch(BaseModel):
    """What a PATCH may change."""

    url: str | None = Field(default=None, max_length=MAX_URL_LENGTH)
    events: list[EventType] | None = Field(default=None, min_length=1)
    enabled: bool | None = Field(default=None, description="false stops deliveries; true resumes")


class SubscriptionOut(BaseModel):
    """A subscription (never its secret)."""

    id: str
    url: str
    events: list[str]
    created_at: datetime
    enabled: bool
    disabled_reason: str | None
    previous_secret_valid_until: datetime | None


class SubscriptionCreated(SubscriptionOut):
    """A new subscription, with its secret: shown this once."""

    secret: str = Field(description="whsec_…: verify webhook-signature with it.")


class SecretRotated(BaseModel):
    """A new secret; the previous one still signs until the time given."""

    secret: str
    previous_secret_valid_until: datetime


def _out(subscription: store.Subscription) -> dict[str, Any]:
    """The answer form of a subscription."""
    return SubscriptionOut(
        id=subscription.id, url=subscription.url, events=subscription.events,
        created_at=subscription.created_at, enabled=subscription.disabled_at is None,
        disabled_reason=subscription.disabled_reason,
        previous_secret_valid_until=subscription.previous_secret_until,
    ).model_dump(mode="json")  # fmt: skip


def _check_url(url: str, allow_private: bool) -> None:
    """A 422 naming `url` for an address the service will not call."""
    try:
        safe_target(url, allow_private)
    except UnsafeTarget as error:
        raise Problem(
            422, f"url: {error}", "invalid-webhook", errors=[FieldError("url", str(error))]
        ) from None


def _owned(subscription: store.Subscription | None, key: ApiKey, sid: str) -> store.Subscription:
    """The subscription if the caller owns it (an admin any); 404 otherwise."""
    if subscription is None or (subscription.key_id != key.id and key.role != "admin"):
        raise Problem(404, f"no webhook {sid!r}", "not-found")
    return subscription


@router.post("/webhooks", operation_id="createWebhook", status_code=201,
             response_model=SubscriptionCreated,
             summary="Subscribe an endpoint to events (its secret is shown once)")  # fmt: skip
async def create_webhook(
    body: Annotated[SubscriptionIn, Body()], key: Owner, engine: EngineDep, settings: SettingsDep
) -> JsonResponse:
    """Register an endpoint for the caller's watches' alerts."""
    await run_in_threadpool(_check_url, body.url, settings.webhook_allow_private)
    secret = new_secret()

    def create() -> store.Subscription:
        with engine.begin() as connection:
            return store.create_subscription(
                connection, f"wh_{uuid.uuid4().hex[:24]}", key.id, body.url,
                list(dict.fromkeys(body.events)), secret,
            )  # fmt: skip

    subscription = await run_in_threadpool(create)
    link = f"{settings.public_url.rstrip('/')}/v1/webhooks/{subscription.id}"
    return JsonResponse({**_out(subscription), "secret": secret}, status_code=201,
                        headers={"Location": link})  # fmt: skip


@router.get("/webhooks", operation_id="listWebhooks", response_model=list[SubscriptionOut],
            summary="Your webhook subscriptions")  # fmt: skip
async def webhooks(key: Owner, engine: EngineDep) -> JsonResponse:
    """List subscriptions (all of them for an admin)."""

    def read() -> list[store.Subscription]:
        with engine.connect() as connection:
            return store.list_subscriptions(connection, None if key.role == "admin" else key.id)

    return JsonResponse([_out(s) for s in await run_in_threadpool(read)])


def _read(engine: Any, sid: str, key: ApiKey) -> store.Subscription:
    """One subscription the caller owns."""
    with engine.connect() as connection:
        return _owned(store.get_subscription(connection, sid), key, sid)


@router.get("/webhooks/{sid}", operation_id="getWebhook", response_model=SubscriptionOut,
            summary="One webhook subscription")  # fmt: skip
async def webhook(sid: SubscriptionId, key: Owner, engine: EngineDep) -> JsonResponse:
    """One subscription."""
    return JsonResponse(_out(await run_in_threadpool(_read, engine, sid, key)))


@router.patch("/webhooks/{sid}", operation_id="updateWebhook", response_model=SubscriptionOut,
              summary="Change a subscription's URL or events, or switch it off and on")  # fmt: skip
async def update_webhook(
    sid: SubscriptionId,
    body: Annotated[SubscriptionPatch, Body()],
    key: Owner,
    engine: EngineDep,
    settings: SettingsDep,
) -> JsonResponse:
    """Patch a subscription (switching it on again resumes its waiting deliveries)."""
    if body.url is not None:
        await run_in_threadpool(_check_url, body.url, settings.webhook_allow_private)

    def update() -> store.Subscription:
        with engine.begin() as connection:
            current = _owned(store.get_subscription(connection, sid), key, sid)
            store.update_subscription(
                connection, sid, body.url or current.url,
                list(dict.fromkeys(body.events)) if body.events else current.events,
                body.enabled if body.enabled is not None else current.disabled_at is None,
            )  # fmt: skip
            updated = store.get_subscription(connection, sid)
            assert updated is not None
            return updated

    return JsonResponse(_out(await run_in_threadpool(update)))


@router.delete("/webhooks/{sid}", operation_id="deleteWebhook", status_code=204,
               summary="Unsubscribe (waiting deliveries are dropped)")  # fmt: skip
async def delete_webhook(sid: SubscriptionId, key: Owner, engine: EngineDep) -> Response:
    """Delete a subscription."""

    def remove() -> None:
        with engine.begin() as connection:
            _owned(store.get_subscription(connection, sid), key, sid)
            store.delete_subscription(connection, sid)

    await run_in_threadpool(remove)
    return Response(status_code=204)


@router.post("/webhooks/{sid}/rotate-secret", operation_id="rotateWebhookSecret",
             response_model=SecretRotated,
             summary="A new secret; the old one still signs for 24 hours")  # fmt: skip
async def rotate_secret(sid: SubscriptionId, key: Owner, engine: EngineDep) -> JsonResponse:
    """Rotate the signing secret: both are sent (space-separated signatures) meanwhile."""
    secret = new_secret()
    until = datetime.now(UTC) + ROTATION_OVERLAP

    def rotate() -> None:
        with engine.begin() as connection:
            _owned(store.get_subscription(connection, sid), key, sid)
            store.rotate_secret(connection, sid, secret, until)

    await run_in_threadpool(rotate)
    return JsonResponse(
        SecretRotated(secret=secret, previous_secret_valid_until=until).model_dump(mode="json")
    )


@router.post("/webhooks/{sid}/test", operation_id="testWebhook", status_code=202,
             summary="Send a test event to the endpoint (through the outbox)")  # fmt: skip
async def test_webhook(
    sid: SubscriptionId, request: Request, key: Owner, engine: EngineDep, settings: SettingsDep
) -> JsonResponse:
    """Queue a signed test event; its delivery shows in the log."""
    delivery_id = f"msg_{uuid.uuid4().hex}"
    event = cloud_event(
        TEST_EVENT, delivery_id, f"{settings.public_url.rstrip('/')}/v1/webhooks/{sid}", sid,
        datetime.now(UTC), {"message": "a test event from airspace-risk"},
    )  # fmt: skip

    def queue() -> None:
        with engine.begin() as connection:
            _owned(store.get_subscription(connection, sid), key, sid)
            store.enqueue(
                connection, delivery_id, sid, None, TEST_EVENT, orjson.dumps(event).decode()
            )

    await run_in_threadpool(queue)
    request.app.state.webhook_deliverer.nudge()
    return JsonResponse({"delivery_id": delivery_id}, status_code=202)


@router.get("/webhooks/{sid}/deliveries", operation_id="webhookDeliveries",
            summary="The subscription's deliveries, newest first, with every attempt")  # fmt: skip
async def deliveries(
    sid: SubscriptionId,
    key: Owner,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> JsonResponse:
    """The delivery log."""

    def read() -> list[dict[str, Any]]:
        with engine.connect() as connection:
            _owned(store.get_subscription(connection, sid), key, sid)
            return store.deliveries_of(connection, sid, limit)

    rows = await run_in_threadpool(read)
    return JsonResponse({"deliveries": rows})
