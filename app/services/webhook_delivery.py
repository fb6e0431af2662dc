"""Delivering webhooks from the outbox: signed, retried with backoff, logged per attempt.

Every process may deliver: a delivery is claimed with SKIP LOCKED and a lease, so each attempt
is made by one process; a process that dies mid-attempt leaves the lease to run out and the
delivery is tried again (at least once; receivers deduplicate on `webhook-id`). 2xx is done;
410 Gone disables the endpoint; anything else is tried again later (exponential backoff with
jitter, never sooner than the receiver's Retry-After) until the delivery is two days old.
"""

import logging
import random
import socket
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import Engine

from app.core.webhooks.retries import next_attempt, retry_after_s
from app.core.webhooks.signing import signed_headers
from app.core.webhooks.targets import UnsafeTarget, check_addresses, check_url
from app.metrics import WEBHOOK_ATTEMPTS
from app.services.background_loop import BackgroundLoop
from app.store.webhooks import (
    Delivery,
    claim_due,
    disable_subscription,
    finish,
    record_attempt,
    retry_at,
)

log = logging.getLogger(__name__)
CLAIM_BATCH = 10
EXCERPT_CHARS = 512
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (empty when it does not)."""
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port)})
    except (socket.gaierror, UnicodeError, OSError):
        return []


def safe_target(url: str, allow_private: bool) -> str:
    """The checked address to send to; UnsafeTarget for a URL the service must not call (see
    core/webhooks/targets.py)."""
    host, port = check_url(url)
    addresses = resolve(host, port)
    check_addresses(addresses, allow_private)
    return addresses[0]


def pinned(url: str, address: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL with its host replaced by the address already checked, the Host header, and the
    TLS server name: the connection goes where the check looked (a name that resolves to a
    public address when checked and to an internal one when connecting gets nowhere)."""
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    netloc = literal + (f":{parts.port}" if parts.port else "")
    host_header = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": parts.hostname or ""} if parts.scheme == "https" else {}
    return urlunsplit(parts._replace(netloc=netloc)), {"host": host_header}, extensions


class WebhookDeliverer(BackgroundLoop):
    """Delivers due webhooks on a thread of its own (nudged when alerts were just written)."""

    thread_name = "webhooks"

    def __init__(
        self,
        engine: Engine,
        allow_private: bool,
        connect_timeout_s: float,
        read_timeout_s: float,
        first_retry_s: float,
        interval_s: float = 0.5,
    ) -> None:
        super().__init__(interval_s)
        self.engine = engine
        self.allow_private = allow_private
        self.timeout = httpx.Timeout(read_timeout_s, connect=connect_timeout_s)
        self.lease_s = connect_timeout_s + read_timeout_s + 30.0
        self.first_retry_s = first_retry_s
        self._rng = random.Random()

    def _run(self) -> None:
        """Deliver what is due, again and again, until closed."""
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            while not self.stopping:
                try:
                    if self.deliver_due(client) == CLAIM_BATCH:
                        continue  # more may be due
                except Exception:
                    log.exception("webhook delivery round failed; it runs again")
                self.pause()

    def deliver_due(self, client: httpx.Client) -> int:
        """Claim due deliveries one at a time (each under a lease that covers one attempt) and
        make one attempt at each; how many were attempted."""
        attempted = 0
        while attempted < CLAIM_BATCH and not self.stopping:
            with self.engine.begin() as connection:
                claimed = claim_due(connection, 1, self.lease_s)
            if not claimed:
                break
            self._attempt(client, claimed[0])
            attempted += 1
        return attempted

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        """One attempt: send, log it, and settle what comes next."""
        started = datetime.now(UTC)
        clock = time.perf_counter()
        status: int | None = None
        error: str | None = None
        excerpt: str | None = None
        retry_after: float | None = None
        try:
            address = safe_target(delivery.url, self.allow_private)
            url, host, extensions = pinned(delivery.url, address)
            headers = signed_headers(delivery.id, started, delivery.body, delivery.secrets)
            with client.stream(
                "POST", url, content=delivery.body.encode(), extensions=extensions,
                headers={**headers, **host, "content-type": CONTENT_TYPE,
                         "user-agent": "airspace-risk-webhooks"},
            ) as response:  # fmt: skip
                status = response.status_code
                excerpt = _excerpt(response)
                retry_after = retry_after_s(response.headers.get("retry-after"), started)
        except UnsafeTarget as refused:
            error = f"refused: {refused}"
        except Exception as failed:  # any failure to send is a failed attempt, retried later
            error = f"{type(failed).__name__}: {failed}"[:EXCERPT_CHARS]
        duration_ms = (time.perf_counter() - clock) * 1000.0
        outcome = self._settle(delivery, started, duration_ms, status, error, excerpt, retry_after)
        WEBHOOK_ATTEMPTS.labels(outcome).inc()

    def _settle(
        self,
        delivery: Delivery,
        started: datetime,
        duration_ms: float,
        status: int | None,
        error: str | None,
        excerpt: str | None,
        retry_after: float | None,
    ) -> str:
        """Log the attempt and decide what comes next; the outcome's name. Every write is
        fenced by the attempt number: a process whose lease ran out changes nothing."""
        with self.engine.begin() as connection:
            if not record_attempt(
                connection, delivery.id, delivery.attempts, started, duration_ms, status, error,
                excerpt,
            ):  # fmt: skip
                return "superseded"
            if status is not None and 200 <= status < 300:
                finish(connection, delivery.id, delivery.attempts, "delivered", status)
                return "delivered"
            if status == 410:
                disable_subscription(
                    connection, delivery.subscription_id, "the endpoint answered 410 Gone"
                )
                finish(connection, delivery.id, delivery.attempts, "failed", status)
                return "gone"
            moment = next_attempt(
                delivery.attempts, delivery.created_at, datetime.now(UTC), retry_after,
                self._rng, self.first_retry_s,
            )  # fmt: skip
            if moment is None:
                finish(connection, delivery.id, delivery.attempts, "failed", status)
                return "failed"
            retry_at(connection, delivery.id, delivery.attempts, moment, status)
            return "retry"


def _excerpt(response: httpx.Response) -> str:
    """The start of a response body (never more is read or kept)."""
    kept = b""
    for chunk in response.iter_bytes():
        kept += chunk
        if len(kept) >= EXCERPT_CHARS:
            break
    return kept[:EXCERPT_CHARS].decode("utf-8", errors="replace")
