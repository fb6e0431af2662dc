"""Scoring model 2 at the edges: no cliff at an advisory's ceiling unless its instrument draws
one, and an engagement area's ceiling fading across the spread of the published figures.

Expected values by hand from docs/scoring.md: the fade runs in 20 equal steps, step i keeping
(1 − i/20) of the full score; a level-1 zone is 90, a confirmed Buk 90.
"""

import itertools
import math
from dataclasses import replace

import pytest

from app.core.geodesy.circle import geodesic_circle
from app.core.risk.hazards import Hazard, HazardLayer
from tests.routing import check, plan, rectangle, zone

# Level flight along 33°N across a level-1 zone closed below FL320 (Afghanistan's SFAR 119).
AFGHANISTAN = replace(
    zone(rectangle(60.0, 29.0, 75.0, 38.0), level=1, upper_ft=32_000), threat="afghanistan"
)
STEP = 90.0 / 20  # the largest change between neighbouring steps of the fade


def _score_at(hazards: list[Hazard], altitude_ft: float) -> float:
    result = check(hazards, plan([(62.0, 33.0), (72.0, 33.0)], cruise_ft=altitude_ft))
    return max(s.score for s in result.segments)


def test_no_cliff_at_a_ceiling() -> None:
    assert _score_at([AFGHANISTAN], 31_999) == 90.0
    assert _score_at([AFGHANISTAN], 32_001) == 90.0
    assert _score_at([AFGHANISTAN], 34_000) == 45.0  # step 10: 90 × (1 − 10/20)
    assert _score_at([AFGHANISTAN], 35_999) == 4.5  # step 19
    assert _score_at([AFGHANISTAN], 36_001) == 0.0
    # Between any two altitudes 50 ft apart the score changes by at most one step.
    scores = [_score_at([AFGHANISTAN], a) for a in range(31_800, 36_300, 50)]
    assert max(abs(a - b) for a, b in itertools.pairwise(scores)) <= STEP


def test_an_instrument_that_permits_flight_above_its_limit_draws_a_sharp_edge() -> None:
    sharp = replace(AFGHANISTAN, upper_sharp=True)
    assert _score_at([sharp], 31_999) == 90.0
    assert _score_at([sharp], 32_000) == 0.0


def test_an_engagement_ceiling_fades_across_the_published_spread() -> None:
    # A confirmed Buk whose published ceilings run from 70,000 to 72,178 ft: 20 steps of
    # 108.9 ft. At 71,000 ft, step 9 (1,000 / 108.9 = 9.18): 90 × (1 − 9/20) = 49.5.
    buk = Hazard(
        layer=HazardLayer.ENGAGEMENT_AREA,
        id="buk",
        name="buk",
        area=geodesic_circle(67.0, 33.0, 17.3),
        upper_ft=70_000,
        ceiling_spread_ft=72_178,
        system="buk-m1",
        site_basis="confirmed",
    )
    assert _score_at([buk], 69_999) == 90.0
    assert _score_at([buk], 71_000) == 49.5
    assert _score_at([buk], 72_178) == 0.0
    step = math.floor((71_000 - 70_000) / ((72_178 - 70_000) / 20))
    assert 90.0 * (1 - step / 20) == pytest.approx(49.5)
