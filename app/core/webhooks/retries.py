"""When to try a webhook delivery again: exponential backoff with jitter, at least what
the receiver asked for with Retry-After, and a point after which the delivery is given up."""

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

FIRST_RETRY_S = 5.0
MAX_RETRY_S = 3_600.0
# A receiver down for a day still gets everything once it is back; after that it is given up.
GIVE_UP_AFTER = timedelta(hours=48)
MAX_RETRY_AFTER_S = 6 * 3_600.0


def backoff_s(attempt: int, rng: random.Random, first_s: float = FIRST_RETRY_S) -> float:
    """Seconds before the attempt after `attempt` (1-based): between half the doubling cap and
    the cap ("equal jitter": retries of many deliveries spread out, none comes back at once)."""
    cap = min(MAX_RETRY_S, first_s * 2.0 ** min(attempt - 1, 40))  # no overflow, ever
    return cap / 2.0 + rng.uniform(0.0, cap / 2.0)


def retry_after_s(header: str | None, now: datetime) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now, within bounds."""
    if not header:
        return None
    value = header.strip()
    try:
        seconds = float(value) if value.isdigit() else None
    except ValueError:
        seconds = None
    if seconds is None:
        try:
            seconds = (parsedate_to_datetime(value) - now).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def next_attempt(
    attempt: int,
    created_at: datetime,
    now: datetime,
    retry_after: float | None,
    rng: random.Random,
    first_s: float = FIRST_RETRY_S,
) -> datetime | None:
    """When to try again after a failed attempt; None when the delivery is given up."""
    wait_s = max(backoff_s(attempt, rng, first_s), retry_after or 0.0)
    moment = now + timedelta(seconds=wait_s)
    return None if moment - created_at > GIVE_UP_AFTER else moment
