"""The hazards a route checker holds: a large base, indexed once, and a small part holding what
changed since, so that a write is visible without indexing every hazard again.

A change replaces hazards by key (layer, id): the base's copies are masked off (the base's
index is shared, not copied) and the new ones go into the small part, which is indexed afresh
each time (it is small). When the small part grows, the owner builds a new base.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from app.core.arrays import BoolArray, NamedArrays
from app.core.risk.applications import Applied, HazardArrays
from app.core.risk.hazards import Hazard, HazardLayer
from app.core.risk.lateral import LateralIndex
from app.core.risk.model import ScoringModel
from app.core.routes.path import Densified
from app.core.routes.span_sets import SpanSets

HazardKey = tuple[HazardLayer, str]
ApplyOn = Callable[[list[Hazard], HazardArrays, SpanSets], Applied]


def key_of(hazard: Hazard) -> HazardKey:
    """The key a change replaces a hazard by."""
    return hazard.layer, hazard.id


@dataclass(frozen=True)
class HazardPart:
    """Some hazards with their lateral index and arrays; `live` masks off replaced ones."""

    hazards: list[Hazard]
    index: LateralIndex
    arrays: HazardArrays
    live: BoolArray

    @classmethod
    def of(
        cls, hazards: Sequence[Hazard], model: ScoringModel, edges: NamedArrays | None = None
    ) -> "HazardPart":
        """Index the hazards (all live; `edges`: their edge arrays, indexed before)."""
        listed = list(hazards)
        return cls(
            listed,
            LateralIndex([h.area for h in listed], edges),
            HazardArrays.of(listed, model),
            np.ones(len(listed), dtype=bool),
        )

    def without(self, removed: Collection[HazardKey]) -> "HazardPart":
        """The same part with the hazards of these keys masked off (the index is shared)."""
        if not removed:
            return self
        gone = np.array([key_of(h) in removed for h in self.hazards], dtype=bool)
        return HazardPart(self.hazards, self.index, self.arrays, self.live & ~gone)

    def live_hazards(self) -> list[Hazard]:
        """The hazards not masked off."""
        return [h for h, live in zip(self.hazards, self.live.tolist(), strict=True) if live]

    def applied(self, densified: Densified, apply_on: ApplyOn) -> Applied:
        """Where the live hazards apply along a densified route."""
        spans = self.index.spans(densified)
        if not self.live.all():
            spans = spans.select(self.live[spans.owner])
        return apply_on(self.hazards, self.arrays, spans)


class HazardSet:
    """A base part and at most one part of recent changes."""

    def __init__(self, base: HazardPart, recent: HazardPart | None = None) -> None:
        self.base = base
        self.recent = recent

    @classmethod
    def of(
        cls, hazards: Sequence[Hazard], model: ScoringModel, edges: NamedArrays | None = None
    ) -> "HazardSet":
        """All hazards in the base (`edges`: the base's edge arrays, indexed before)."""
        return cls(HazardPart.of(hazards, model, edges))

    @property
    def recent_count(self) -> int:
        """How many hazards the part of recent changes holds."""
        return 0 if self.recent is None else len(self.recent.hazards)

    def hazards(self) -> list[Hazard]:
        """Every live hazard: the base's, then the recent ones."""
        recent = [] if self.recent is None else self.recent.live_hazards()
        return self.base.live_hazards() + recent

    def with_changes(
        self, removed: Collection[HazardKey], added: Sequence[Hazard], model: ScoringModel
    ) -> "HazardSet":
        """A new set: the hazards of the removed keys gone, the added ones in (this set is
        unchanged, so checks under way keep using it)."""
        gone = set(removed) | {key_of(h) for h in added}
        kept_recent = [] if self.recent is None else self.recent.without(gone).live_hazards()
        recent = kept_recent + list(added)
        return HazardSet(self.base.without(gone), HazardPart.of(recent, model) if recent else None)

    def applied(self, densified: Densified, apply_on: ApplyOn) -> list[Applied]:
        """Where each part's live hazards apply along a densified route."""
        parts = [self.base] if self.recent is None else [self.base, self.recent]
        return [part.applied(densified, apply_on) for part in parts]
