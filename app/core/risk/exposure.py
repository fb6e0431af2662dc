"""How long a flight is exposed: distance and minutes inside each threat and each category, and
a route-level index that grows with time exposed (see docs/scoring.md, "Exposure").

Segment scores stay consequence-led: a do-not-fly band is critical however short the stay. The
exposure says how long the stay is, so that two routes of one category can be ranked.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.core.arrays import FloatArray, IntArray
from app.core.risk.hazards import Hazard
from app.core.routes.piecewise import Piecewise
from app.core.routes.span_sets import SpanSets
from app.core.units import METRES_PER_NM

# Without planned times, minutes are counted at this ground speed (the service's default).
NOMINAL_SPEED_KT = 450.0


@dataclass(frozen=True)
class ThreatExposure:
    """Where a route is inside one threat: its name, distance, minutes and strongest score."""

    threat: str
    nm: float
    minutes: float
    max_raw_score: float
    hazard_ids: tuple[str, ...]


def minutes_between(time_s: Piecewise | None, low_m: FloatArray, high_m: FloatArray) -> FloatArray:
    """Minutes flown between distances along the route (at the nominal speed without times)."""
    if time_s is None:
        return (high_m - low_m) / METRES_PER_NM / NOMINAL_SPEED_KT * 60.0
    at = np.vectorize(time_s.at, otypes=[float])
    return (at(high_m) - at(low_m)) / 60.0 if len(low_m) else np.zeros(0)


def threat_exposures(
    hazards: Sequence[Hazard],
    threats: IntArray,
    keys: Sequence[str],
    scoring: SpanSets,
    raw: FloatArray,
    time_s: Piecewise | None,
) -> list[ThreatExposure]:
    """Per threat that scores on the route: distance and minutes inside it, its strongest raw
    score there, and the records of it that apply (`threats`, `keys`: `threat_numbers` of the
    applications' `hazards`; `scoring` owner: threat number)."""
    names: dict[int, str] = {}
    records: dict[int, list[str]] = {}
    for hazard, number in zip(hazards, threats.tolist(), strict=True):
        names[number] = hazard.threat or keys[number].split(":", 1)[1]
        if hazard.id not in records.setdefault(number, []):
            records[number].append(hazard.id)
    minutes = minutes_between(time_s, scoring.low, scoring.high)
    found = []
    for number in np.unique(scoring.owner).tolist():
        rows = scoring.owner == number
        found.append(
            ThreatExposure(
                threat=names[number],
                nm=float((scoring.high[rows] - scoring.low[rows]).sum()) / METRES_PER_NM,
                minutes=float(minutes[rows].sum()),
                max_raw_score=float(raw[rows].max()),
                hazard_ids=tuple(sorted(records[number])),
            )
        )
    return sorted(found, key=lambda e: (-e.max_raw_score, -e.minutes, e.threat))


def route_index(scores: Sequence[float], minutes: Sequence[float]) -> float:
    """Score-weighted minutes: each segment's minutes times its score / 100, summed (10 minutes
    at 90 count 9). Not comparable across categories: rank by category first, then by this."""
    return float(sum(s * m for s, m in zip(scores, minutes, strict=True)) / 100.0)
