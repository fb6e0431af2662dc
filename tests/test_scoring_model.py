"""The scoring model, pinned: a change to any number here is a change to the model and must be
made in app/core/risk/model.py and docs/scoring.md together."""

from dataclasses import replace
from datetime import timedelta

import pytest
from shapely.geometry import Point

from app.core.risk.hazards import Hazard, HazardLayer
from app.core.risk.model import DEFAULT_MODEL as MODEL

AREA = Point(0, 0).buffer(1)


def _zone(level: int) -> Hazard:
    return Hazard(HazardLayer.CONFLICT_ZONE, f"z{level}", "z", AREA, level=level)


def _sam(status: str, system: str = "buk-m1") -> Hazard:
    return Hazard(HazardLayer.ENGAGEMENT_AREA, "s", "s", AREA, system=system, site_basis=status)


@pytest.mark.parametrize(("level", "inside"), [(1, 90.0), (2, 65.0), (3, 35.0)])
def test_zone_scores(level: int, inside: float) -> None:
    assert MODEL.raw_score(_zone(level), age=None) == inside


def test_fades_above_a_ceiling() -> None:
    # A zone's fade runs over the 4,000 ft margin; an engagement area's across its system's
    # published ceilings, or 10 % above a single figure; an instrument permitting flight above
    # its limit has none.
    assert MODEL.fade(replace(_zone(1), upper_ft=32_000)) == (32_000, 36_000)
    assert MODEL.fade(replace(_zone(1), upper_ft=32_000, upper_sharp=True)) is None
    assert MODEL.fade(_zone(1)) is None  # no ceiling
    spread = replace(_sam("confirmed"), upper_ft=70_000, ceiling_spread_ft=72_178)
    assert MODEL.fade(spread) == (70_000, 72_178)
    assert MODEL.fade(replace(_sam("confirmed"), upper_ft=20_000)) == pytest.approx(
        (20_000, 22_000)
    )
    assert MODEL.fade_steps == 20


def test_level_1_inside_its_band_is_critical() -> None:
    score, _ = MODEL.combine([MODEL.raw_score(_zone(1), None)])
    assert MODEL.category(score) == "critical"


@pytest.mark.parametrize(
    ("status", "system", "expected"),
    [
        ("confirmed", "buk-m1", 90.0),
        ("reported", "pantsir-s1", 76.5),
        ("assumed", "s-300", 54.0),
        ("confirmed", "manpads", 72.0),
    ],
)
def test_engagement_scores(status: str, system: str, expected: float) -> None:
    assert MODEL.raw_score(_sam(status, system), None) == pytest.approx(expected)


def test_mh17_lesson_above_the_floor_inside_the_buk_is_critical() -> None:
    """FL330 over a zone closed below FL320, inside a confirmed Buk's reach."""
    # 1,000 ft above the ceiling is step 5 of 20 (200 ft each) of the fade: 90 × (1 − 5/20).
    above = MODEL.raw_score(_zone(1), None) * (1 - 5 / MODEL.fade_steps)
    assert above == pytest.approx(67.5)
    # Above the floor alone is high: the advisory's limit is not where risk ends.
    assert MODEL.category(above) == "high"
    raw = [above, MODEL.raw_score(_sam("confirmed"), None)]
    # Two threats: 100 × (1 − 0.325 × 0.10) = 96.75; one threat (MH17's case): the Buk's 90.
    assert MODEL.combine(raw)[0] == pytest.approx(96.75)
    score, contributions = MODEL.combine(raw, ["eastern-ukraine-2014"] * 2)
    assert score == pytest.approx(90.0)
    assert contributions == pytest.approx([0.0, 90.0])
    assert MODEL.category(score) == "critical"


@pytest.mark.parametrize(
    ("age_days", "ring_nm", "expected"),
    [(30, 10.0, 20.0), (30, 25.0, 10.0), (1000, 10.0, 10.0), (4000, 10.0, 5.0), (9000, 25.0, 1.0)],
)
def test_incident_scores_by_distance_and_age(
    age_days: int, ring_nm: float, expected: float
) -> None:
    incident = Hazard(HazardLayer.INCIDENT, "i", "i", AREA, ring_nm=ring_nm)
    assert MODEL.raw_score(incident, timedelta(days=age_days)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (0.0, "none"),
        (0.1, "low"),
        (24.9, "low"),
        (25.0, "moderate"),
        (50.0, "high"),
        (75.0, "critical"),
    ],
)
def test_categories(score: float, category: str) -> None:
    assert MODEL.category(score) == category


def test_combination_never_exceeds_100_and_contributions_add_up() -> None:
    score, contributions = MODEL.combine([90.0, 90.0, 90.0, 35.0])
    assert score < 100.0
    assert sum(contributions) == pytest.approx(score)
