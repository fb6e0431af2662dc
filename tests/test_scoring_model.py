"""The scoring model, pinned: a change to any number here is a change to the model and must be
made in app/core/risk/model.py and docs/scoring.md together."""

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


@pytest.mark.parametrize(
    ("level", "inside", "above"), [(1, 90.0, 45.0), (2, 65.0, 30.0), (3, 35.0, 10.0)]
)
def test_zone_scores(level: int, inside: float, above: float) -> None:
    assert MODEL.raw_score(_zone(level), above_ceiling=False, age=None) == inside
    assert MODEL.raw_score(_zone(level), above_ceiling=True, age=None) == above


def test_level_1_inside_its_band_is_critical() -> None:
    score, _ = MODEL.combine([MODEL.raw_score(_zone(1), False, None)])
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
    assert MODEL.raw_score(_sam(status, system), False, None) == pytest.approx(expected)


def test_mh17_lesson_above_the_floor_inside_the_buk_is_critical() -> None:
    """FL330 over a zone closed below FL320, inside a confirmed Buk's reach."""
    raw = [MODEL.raw_score(_zone(1), True, None), MODEL.raw_score(_sam("confirmed"), False, None)]
    score, contributions = MODEL.combine(raw)
    # 100 × (1 − (1 − 0.90)(1 − 0.45)) = 94.5; the Buk adds 90, the zone 0.1 × 45 = 4.5.
    assert score == pytest.approx(94.5)
    assert contributions == pytest.approx([4.5, 90.0])
    assert MODEL.category(score) == "critical"
    # Above the floor alone is only moderate: the advisory's limit is not where risk ends.
    assert MODEL.category(raw[0]) == "moderate"


@pytest.mark.parametrize(
    ("age_days", "ring_nm", "expected"),
    [(30, 10.0, 20.0), (30, 25.0, 10.0), (1000, 10.0, 10.0), (4000, 10.0, 5.0), (9000, 25.0, 1.0)],
)
def test_incident_scores_by_distance_and_age(
    age_days: int, ring_nm: float, expected: float
) -> None:
    incident = Hazard(HazardLayer.INCIDENT, "i", "i", AREA, ring_nm=ring_nm)
    assert MODEL.raw_score(incident, False, timedelta(days=age_days)) == pytest.approx(expected)


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
