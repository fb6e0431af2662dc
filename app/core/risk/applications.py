"""Where along a flight each touched hazard applies: inside its area, its altitude band (or in
the fade above its ceiling) and its validity, all hazards at once (see `routes.span_sets`).

An application is a hazard applying inside its band (number (F + 1)·k for the k-th touched
hazard, F = the model's fade steps) or in step i of the fade above its ceiling ((F + 1)·k + 1 +
i), with the raw score the model gives it there.
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
    # Where the score fades above the ceiling (upper_ft): from fade_low_ft (full) to
    # fade_high_ft (zero); equal where it does not fade (see ScoringModel.fade).
    fade_low_ft: FloatArray
    fade_high_ft: FloatArray
    raw_inside: FloatArray

    @classmethod
    def of(cls, hazards: Sequence[Hazard], model: ScoringModel) -> "HazardArrays":
        """Arrays for these hazards under this model (NaN where a value does not apply)."""

        def column(values: list[float | None], missing: float) -> FloatArray:
            return np.array([missing if v is None else v for v in values], dtype=float)

        def seconds(values: list[datetime | None], missing: float) -> FloatArray:
            return np.array([missing if v is None else v.timestamp() for v in values], dtype=float)

        incident = np.array([h.layer is HazardLayer.INCIDENT for h in hazards], dtype=bool)
        fades = [model.fade(h) or (math.inf, math.inf) for h in hazards]
        # An incident's score depends on its age at departure: worked out per route.
        raw_inside = [
            math.nan if h.layer is HazardLayer.INCIDENT else model.raw_score(h, None)
            for h in hazards
        ]
        return cls(
            lower_ft=column([h.lower_ft for h in hazards], -math.inf),
            upper_ft=column([h.upper_ft for h in hazards], math.inf),
            valid_from_s=seconds([h.valid_from for h in hazards], -math.inf),
            valid_to_s=seconds([h.valid_to for h in hazards], math.inf),
            occurred_s=seconds([h.occurred_at for h in hazards], math.nan),
            incident=incident,
            fade_low_ft=np.array([f[0] for f in fades], dtype=float),
            fade_high_ft=np.array([f[1] for f in fades], dtype=float),
            raw_inside=np.array(raw_inside, dtype=float),
        )


@dataclass(frozen=True)
class Applied:
    """Applications found on one route: which hazard, whether above its ceiling, raw score, and
    their spans (owner = position in these lists)."""

    hazards: list[Hazard]
    above_ceiling: list[bool]
    raw_scores: list[float]
    spans: SpanSets

    def only(self, keep: Sequence[bool]) -> "Applied":
        """These applications but those not kept, numbered again in order."""
        kept = np.flatnonzero(np.array(keep, dtype=bool))
        renumber = np.full(len(keep), -1, dtype=np.int64)
        renumber[kept] = np.arange(kept.size)
        rows = renumber[self.spans.owner] >= 0 if len(self.spans) else np.zeros(0, dtype=bool)
        spans = self.spans.select(rows)
        return Applied(
            [self.hazards[i] for i in kept.tolist()],
            [self.above_ceiling[i] for i in kept.tolist()],
            [self.raw_scores[i] for i in kept.tolist()],
            SpanSets(renumber[spans.owner], spans.low, spans.high),
        )

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
    steps = model.fade_steps
    inside = within_many(altitude_ft, lower, upper, high_open=True)
    # The fade above each fading hazard's ceiling, in equal steps; at its top the score is 0.
    fading = np.flatnonzero(arrays.fade_high_ft[touched] > arrays.fade_low_ft[touched])
    fade_low, fade_high = arrays.fade_low_ft[touched][fading], arrays.fade_high_ft[touched][fading]
    step = np.tile(np.arange(steps), fading.size)
    width = np.repeat((fade_high - fade_low) / steps, steps)
    step_low = np.repeat(fade_low, steps) + step * width
    in_step = within_many(altitude_ft, step_low, step_low + width, high_open=True)
    bands = _sorted(
        SpanSets(
            np.concatenate(
                [
                    (steps + 1) * inside.owner,
                    (steps + 1) * np.repeat(fading, steps)[in_step.owner] + 1 + step[in_step.owner],
                ]
            ),
            np.concatenate([inside.low, in_step.low]),
            np.concatenate([inside.high, in_step.high]),
        )
    )
    allowed = intersect_by_key(bands, bands.owner // (steps + 1), timely)
    applied = intersect_by_key(allowed, allowed.owner // (steps + 1), inside_route)
    applied = applied.select(applied.high > applied.low)
    used, number = np.unique(applied.owner, return_inverse=True)
    spans = SpanSets(number.astype(np.int64), applied.low, applied.high)
    which = touched[used // (steps + 1)]
    band = used % (steps + 1)
    is_above = (band > 0).tolist()
    # Step i of the fade keeps (1 − i/F) of the score: its value at the step's lowest altitude.
    faded = np.where(band > 0, 1.0 - (band - 1) / steps, 1.0)
    raw = (arrays.raw_inside[which] * faded).tolist()
    chosen = [hazards[i] for i in which.tolist()]
    for n, hazard in enumerate(chosen):
        if hazard.layer is HazardLayer.INCIDENT:
            age = reference_time - hazard.occurred_at if hazard.occurred_at else None
            raw[n] = model.raw_score(hazard, age) * float(faded[n])
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
