"""Where along a flight each touched hazard applies: inside its area, its altitude band (or just
above a zone's ceiling) and its validity, all hazards at once (see `routes.span_sets`).

An application is a hazard applying inside its band (number 2k for the k-th touched hazard) or
just above a zone's ceiling (2k + 1), with the raw score the model gives it.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from app.core.arrays import BoolArray, FloatArray, IntArray
from app.core.risk.hazards import Hazard, HazardLayer
from app.core.risk.model import ScoringModel
from app.core.routes.piecewise import Piecewise
from app.core.routes.span_sets import SpanSets, intersect_by_key, within_many


@dataclass(frozen=True)
class HazardArrays:
    """The hazards' bands, validity and fixed raw scores as arrays (built once per checker)."""

    lower_ft: FloatArray
    upper_ft: FloatArray
    valid_from_s: FloatArray
    valid_to_s: FloatArray
    occurred_s: FloatArray
    incident: BoolArray
    # Zones with a ceiling also apply, less, in a margin above it.
    has_above: BoolArray
    raw_inside: FloatArray
    raw_above: FloatArray

    @classmethod
    def of(cls, hazards: Sequence[Hazard], model: ScoringModel) -> "HazardArrays":
        """Arrays for these hazards under this model (NaN where a value does not apply)."""

        def column(values: list[float | None], missing: float) -> FloatArray:
            return np.array([missing if v is None else v for v in values], dtype=float)

        def seconds(values: list[datetime | None], missing: float) -> FloatArray:
            return np.array([missing if v is None else v.timestamp() for v in values], dtype=float)

        incident = np.array([h.layer is HazardLayer.INCIDENT for h in hazards], dtype=bool)
        has_above = np.array(
            [h.layer is HazardLayer.CONFLICT_ZONE and h.upper_ft is not None for h in hazards],
            dtype=bool,
        )
        # An incident's score depends on its age at departure: worked out per route.
        raw_inside = [
            math.nan if h.layer is HazardLayer.INCIDENT else model.raw_score(h, False, None)
            for h in hazards
        ]
        raw_above = [
            model.raw_score(h, True, None) if above else math.nan
            for h, above in zip(hazards, has_above.tolist(), strict=True)
        ]
        return cls(
            lower_ft=column([h.lower_ft for h in hazards], -math.inf),
            upper_ft=column([h.upper_ft for h in hazards], math.inf),
            valid_from_s=seconds([h.valid_from for h in hazards], -math.inf),
            valid_to_s=seconds([h.valid_to for h in hazards], math.inf),
            occurred_s=seconds([h.occurred_at for h in hazards], math.nan),
            incident=incident,
            has_above=has_above,
            raw_inside=np.array(raw_inside, dtype=float),
            raw_above=np.array(raw_above, dtype=float),
        )


@dataclass(frozen=True)
class Applied:
    """Applications found on one route: which hazard, whether above its ceiling, raw score, and
    their spans (owner = position in these lists)."""

    hazards: list[Hazard]
    above_ceiling: list[bool]
    raw_scores: list[float]
    spans: SpanSets

    def numbers_at(self, along_m: float) -> list[int]:
        """The applications whose spans cover this point along the route, in order."""
        spans = self.spans
        covering = (spans.low <= along_m) & (along_m < spans.high)
        return [int(n) for n in np.unique(spans.owner[covering])]


def apply(
    hazards: Sequence[Hazard],
    arrays: HazardArrays,
    lateral: SpanSets,
    altitude_ft: Piecewise,
    time_s: Piecewise | None,
    now: datetime,
    reference_time: datetime,
    model: ScoringModel,
) -> Applied:
    """Every application of the touched hazards (lateral owner: hazard index) on this flight.

    Without times in the plan a hazard applies along the whole route if valid at `now`; an
    incident counts only if it was known when the flight set off (reference_time).
    """
    touched, local = np.unique(lateral.owner, return_inverse=True)
    if touched.size == 0:
        return Applied([], [], [], lateral)
    inside_route = SpanSets(local.astype(np.int64), lateral.low, lateral.high)
    total_m = float(altitude_ft.xs[-1])
    timely = _timely(arrays, touched, time_s, now, reference_time, total_m)
    lower, upper = arrays.lower_ft[touched], arrays.upper_ft[touched]
    inside = within_many(altitude_ft, lower, upper, high_open=True)
    above_of = np.flatnonzero(arrays.has_above[touched])
    above = within_many(altitude_ft, upper[above_of], upper[above_of] + model.zone_above_margin_ft)
    bands = _sorted(
        SpanSets(
            np.concatenate([2 * inside.owner, 2 * above_of[above.owner] + 1]),
            np.concatenate([inside.low, above.low]),
            np.concatenate([inside.high, above.high]),
        )
    )
    allowed = intersect_by_key(bands, bands.owner // 2, timely)
    applied = intersect_by_key(allowed, allowed.owner // 2, inside_route)
    applied = applied.select(applied.high > applied.low)
    used, number = np.unique(applied.owner, return_inverse=True)
    spans = SpanSets(number.astype(np.int64), applied.low, applied.high)
    which = touched[used // 2]
    is_above = (used % 2 == 1).tolist()
    raw = np.where(used % 2 == 1, arrays.raw_above[which], arrays.raw_inside[which]).tolist()
    chosen = [hazards[i] for i in which.tolist()]
    for n, hazard in enumerate(chosen):
        if hazard.layer is HazardLayer.INCIDENT:
            age = reference_time - hazard.occurred_at if hazard.occurred_at else None
            raw[n] = model.raw_score(hazard, is_above[n], age)
    return Applied(chosen, is_above, raw, spans)


def _timely(
    arrays: HazardArrays,
    touched: IntArray,
    time_s: Piecewise | None,
    now: datetime,
    reference_time: datetime,
    total_m: float,
) -> SpanSets:
    """Stretches flown while each touched hazard (owner: position in touched) is valid."""
    incident = arrays.incident[touched]
    occurred = arrays.occurred_s[touched]
    valid_from, valid_to = arrays.valid_from_s[touched], arrays.valid_to_s[touched]
    known = incident & (np.isnan(occurred) | (occurred <= reference_time.timestamp()))
    if time_s is None:
        now_s = now.timestamp()
        whole = known | (~incident & (valid_from <= now_s) & (now_s < valid_to))
        owner = np.flatnonzero(whole)
        return SpanSets(owner, np.zeros(owner.size), np.full(owner.size, total_m))
    flown = within_many(time_s, valid_from, valid_to, high_open=True)
    flown = flown.select(~incident[flown.owner])
    owner = np.flatnonzero(known)
    return _sorted(
        SpanSets(
            np.concatenate([flown.owner, owner]),
            np.concatenate([flown.low, np.zeros(owner.size)]),
            np.concatenate([flown.high, np.full(owner.size, total_m)]),
        )
    )


def _sorted(spans: SpanSets) -> SpanSets:
    """Rows sorted by owner, then low."""
    return spans.select(np.lexsort((spans.low, spans.owner)))
