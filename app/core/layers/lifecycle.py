"""A record's lifecycle: what was known when, and its status at any time, derived, never stored.

Knowledge is taken "as of" a time: a record counts only once published, a withdrawal only once
it happened, and a successor (a record that `supersedes` it) only once that was published;
`as_of` None means everything on record (nothing is published in the future).
An advisory is never in effect before it was published. A record whose last known end has
passed with no renewal or withdrawal on record (end_basis "unconfirmed") is
`lapsed_unconfirmed` and keeps counting: the service never turns "unknown" into "safe".
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.core.layers.records import ConflictZone, EngagementArea
from app.core.layers.vocabulary import EndBasis, Status


@dataclass(frozen=True)
class Lifecycle:
    """The times of one record that its status depends on."""

    published_at: datetime
    valid_from: datetime
    valid_to: datetime | None
    end_basis: EndBasis
    withdrawn_at: datetime | None = None
    # Advisories take effect no earlier than their publication; an engagement area's threat
    # was there before it was reported.
    effect_waits_for_publication: bool = True

    @classmethod
    def of(cls, record: ConflictZone | EngagementArea) -> "Lifecycle":
        """The lifecycle of a zone or an engagement area."""
        return cls(
            published_at=record.published_at,
            valid_from=record.valid_from,
            valid_to=record.valid_to,
            end_basis=record.end_basis,
            withdrawn_at=record.withdrawn_at,
            effect_waits_for_publication=isinstance(record, ConflictZone),
        )

    @property
    def effect_start(self) -> datetime:
        """When it starts to have effect."""
        if self.effect_waits_for_publication:
            return max(self.valid_from, self.published_at)
        return self.valid_from

    def known(self, as_of: datetime | None) -> bool:
        """Whether it had been published by `as_of` (None: everything on record)."""
        return as_of is None or self.published_at <= as_of

    def withdrawal(self, as_of: datetime | None) -> datetime | None:
        """When it was withdrawn, if that had happened by `as_of`."""
        if self.withdrawn_at is not None and (as_of is None or self.withdrawn_at <= as_of):
            return self.withdrawn_at
        return None

    def takes_effect(self, as_of: datetime | None) -> datetime | None:
        """When it takes effect as known at `as_of` (None: unknown then, or withdrawn first)."""
        if not self.known(as_of):
            return None
        withdrawn = self.withdrawal(as_of)
        if withdrawn is not None and withdrawn <= self.effect_start:
            return None
        return self.effect_start

    def status_at(
        self, at: datetime, as_of: datetime | None, replaced_at: datetime | None = None
    ) -> Status | None:
        """Its status at `at` as known at `as_of` (None: not yet published then)."""
        if not self.known(as_of):
            return None
        withdrawn = self.withdrawal(as_of)
        if withdrawn is not None and withdrawn <= at:
            return Status.WITHDRAWN
        if replaced_at is not None and replaced_at <= at:
            return Status.SUPERSEDED
        if at < self.effect_start:
            return Status.SCHEDULED
        if self.valid_to is None or at < self.valid_to:
            return Status.IN_FORCE
        if self.end_basis is EndBasis.STATED:
            return Status.EXPIRED
        return Status.LAPSED_UNCONFIRMED

    def counting_window(
        self, as_of: datetime | None, replaced_at: datetime | None = None
    ) -> tuple[datetime, datetime | None]:
        """From when to when it counts in a route check (the end None = open).

        It counts while in force or lapsed unconfirmed: a stated end, a withdrawal known at
        `as_of` and a successor's taking effect end it; an unconfirmed end does not. Ended before
        it started (withdrawn or replaced first), the window is empty: start == end.
        """
        ends = [replaced_at, self.withdrawal(as_of)]
        if self.end_basis is EndBasis.STATED:
            ends.append(self.valid_to)
        known_ends = [end for end in ends if end is not None]
        start = self.effect_start
        return start, max(min(known_ends), start) if known_ends else None

    def lapses_at(self) -> datetime | None:
        """When it becomes lapsed-unconfirmed, if it can."""
        return self.valid_to if self.end_basis is EndBasis.UNCONFIRMED else None


def replacements(
    records: Mapping[str, tuple[Lifecycle, Sequence[str]]], as_of: datetime | None
) -> dict[str, datetime]:
    """For each record id, when a successor known at `as_of` first takes effect.

    `records` maps an id to its lifecycle and the ids it supersedes.
    """
    replaced: dict[str, datetime] = {}
    for lifecycle, superseded_ids in records.values():
        start = lifecycle.takes_effect(as_of)
        if start is None:
            continue
        for old_id in superseded_ids:
            if old_id not in replaced or start < replaced[old_id]:
                replaced[old_id] = start
    return replaced


def lifecycles(
    records: Iterable[ConflictZone | EngagementArea],
) -> dict[str, tuple[Lifecycle, Sequence[str]]]:
    """Each record's lifecycle and the ids it supersedes, by id (input to `replacements`)."""
    return {r.id: (Lifecycle.of(r), tuple(r.supersedes)) for r in records}


def day_text(moment: datetime) -> str:
    """A day as dispatchers and editors read it: '31 Jul 2025'."""
    return moment.strftime("%d %b %Y").lstrip("0")
