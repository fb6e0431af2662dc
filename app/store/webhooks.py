"""Webhook subscriptions, the outbox of deliveries, and the log of attempts."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

_SUBSCRIPTION = (
    "id, key_id, url, events, secret, previous_secret, previous_secret_until, created_at,"
    " disabled_at, disabled_reason"
)


@dataclass(frozen=True)
class Subscription:
    """A webhook endpoint of one key."""

    id: str
    key_id: int
    url: str
    events: list[str]
    secret: str
    previous_secret: str | None
    previous_secret_until: datetime | None
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None


@dataclass(frozen=True)
class Delivery:
    """One event for one endpoint, claimed for an attempt."""

    id: str
    subscription_id: str
    url: str
    secrets: list[str]
    body: str
    attempts: int
    created_at: datetime


def _subscription(row: Any) -> Subscription:
    """A result row as a Subscription."""
    return Subscription(**{k: row[k] for k in Subscription.__dataclass_fields__})


def create_subscription(
    connection: Connection,
    subscription_id: str,
    key_id: int,
    url: str,
    events: list[str],
    secret: str,
) -> Subscription:
    """Store a new subscription."""
    row = connection.execute(
        text(
            "INSERT INTO webhook_subscriptions (id, key_id, url, events, secret)"  # noqa: S608 (constants only)
            f" VALUES (:id, :key_id, :url, :events, :secret) RETURNING {_SUBSCRIPTION}"
        ),
        {"id": subscription_id, "key_id": key_id, "url": url, "events": events, "secret": secret},
    ).mappings().one()  # fmt: skip
    return _subscription(row)


def get_subscription(connection: Connection, subscription_id: str) -> Subscription | None:
    """One subscription, or None."""
    row = (
        connection.execute(
            text(f"SELECT {_SUBSCRIPTION} FROM webhook_subscriptions WHERE id = :id"),  # noqa: S608 (constants only)
            {"id": subscription_id},
        )
        .mappings()
        .first()
    )
    return _subscription(row) if row is not None else None


def list_subscriptions(connection: Connection, key_id: int | None) -> list[Subscription]:
    """Subscriptions of one key (all when None), oldest first."""
    rows = connection.execute(
        text(
            f"SELECT {_SUBSCRIPTION} FROM webhook_subscriptions"  # noqa: S608 (constants only)
            " WHERE CAST(:key_id AS bigint) IS NULL OR key_id = :key_id ORDER BY created_at, id"
        ),
        {"key_id": key_id},
    ).mappings()
    return [_subscription(r) for r in rows]


def update_subscription(
    connection: Connection, subscription_id: str, url: str, events: list[str], enabled: bool
) -> None:
    """Change a subscription's URL, events, or switch it on or off."""
    connection.execute(
        text(
            "UPDATE webhook_subscriptions SET url = :url, events = :events,"
            " disabled_at = CASE WHEN :enabled THEN NULL ELSE coalesce(disabled_at, now()) END,"
            " disabled_reason = CASE WHEN :enabled THEN NULL"
            " ELSE coalesce(disabled_reason, 'disabled by its owner') END WHERE id = :id"
        ),
        {"id": subscription_id, "url": url, "events": events, "enabled": enabled},
    )


def rotate_secret(
    connection: Connection, subscription_id: str, secret: str, previous_until: datetime
) -> None:
    """A new secret; the old one still signs (beside it) until `previous_until`."""
    connection.execute(
        text(
            "UPDATE webhook_subscriptions SET previous_secret = secret, secret = :secret,"
            " previous_secret_until = :until WHERE id = :id"
        ),
        {"id": subscription_id, "secret": secret, "until": previous_until},
    )


def delete_subscription(connection: Connection, subscription_id: str) -> bool:
    """Remove a subscription and its deliveries; False when there was none."""
    return (
        connection.execute(
            text("DELETE FROM webhook_subscriptions WHERE id = :id RETURNING id"),
            {"id": subscription_id},
        ).first()
        is not None
    )


def disable_subscription(connection: Connection, subscription_id: str, reason: str) -> None:
    """Stop delivering to an endpoint (it answered 410 Gone); pending deliveries wait."""
    connection.execute(
        text(
            "UPDATE webhook_subscriptions SET disabled_at = now(), disabled_reason = :reason"
            " WHERE id = :id AND disabled_at IS NULL"
        ),
        {"id": subscription_id, "reason": reason},
    )


def subscribers(connection: Connection, key_id: int, event_type: str) -> list[str]:
    """The subscriptions of a live key that want an event type (switched-off ones included:
    their deliveries wait in the outbox until they are switched on again)."""
    return list(
        connection.execute(
            text(
                "SELECT s.id FROM webhook_subscriptions s JOIN api_keys k ON k.id = s.key_id"
                " WHERE s.key_id = :key_id AND k.revoked_at IS NULL AND :event = ANY(s.events)"
                " ORDER BY s.id"
            ),
            {"key_id": key_id, "event": event_type},
        ).scalars()
    )


