"""Scoring model 2 at an engagement area's lateral edge: the score fades outwards across the
spread of the system's published ranges (or over 10 % beyond a single figure) instead of
stopping at one distance from the site.

Expected values by hand from docs/scoring.md: the fade runs in 10 rings of equal width, ring i
(counted from the shortest published range) keeping (1 − i/10) of the full score; a confirmed
site of a system other than MANPADS scores 90 inside. The distance of each route from the site
is measured independently of the checker: the route runs along a meridian, and pyproj's
geodesic distance from the site to points every 0.0001° of latitude along it gives its closest
approach.
"""

import itertools
import math
from datetime import UTC, datetime

import numpy as np
import pytest
from shapely.geometry import Point

from app.core.layers.engagement import resolve_envelope
from app.core.layers.records import AirDefenceSystem, EngagementArea
from app.core.risk.check import RouteCheck
from app.core.risk.explain import explain
from app.core.risk.hazard_records import engagement_hazards, knowledge
from app.core.risk.hazards import Hazard
from app.core.risk.model import DEFAULT_MODEL
from tests import features as f
from tests.routing import GEOD, NM, check, plan

SITE = Point(67.0, 33.0)
DEPARTURE = datetime(2024, 12, 25, 12, 0, tzinfo=UTC)  # inside the test area's validity
RINGS = 10


def _area_hazards(range_nm: float, range_nm_low: float | None) -> list[Hazard]:
    """A confirmed site of a SAM with these published ranges (ceiling far above FL300)."""
    system = AirDefenceSystem.model_validate(
        f.system(range_nm=range_nm, range_nm_low=range_nm_low, ceiling_ft=72_178)
    )
    area = EngagementArea.model_validate(
        {**f.engagement_area()["properties"], "site_basis": "confirmed"}
    )
    reach = resolve_envelope(area, SITE, {system.id: system})
    return engagement_hazards(area, SITE, reach, system, knowledge([area], None)[area.id])


def _meridian_at(offset_nm: float) -> float:
    """The longitude east of the site whose meridian passes offset_nm from it (near enough:
    along the parallel; the test measures the true closest approach itself)."""
    lon, _, _ = GEOD.fwd(SITE.x, SITE.y, 90.0, offset_nm * NM)
    return float(lon)


def _closest_nm(lon: float) -> float:
    """The closest approach of the meridian at lon (31°N to 35°N) to the site, sampled."""
    lats = np.arange(32.5, 33.5, 0.0001)
    _, _, distances = GEOD.inv(np.full(lats.size, SITE.x), np.full(lats.size, SITE.y),
                               np.full(lats.size, lon), lats)  # fmt: skip
    return float(distances.min()) / NM


def _flown(hazards: list[Hazard], lon: float) -> RouteCheck:
    return check(hazards, plan([(lon, 31.0), (lon, 35.0)], 30_000.0, DEPARTURE))


def _score_at(hazards: list[Hazard], lon: float) -> float:
    return max(s.score for s in _flown(hazards, lon).segments)


def _expected(distance_nm: float, full_nm: float, zero_nm: float) -> float:
    """90 inside the shortest range and ring 0; ring i keeps 1 − i/10; 0 beyond the longest."""
    if distance_nm >= zero_nm:
        return 0.0
    ring = max(0, math.floor((distance_nm - full_nm) / ((zero_nm - full_nm) / RINGS)))
    return round(90.0 * (1.0 - ring / RINGS), 1)


@pytest.mark.parametrize("target_nm", [10.0, 16.255, 16.475, 16.805, 17.245, 17.4])
def test_the_score_fades_across_the_published_ranges(target_nm: float) -> None:
    # Buk-M1: "over 30 km" to 32 km, 16.2 to 17.3 NM: rings of 0.11 NM; targets in ring middles.
    hazards = _area_hazards(17.3, 16.2)
    lon = _meridian_at(target_nm)
    distance_nm = _closest_nm(lon)
    assert distance_nm == pytest.approx(target_nm, abs=0.01)
    assert _score_at(hazards, lon) == _expected(distance_nm, 16.2, 17.3)


def test_no_cliff_at_the_range() -> None:
    hazards = _area_hazards(17.3, 16.2)
    scores = [_score_at(hazards, _meridian_at(d)) for d in np.arange(16.0, 17.5, 0.02)]
    # Never rising outwards, never more than one ring's share (9 points) between neighbours.
    assert all(a >= b for a, b in itertools.pairwise(scores))
    assert max(a - b for a, b in itertools.pairwise(scores)) <= 90.0 / RINGS
    assert scores[0] == 90.0
    assert scores[-1] == 0.0


def test_a_single_published_range_fades_over_a_tenth_beyond_it() -> None:
    # Tor-M1: 12 km (6.5 NM) only, so the fade runs from 6.5 to 7.15 NM; ring 3 keeps 0.7.
    hazards = _area_hazards(6.5, None)
    lon = _meridian_at(6.5 + 0.065 * 3.5)
    assert _score_at(hazards, lon) == _expected(_closest_nm(lon), 6.5, 7.15) == 63.0
    assert _score_at(hazards, _meridian_at(7.2)) == 0.0


def test_the_rings_are_one_record_and_say_where_they_are() -> None:
    hazards = _area_hazards(17.3, 16.2)
    assert len(hazards) == RINGS == DEFAULT_MODEL.range_fade_steps
    assert {h.id for h in hazards} == {"test-area"}
    result = _flown(hazards, _meridian_at(16.805))  # ring 5: half the score
    # Crossing rings 9 down to 5 and out again: one ring applies at a time, the closest ring 5.
    applied = [[round(a.hazard.range_factor, 9) for a in s.hazards] for s in result.segments]
    assert applied[1:-1] == [[0.1], [0.2], [0.3], [0.4], [0.5], [0.4], [0.3], [0.2], [0.1]]
    closest = max(result.segments, key=lambda s: s.score).hazards[0]
    words = explain(closest, 30_000.0, 30_000.0, None)
    assert "reach 16.2 NM or more, to 17.3 NM" in words
    assert (
        "16.8–16.9 NM from the site (the score fades outwards to 0 at 17.3 NM; 50% of it" in words
    )
    assert "is beyond that range" in words
