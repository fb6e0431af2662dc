"""One threat counted once: several authorities' records of the same danger are not independent
hazards. Within a threat only the strongest record applying at a point counts; threats combine.

A zone's or engagement area's threat is its record's `threat` (a record without one is a threat
of its own); an incident's is its event, so that the near disc and outer ring of one hit, or two
records of one event, never count twice.
"""

from collections.abc import Hashable, Sequence

import numpy as np

from app.core.arrays import FloatArray, IntArray
from app.core.risk.hazards import Hazard, HazardLayer
from app.core.routes.span_sets import SpanSets


def threat_key(hazard: Hazard) -> str:
    """The threat a hazard belongs to (records of one threat count once)."""
    if hazard.layer is HazardLayer.INCIDENT:
        event = dict(hazard.details).get("event")
        return f"event:{event or hazard.id}"
    if hazard.threat:
        return f"threat:{hazard.threat}"
    return f"{hazard.layer.value}:{hazard.id}"


def threat_numbers(hazards: Sequence[Hazard]) -> tuple[IntArray, list[str]]:
    """Each hazard's threat as a number (equal numbers: the same threat), and each number's
    threat key."""
    numbers: dict[str, int] = {}
    numbered = [numbers.setdefault(threat_key(h), len(numbers)) for h in hazards]
    return np.array(numbered, dtype=np.int64), list(numbers)


def strongest(raw_scores: Sequence[float], threats: Sequence[Hashable]) -> list[bool]:
    """Which of these applications counts for its threat: the strongest (the first of equals)."""
    best: dict[Hashable, int] = {}
    for i, (raw, threat) in enumerate(zip(raw_scores, threats, strict=True)):
        if threat not in best or raw > raw_scores[best[threat]]:
            best[threat] = i
    chosen = set(best.values())
    return [i in chosen for i in range(len(raw_scores))]


def strongest_spans(
    spans: SpanSets, raw_scores: FloatArray, threats: IntArray
) -> tuple[SpanSets, FloatArray]:
    """Where each threat applies along the route and the raw score of its strongest record
    there: spans owned by threat number, and each span's raw score.

    `spans` are the applications' (owner: application), `raw_scores` and `threats` per
    application. A threat with one application keeps its spans as they are.
    """
    span_threat = threats[spans.owner]
    span_raw = raw_scores[spans.owner]
    applications_of = np.bincount(
        threats[np.unique(spans.owner)], minlength=threats.max(initial=0) + 1
    )
    single = applications_of[span_threat] <= 1
    owners, lows, highs, raws = (
        [span_threat[single]], [spans.low[single]], [spans.high[single]], [span_raw[single]]
    )  # fmt: skip
    for threat in np.flatnonzero(applications_of > 1).tolist():
        rows = np.flatnonzero(span_threat == threat)
        low, high, raw = spans.low[rows], spans.high[rows], span_raw[rows]
        cuts = np.unique(np.concatenate([low, high]))
        middles = (cuts[:-1] + cuts[1:]) / 2.0
        covers = (low[None, :] <= middles[:, None]) & (middles[:, None] < high[None, :])
        best = np.where(covers, raw[None, :], -np.inf).max(axis=1, initial=-np.inf)
        held = best > -np.inf
        owners.append(np.full(int(held.sum()), threat, dtype=np.int64))
        lows.append(cuts[:-1][held])
        highs.append(cuts[1:][held])
        raws.append(best[held])
    return (
        SpanSets(np.concatenate(owners), np.concatenate(lows), np.concatenate(highs)),
        np.concatenate(raws),
    )
