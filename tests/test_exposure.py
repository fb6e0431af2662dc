"""Scoring model 2's exposure: distance and minutes inside each threat and category, and the
route index that ranks two routes of one category by time exposed.

Expected values are computed apart from the engine: a route up the 35°E meridian (a geodesic)
crosses a box between two latitudes, so the distance inside is the meridian arc between them
(pyproj Geod.inv); minutes are that distance at the stated speed.
"""

from datetime import UTC, datetime

import pytest

from app.core.risk.report import report
from tests.routing import GEOD, NM, check, plan, rectangle, zone

MERIDIAN = [(35.0, 30.0), (35.0, 50.0)]


def _arc_nm(lat1: float, lat2: float) -> float:
    return float(GEOD.inv(35.0, lat1, 35.0, lat2)[2]) / NM


def _summary(north_lat: float, departure: datetime | None = None) -> dict[str, object]:
    hazard = zone(rectangle(34.0, 40.0, 36.0, north_lat), level=1, zone_id="box")
    body = report(check([hazard], plan(MERIDIAN, departure=departure)), data_version=1)
    return body["summary"]  # type: ignore[no-any-return]


def test_a_longer_exposure_ranks_above_a_shorter_one_of_the_same_category() -> None:
    short, long_ = _summary(40.1), _summary(47.0)
    assert short["category"] == long_["category"] == "critical"
    for summary, north in ((short, 40.1), (long_, 47.0)):
        nm = _arc_nm(40.0, north)
        minutes = nm / 450.0 * 60.0  # no times given: the nominal 450 kt
        exposure = summary["exposure"]
        assert isinstance(exposure, dict)
        assert exposure["basis"] == "no times given: minutes at 450 kt"
        (threat,) = exposure["by_threat"]
        assert threat["threat"] == "box"
        assert threat["nm"] == pytest.approx(nm, abs=0.01)
        assert threat["minutes"] == pytest.approx(minutes, abs=0.1)
        assert threat["category"] == "critical"
        assert exposure["by_category"]["critical"]["nm"] == pytest.approx(nm, abs=0.01)
        # Score-weighted minutes: the one critical segment (90) for its minutes.
        assert summary["route_index"] == pytest.approx(0.9 * minutes, abs=0.1)
    assert float(long_["route_index"]) > float(short["route_index"])  # type: ignore[arg-type]


def test_exposure_minutes_follow_the_planned_times() -> None:
    # With a departure time the plan is flown at 450 kt as well: the same minutes, now the
    # planned ones.
    summary = _summary(47.0, datetime(2025, 6, 1, 6, 0, tzinfo=UTC))
    exposure = summary["exposure"]
    assert isinstance(exposure, dict)
    assert exposure["basis"] == "planned times"
    (threat,) = exposure["by_threat"]
    assert threat["minutes"] == pytest.approx(_arc_nm(40.0, 47.0) / 450.0 * 60.0, abs=0.1)
