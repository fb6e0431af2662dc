"""Scoring model 2: one threat counted once, and incidents as evidence (hit points only, one
event once, at the altitudes their weapon reaches), through the engine and its report, without
database or HTTP.

Expected scores are worked out by hand from docs/scoring.md: raw scores from its table, the
strongest record of each threat, independent threats as 100 × (1 − Π(1 − rᵢ/100)).
"""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from shapely.geometry import Point

from app.core.layers.records import AirDefenceSystem, Incident
from app.core.layers.vocabulary import Certainty, IncidentKind, IncidentStatus, WeaponClass
from app.core.risk.check import RouteChecker
from app.core.risk.hazard_records import incident_hazard
from app.core.risk.hazards import Hazard, HazardLayer
from app.core.risk.report import report
from tests.routing import GEOD, NM, check, plan, rectangle, zone

# A route along 40°N from 30°E to 50°E, level at FL350, crossing 40–42°E.
ROUTE = [(30.0, 40.0), (50.0, 40.0)]
BOX = rectangle(40.0, 38.0, 42.0, 42.0)
DEPARTURE = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)


def _advisory(record_id: str, level: int, issuer: str, threat: str | None) -> Hazard:
    return replace(
        zone(BOX, level=level, zone_id=record_id), issuer=issuer, reference=None, threat=threat
    )


def _worst(hazards: list[Hazard]) -> dict[str, object]:
    body = report(check(hazards, plan(ROUTE)), data_version=1)
    segments = body["segments"]
    assert isinstance(segments, list)
    return segments[body["summary"]["worst_segment"]]  # type: ignore[no-any-return]


def test_one_threat_with_three_issuers_scores_as_its_strongest_record() -> None:
    # Levels 1, 1 and 2 of one threat: raw 90, 90 and 65. Model 1 gave 1 − 0.1·0.1·0.35 → 99.7;
    # model 2 counts the strongest only: 90.
    worst = _worst(
        [
            _advisory("faa", 1, "FAA", "war"),
            _advisory("easa", 1, "EASA", "war"),
            _advisory("state", 2, "UkSATSE", "war"),
        ]
    )
    assert worst["score"] == 90.0
    hazards = worst["hazards"]
    assert isinstance(hazards, list)
    assert [h["contribution"] for h in hazards] == [90.0, 0.0, 0.0]
    assert [h["counted"] for h in hazards] == [True, False, False]
    # The first of equals counts (the FAA's, listed first); its explanation names every other
    # issuer of the threat that applies there.
    assert hazards[0]["id"] == "faa"
    assert "also advised here by EASA, UkSATSE" in hazards[0]["explanation"]
    assert "counted once" in hazards[1]["explanation"]


def test_different_threats_still_combine() -> None:
    # Raw 90 and 65 of two threats: 100 × (1 − 0.10 × 0.35) = 96.5.
    worst = _worst([_advisory("a", 1, "FAA", "war"), _advisory("b", 2, "EASA", "other")])
    assert worst["score"] == 96.5
    hazards = worst["hazards"]
    assert isinstance(hazards, list)
    # Contributions add up to the score: 90 + 0.1 × 65.
    assert [h["contribution"] for h in hazards] == [90.0, 6.5]


def test_records_without_a_threat_are_threats_of_their_own() -> None:
    # Two level-3 advisories (35 each) with no threat named: 100 × (1 − 0.65²) = 57.75 → 57.8.
    worst = _worst([_advisory("a", 3, "FAA", None), _advisory("b", 3, "EASA", None)])
    assert worst["score"] == 57.8


# Incidents beside a route up the 35°E meridian (a geodesic), placed due east or west of
# 40°N at a given distance with Geod.fwd: that distance is the route's closest approach.
MERIDIAN = [(35.0, 30.0), (35.0, 50.0)]


