"""What editors must look at, and what a review changes.

A record needs attention when it is lapsed (its last known end passed with no renewal or
withdrawal on record), when it ends within 30 days, or when nobody has looked at it for 90 days
(a record written — created, edited or loaded with changes — counts as looked at then).
Records that have ended for good (expired, withdrawn, superseded) need none.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.core.layers.lifecycle import Lifecycle, day_text
from app.core.layers.records import CLOCK_SKEW
from app.core.layers.vocabulary import EndBasis, ReviewOutcome, Status

EXPIRY_HORIZON = timedelta(days=30)
REVIEW_INTERVAL = timedelta(days=90)
OPEN_STATUSES = frozenset({Status.SCHEDULED, Status.IN_FORCE, Status.LAPSED_UNCONFIRMED})


@dataclass(frozen=True)
class Attention:
    """Why a record is in the review queue."""

    status: Status
    reasons: tuple[str, ...]


def attention(
    lifecycle: Lifecycle,
    replaced_at: datetime | None,
    last_looked_at: datetime,
    now: datetime,
) -> Attention | None:
    """Why the record needs an editor now (None: it does not)."""
    status = lifecycle.status_at(now, None, replaced_at)
    if status not in OPEN_STATUSES:
        return None
    reasons = []
    if status is Status.LAPSED_UNCONFIRMED and lifecycle.valid_to is not None:
        reasons.append(
            f"lapsed: last known to run until {day_text(lifecycle.valid_to)}; no renewal or "
            "withdrawal on record (still counted in route checks)"
        )
    elif lifecycle.valid_to is not None and lifecycle.valid_to - now <= EXPIRY_HORIZON:
        reasons.append(f"ends on {day_text(lifecycle.valid_to)}, within 30 days")
    if now - last_looked_at >= REVIEW_INTERVAL:
        reasons.append(f"not reviewed since {day_text(last_looked_at)} (over 90 days)")
    return Attention(status, tuple(reasons)) if reasons else None


class ReviewError(ValueError):
    """A review that cannot be recorded as asked; `field` names the part at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


def reviewed_properties(
    properties: dict[str, Any],
    outcome: ReviewOutcome,
    now: datetime,
    sources: list[str],
    valid_to: datetime | None = None,
    withdrawn_at: datetime | None = None,
    reference: str | None = None,
) -> dict[str, Any]:
    """A record's properties after a review (the caller checks them with the record model).

    renewed: a new end (or none: until further notice) and, if given, the new reference;
    withdrawn: withdrawn at the given time (default now); superseded and confirmed_unchanged
    leave the record's own fields as they are (a successor lists it in `supersedes`). The
    review's sources are added to the record's.
    """
    changed = dict(properties)
    changed["sources"] = list(dict.fromkeys([*properties.get("sources", []), *sources]))
    if outcome is ReviewOutcome.RENEWED and valid_to is not None and valid_to <= now:
        raise ReviewError(
            "valid_to", "a renewal runs into the future; correct a past end with PATCH"
        )
    if withdrawn_at is not None and withdrawn_at > now + CLOCK_SKEW:
        raise ReviewError("withdrawn_at", "a withdrawal is recorded once it has happened")
    if outcome is ReviewOutcome.RENEWED:
        changed["valid_to"] = valid_to.isoformat() if valid_to else None
        changed["end_basis"] = (
            EndBasis.STATED.value if valid_to is not None else EndBasis.UNTIL_FURTHER_NOTICE.value
        )
        if reference is not None:
            changed["reference"] = reference
    elif valid_to is not None or reference is not None:
        raise ReviewError(
            "valid_to" if valid_to is not None else "reference",
            "only a renewal sets a new end or reference",
        )
    if outcome is ReviewOutcome.WITHDRAWN:
        changed["withdrawn_at"] = (withdrawn_at or now).isoformat()
    elif withdrawn_at is not None:
        raise ReviewError("withdrawn_at", "only a withdrawal sets withdrawn_at")
    return changed


def supersession_problem(
    record_id: str,
    successor_id: str,
    supersedes_by_id: dict[str, list[str]],
    record_published_at: datetime,
    successor_published_at: datetime,
) -> str | None:
    """Why `successor_id` cannot be recorded as superseding `record_id` (None: it can).

    A successor is published no earlier than what it replaces, and never one of the records
    this one already replaces, directly or down the chain (a cycle would end both).
    """
    if successor_id == record_id:
        return "a record cannot supersede itself"
    if successor_published_at < record_published_at:
        return "the successor was published before this record; it cannot replace it"
    pending, seen = list(supersedes_by_id.get(record_id, [])), {record_id}
    while pending:
        older = pending.pop()
        if older == successor_id:
            return f"{successor_id!r} is already replaced by this record (a cycle)"
        if older not in seen:
            seen.add(older)
            pending.extend(supersedes_by_id.get(older, []))
    return None