def enqueue(
    connection: Connection,
    delivery_id: str,
    subscription_id: str,
    alert_id: int | None,
    event_type: str,
    body: str,
) -> None:
    """Put one event for one endpoint in the outbox (in the caller's transaction)."""
    connection.execute(
        text(
            "INSERT INTO webhook_deliveries (id, subscription_id, alert_id, event_type, body)"
            " VALUES (:id, :subscription_id, :alert_id, :event_type, :body)"
        ),
        {"id": delivery_id, "subscription_id": subscription_id, "alert_id": alert_id,
         "event_type": event_type, "body": body},
    )  # fmt: skip


# Due deliveries of enabled endpoints, each taken by one process: SKIP LOCKED passes over rows
# another process is claiming, and the lease keeps them from others while the attempt runs. A
# process that dies mid-attempt leaves the lease to run out; the delivery is then tried again.
_CLAIM = """
UPDATE webhook_deliveries d SET leased_until = now() + make_interval(secs => :lease_s),
    attempts = d.attempts + 1
FROM webhook_subscriptions s
WHERE d.id IN (
    SELECT d2.id FROM webhook_deliveries d2
    JOIN webhook_subscriptions s2 ON s2.id = d2.subscription_id AND s2.disabled_at IS NULL
    WHERE d2.status = 'pending' AND d2.next_attempt_at <= now()
      AND (d2.leased_until IS NULL OR d2.leased_until < now())
    ORDER BY d2.next_attempt_at, d2.id
    LIMIT :limit
    FOR UPDATE OF d2 SKIP LOCKED
) AND s.id = d.subscription_id
RETURNING d.id, d.subscription_id, s.url, s.secret, s.previous_secret,
    s.previous_secret_until > now() AS previous_valid, d.body, d.attempts, d.created_at
"""


def claim_due(connection: Connection, limit: int, lease_s: float) -> list[Delivery]:
    """Deliveries due now, claimed by this process for one attempt each."""
    rows = connection.execute(text(_CLAIM), {"limit": limit, "lease_s": lease_s}).mappings()
    return [
        Delivery(
            id=r["id"],
            subscription_id=r["subscription_id"],
            url=r["url"],
            secrets=[r["secret"]] + ([r["previous_secret"]] if r["previous_valid"] else []),
            body=r["body"],
            attempts=r["attempts"],
            created_at=r["created_at"],
        )
        for r in rows
    ]


def record_attempt(
    connection: Connection,
    delivery_id: str,
    attempt: int,
    started_at: datetime,
    duration_ms: float,
    status_code: int | None,
    error: str | None,
    excerpt: str | None,
) -> bool:
    """Log one attempt, if it is still the delivery's latest (False: another process claimed
    the delivery again after this one's lease ran out; nothing is written)."""
    row = connection.execute(
        text(
            "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms,"
            " status_code, error, response_excerpt) SELECT :delivery_id, :attempt, :started_at,"
            " :duration_ms, :status_code, :error, :excerpt WHERE EXISTS (SELECT 1 FROM"
            " webhook_deliveries WHERE id = :delivery_id AND attempts = :attempt"
            " AND status = 'pending') RETURNING id"
        ),
        {"delivery_id": delivery_id, "attempt": attempt, "started_at": started_at,
         "duration_ms": duration_ms, "status_code": status_code, "error": error,
         "excerpt": excerpt},
    ).first()  # fmt: skip
    return row is not None


def finish(
    connection: Connection, delivery_id: str, attempt: int, status: str, last_status: int | None
) -> None:
    """A delivery done after this attempt: delivered, or failed for good."""
    connection.execute(
        text(
            "UPDATE webhook_deliveries SET status = :status, last_status = :last_status,"
            " finished_at = now(), leased_until = NULL WHERE id = :id AND attempts = :attempt"
        ),
        {"id": delivery_id, "status": status, "last_status": last_status, "attempt": attempt},
    )


def retry_at(
    connection: Connection,
    delivery_id: str,
    attempt: int,
    moment: datetime,
    last_status: int | None,
) -> None:
    """A failed attempt: try again at `moment`."""
    connection.execute(
        text(
            "UPDATE webhook_deliveries SET next_attempt_at = :moment, last_status = :last_status,"
            " leased_until = NULL WHERE id = :id AND attempts = :attempt"
        ),
        {"id": delivery_id, "moment": moment, "last_status": last_status, "attempt": attempt},
    )


def deliveries_of(connection: Connection, subscription_id: str, limit: int) -> list[dict[str, Any]]:
    """A subscription's deliveries, newest first, each with its attempts."""
    rows = connection.execute(
        text(
            "SELECT d.id, d.alert_id, d.event_type, d.created_at, d.status, d.attempts,"
            " d.next_attempt_at, d.last_status, d.finished_at, coalesce((SELECT jsonb_agg("
            " jsonb_build_object('attempt', a.attempt, 'started_at', a.started_at,"
            " 'duration_ms', a.duration_ms, 'status_code', a.status_code, 'error', a.error,"
            " 'response_excerpt', a.response_excerpt) ORDER BY a.attempt)"
            " FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]') AS attempt_log"
            " FROM webhook_deliveries d WHERE d.subscription_id = :id"
            " ORDER BY d.created_at DESC, d.id LIMIT :limit"
        ),
        {"id": subscription_id, "limit": limit},
    ).mappings()
    return [dict(r) for r in rows]