def _incident(incident_id: str, event: str, kind: str, east_nm: float) -> Hazard:
    lon, lat, _ = GEOD.fwd(35.0, 40.0, 90.0 if east_nm > 0 else 270.0, abs(east_nm) * NM)
    return Hazard(
        layer=HazardLayer.INCIDENT,
        id=incident_id,
        name=event,
        area=Point(lon, lat),
        valid_from=datetime(1988, 7, 3, 6, 54, tzinfo=UTC),
        occurred_at=datetime(1988, 7, 3, 6, 54, tzinfo=UTC),
        details=(("event", event), ("kind", kind)),
    )


def test_a_crash_site_never_scores_but_is_listed() -> None:
    # A crash site 5 NM from the route: near, listed, no score.
    crash = _incident("aktau-crash", "aktau", "crash", 5.0)
    result = RouteChecker([], [crash]).check(plan(MERIDIAN, departure=DEPARTURE))
    assert all(s.score == 0.0 for s in result.segments)
    assert [n.incident.id for n in result.incidents_nearby] == ["aktau-crash"]


def test_the_hit_and_crash_of_one_1980s_event_score_once() -> None:
    # Hit 3 NM and crash 6 NM from the route, both within the near ring (10 NM), 37 years
    # before departure (older than 20 years: age factor 0.1). Model 1 counted both:
    # 1 − (1 − 0.02)² → 4.0; model 2 counts the hit alone: 20 × 0.1 = 2.0.
    hit = _incident("ir655-hit", "ir655", "hit", 3.0)
    crash = _incident("ir655-crash", "ir655", "crash", -6.0)
    result = RouteChecker([], [hit, crash]).check(plan(MERIDIAN, departure=DEPARTURE))
    worst = max(result.segments, key=lambda s: s.score)
    assert worst.score == 2.0
    assert [h.hazard.id for h in worst.hazards] == ["ir655-hit"]


def _manpads_hit(catalogue: dict[str, AirDefenceSystem]) -> Hazard:
    """A MANPADS hit in 2024 on the 35°E meridian route's line (3 NM east of it)."""
    lon, lat, _ = GEOD.fwd(35.0, 40.0, 90.0, 3.0 * NM)
    record = Incident(
        id="x-hit",
        event="x",
        kind=IncidentKind.HIT,
        occurred_at=datetime(2024, 11, 22, 6, 0, tzinfo=UTC),
        published_at=datetime(2024, 11, 22, tzinfo=UTC),
        weapon_class=WeaponClass.MANPADS,
        status=IncidentStatus.VERIFIED,
        sources=["https://example.org/report"],
        certainty=Certainty.HIGH,
    )
    return incident_hazard(record, Point(lon, lat), catalogue)


MANPADS = AirDefenceSystem(
    id="manpads",
    name="MANPADS",
    range_nm=4.3,
    ceiling_ft=15_000,
    ceiling_ft_low=9_800,
    published_at=datetime(2023, 5, 30, tzinfo=UTC),
    sources=["https://example.org/figures"],
    certainty=Certainty.MEDIUM,
)


@pytest.mark.parametrize(
    ("altitude_ft", "expected"),
    [
        # Within a year of departure, within 10 NM: 20. Below the lowest published ceiling the
        # whole 20; at 12,000 ft step 8 of the fade ((12,000 − 9,800) / 260 = 8.5): 20 × 0.6;
        # at FL410 nothing: a MANPADS hit is no evidence about cruising altitudes.
        (8_000.0, 20.0),
        (12_000.0, 12.0),
        (41_000.0, 0.0),
    ],
)
def test_an_incident_counts_only_at_altitudes_its_weapon_reaches(
    altitude_ft: float, expected: float
) -> None:
    hit = _manpads_hit({"manpads": MANPADS})
    result = RouteChecker([], [hit]).check(
        plan(MERIDIAN, cruise_ft=altitude_ft, departure=DEPARTURE)
    )
    assert max(s.score for s in result.segments) == expected


def test_an_incident_of_unknown_weapon_counts_at_every_altitude() -> None:
    hit = _manpads_hit({})  # no catalogue entry to bound it: every altitude
    result = RouteChecker([], [hit]).check(plan(MERIDIAN, cruise_ft=41_000.0, departure=DEPARTURE))
    assert max(s.score for s in result.segments) == 20.0
