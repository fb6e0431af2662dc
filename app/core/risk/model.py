"""The scoring model: every parameter in one place (documented in docs/scoring.md).

A hazard that applies to a stretch of route gets a raw score from 0 to 100; the stretch's score
combines them as independent chances of harm, 100 × (1 − Π(1 − rᵢ/100)), so that no number of
small hazards exceeds the worst case and one critical hazard is never diluted. Each hazard's
reported contribution is what it adds in that product, taken from the largest raw score down,
so the contributions add up to the score.
"""

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from app.core.risk.hazards import Hazard, HazardLayer
from app.core.risk.threats import strongest


def _frozen(values: Mapping[object, float]) -> Mapping[object, float]:
    """A read-only copy, so the model's tables cannot change under it."""
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class ScoringModel:
    """Parameters of the model. Consequence outweighs likelihood: inside a system's reach or a
    do-not-fly band the score is critical whatever the odds of being targeted."""

    # Conflict zone, inside its altitude band, by level (1 do not fly, 2 high risk, 3 caution).
    zone_inside: Mapping[object, float] = field(
        default_factory=lambda: _frozen({1: 90.0, 2: 65.0, 3: 35.0})
    )
    # Above a conflict zone's ceiling the score fades, in fade_steps equal steps, from its full
    # value at the ceiling to 0 at the margin above it: an advisory's limit is not a safe
    # altitude (MH17 flew 1,000 ft above a closure below FL320, inside a Buk's reach), and a
    # score that stopped at one altitude would make FL319.99 and FL320 worlds apart. None where
    # the instrument itself permits flight at and above its limit (`Hazard.upper_sharp`).
    zone_above_margin_ft: float = 4_000.0
    fade_steps: int = 20
    # An engagement area's ceiling fades across the spread of the published figures (its
    # system's lowest to highest ceiling); where one figure is published, over this share of it
    # above it (the figures are indicative: unknown never becomes safe at one altitude).
    engagement_single_figure_margin: float = 0.1
    # Likewise outwards: an engagement area's score fades across the spread of its system's
    # published ranges (or over the same share beyond one figure), in range_fade_steps rings;
    # ring i keeps 1 − i/range_fade_steps of it (its value at its inner edge).
    range_fade_steps: int = 10
    # Engagement area, inside the circle and below the ceiling.
    engagement_inside: float = 90.0
    engagement_status_factor: Mapping[object, float] = field(
        default_factory=lambda: _frozen({"confirmed": 1.0, "reported": 0.85, "assumed": 0.6})
    )
    # MANPADS warheads are small: a hit is not certainly catastrophic (other systems: 1.0).
    engagement_system_factor: Mapping[object, float] = field(
        default_factory=lambda: _frozen({"manpads": 0.8})
    )
    # Verified incidents: within incident_near_nm of the route, or within the request's radius.
    incident_near_nm: float = 10.0
    incident_near: float = 20.0
    incident_far: float = 10.0
    incident_age_factors: tuple[tuple[timedelta, float], ...] = (
        (timedelta(days=365), 1.0),
        (timedelta(days=5 * 365), 0.5),
        (timedelta(days=20 * 365), 0.25),
    )
    incident_old_factor: float = 0.1
    # Category thresholds (score ≥ value); a score of 0 is "none", anything above is at least low.
    categories: tuple[tuple[str, float], ...] = (
        ("critical", 75.0),
        ("high", 50.0),
        ("moderate", 25.0),
        ("low", 0.0),
    )
    default_incident_radius_nm: float = 25.0

    def raw_score(self, hazard: Hazard, age: timedelta | None) -> float:
        """The score a hazard alone gives a stretch of route inside its band (in the fade above
        its ceiling, step i of fade_steps keeps 1 − i/fade_steps of it)."""
        if hazard.layer is HazardLayer.CONFLICT_ZONE:
            return float(self.zone_inside.get(hazard.level or 3, 0.0))
        if hazard.layer is HazardLayer.ENGAGEMENT_AREA:
            status = self.engagement_status_factor.get(hazard.site_basis or "assumed", 0.6)
            system = self.engagement_system_factor.get(hazard.system or "", 1.0)
            return self.engagement_inside * status * system * hazard.range_factor
        near = hazard.ring_nm is not None and hazard.ring_nm <= self.incident_near_nm
        base = self.incident_near if near else self.incident_far
        return base * self.age_factor(age)

    def fade(self, hazard: Hazard) -> tuple[float, float] | None:
        """Where a hazard's score fades above its ceiling: from (full) to (zero), in feet."""
        upper = hazard.upper_ft
        if upper is None:
            return None
        if hazard.layer is HazardLayer.CONFLICT_ZONE:
            return None if hazard.upper_sharp else (upper, upper + self.zone_above_margin_ft)
        # An engagement area, or an incident bounded by its weapon's reach.
        if hazard.layer in (HazardLayer.ENGAGEMENT_AREA, HazardLayer.INCIDENT):
            spread = hazard.ceiling_spread_ft
            if spread is not None and spread > upper:
                return upper, spread
            return upper, upper * (1.0 + self.engagement_single_figure_margin)
        return None

    def range_fade(self, radius_nm: float, radius_low_nm: float | None) -> tuple[float, float]:
        """Where an engagement area's score fades outwards: from (full) to (zero), in NM."""
        if radius_low_nm is not None and radius_low_nm < radius_nm:
            return radius_low_nm, radius_nm
        return radius_nm, radius_nm * (1.0 + self.engagement_single_figure_margin)

    def range_rings(
        self, radius_nm: float, radius_low_nm: float | None
    ) -> list[tuple[float, float, float]]:
        """An engagement area as a disc and rings around its site: (inner NM, outer NM, share
        of the score kept), the disc first. Ring i of the fade keeps 1 − i/range_fade_steps;
        ring 0 keeps all of it, so it is part of the disc."""
        full_nm, zero_nm = self.range_fade(radius_nm, radius_low_nm)
        steps = self.range_fade_steps
        width_nm = (zero_nm - full_nm) / steps
        rings = [(0.0, full_nm + width_nm, 1.0)]
        for i in range(1, steps):
            rings.append((full_nm + i * width_nm, full_nm + (i + 1) * width_nm, 1.0 - i / steps))
        return rings

    def age_factor(self, age: timedelta | None) -> float:
        """How much an incident's age discounts it (unknown age counts as old)."""
        if age is None:
            return self.incident_old_factor
        for limit, factor in self.incident_age_factors:
            if age <= limit:
                return factor
        return self.incident_old_factor

    def combine(
        self, raw_scores: Sequence[float], threats: Sequence[Hashable] | None = None
    ) -> tuple[float, list[float]]:
        """The combined score and each raw score's contribution (in the order given). With
        `threats`, only the strongest of each threat counts (the first of equals); the others
        contribute 0."""
        counted = strongest(raw_scores, threats) if threats is not None else None
        order = sorted(range(len(raw_scores)), key=lambda i: -raw_scores[i])
        remaining = 1.0
        contributions = [0.0] * len(raw_scores)
        for i in order:
            if counted is not None and not counted[i]:
                continue
            share = remaining * raw_scores[i] / 100.0
            contributions[i] = 100.0 * share
            remaining -= share
        return 100.0 * (1.0 - remaining), contributions

    def category(self, score: float) -> str:
        """The category name of a score."""
        if score <= 0.0:
            return "none"
        for name, threshold in self.categories:
            if score >= threshold:
                return name
        return "low"


DEFAULT_MODEL = ScoringModel()
# Named in every result's summary; changes with the model (docs/scoring.md).
MODEL_NAME = "airspace-risk scoring model 2 (docs/scoring.md)"
