"""The route-check engine without database or HTTP: entry and exit points, bands, validity.

Expected entry and exit distances are computed independently of the engine: by bisection along
the geodesic (pyproj Geod.fwd from the route's start) on a plain inside/outside predicate — a
lon/lat rectangle test, or the Geod.inv distance from a circle's centre — never with the
engine's polygons, densification or interval code. Positions are compared with Geod.inv.
"""

import math
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from shapely.geometry import MultiPolygon

from app.core.geodesy.circle import geodesic_circle
from app.core.risk.check import RouteCheck, Segment
from app.core.risk.hazards import Hazard, HazardLayer
from tests.routing import GEOD, NM, along, check, crossing, length_m, plan, rectangle, zone

TOLERANCE_M = 100.0


def _in_box(
    min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> Callable[[float, float], bool]:
    return lambda lon, lat: min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def _gap_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def _hazardous(result: RouteCheck) -> list[Segment]:
    return [s for s in result.segments if s.hazards]


def test_route_crossing_meridian_edged_zone() -> None:
    start, end = (36.0, 44.0), (46.0, 38.0)
    result = check([zone(rectangle(40.0, 30.0, 42.0, 50.0))], plan([start, end]))
    inside = _in_box(40.0, 30.0, 42.0, 50.0)
    total = length_m(start, end)
    entry = crossing(inside, start, end, 0.0, total / 2)
    exit_ = crossing(inside, start, end, total / 2, total)
    (segment,) = _hazardous(result)
    assert abs(segment.start_m - entry) < TOLERANCE_M
    assert abs(segment.end_m - exit_) < TOLERANCE_M
    assert (
        _gap_m(result.plan.path.position(segment.start_m), along(start, end, entry)) < TOLERANCE_M
    )
    assert (segment.end_m - segment.start_m) == pytest.approx(exit_ - entry, rel=1e-3)
    assert result.plan.path.length_m == pytest.approx(total, rel=1e-9)
    assert [s.category for s in result.segments] == ["none", "critical", "none"]


def test_route_entering_a_geodesic_engagement_circle() -> None:
    centre, radius_nm = (45.0, 43.0), 20.0
    area = Hazard(
        layer=HazardLayer.ENGAGEMENT_AREA,
        id="sam",
        name="sam",
        area=geodesic_circle(centre[0], centre[1], radius_nm),
        upper_ft=70_000,
        system="buk-m1",
        site_basis="confirmed",
    )
    start, end = (44.0, 42.0), (46.5, 43.8)
    result = check([area], plan([start, end]))

    def inside(lon: float, lat: float) -> bool:
        return float(GEOD.inv(centre[0], centre[1], lon, lat)[2]) <= radius_nm * NM

    total = length_m(start, end)
    closest = min(
        range(0, int(total), 500), key=lambda d: GEOD.inv(*centre, *along(start, end, d))[2]
    )
    entry = crossing(inside, start, end, 0.0, float(closest))
    exit_ = crossing(inside, start, end, float(closest), total)
    (segment,) = _hazardous(result)
    assert abs(segment.start_m - entry) < TOLERANCE_M
    assert abs(segment.end_m - exit_) < TOLERANCE_M
    assert segment.score == 90.0


def test_trans_pacific_route_across_a_zone_spanning_180() -> None:
    # One zone, 170°E to 170°W, stored as RFC 7946 says: two parts either side of 180°.
    spanning = MultiPolygon(
        [rectangle(170.0, 30.0, 180.0, 60.0), rectangle(-180.0, 30.0, -170.0, 60.0)]
    )
    start, end = (140.0, 35.0), (-122.0, 37.0)
    result = check([zone(spanning)], plan([start, end]))

    def inside(lon: float, lat: float) -> bool:
        return (lon >= 170.0 or lon <= -170.0) and 30.0 <= lat <= 60.0

    total = length_m(start, end)
    entry = crossing(inside, start, end, 0.0, total * 0.5)
    exit_ = crossing(inside, start, end, total * 0.5, total * 0.9)
    hazardous = _hazardous(result)
    assert len(hazardous) == 1, "the zone is one stretch of route, not two halves"
    assert abs(hazardous[0].start_m - entry) < TOLERANCE_M
    assert abs(hazardous[0].end_m - exit_) < TOLERANCE_M


def test_route_passing_near_the_north_pole() -> None:
    start, end = (10.0, 80.0), (-160.0, 82.0)
    result = check([zone(rectangle(-30.0, 85.0, 30.0, 89.0))], plan([start, end]))
    inside = _in_box(-30.0, 85.0, 30.0, 89.0)
    total = length_m(start, end)
    samples = [d for d in range(0, int(total), 1000) if inside(*along(start, end, d))]
    assert samples, "the test route must cross the zone"
    entry = crossing(inside, start, end, 0.0, float(samples[0]))
    exit_ = crossing(inside, start, end, float(samples[-1]), total)
    (segment,) = _hazardous(result)
    assert abs(segment.start_m - entry) < TOLERANCE_M
    assert abs(segment.end_m - exit_) < TOLERANCE_M
    max_lat = max(along(start, end, d)[1] for d in range(0, int(total), 1000))
    assert max_lat > 88.0


def test_climb_out_of_a_surface_to_25000_ft_band_between_two_waypoints() -> None:
    start, end = (40.0, 40.0, 0.0), (43.0, 41.0, 35_000.0)
    band = zone(rectangle(35.0, 35.0, 50.0, 50.0), level=2, upper_ft=25_000)
    result = check([band], plan([start, end]))
    total = length_m(start[:2], end[:2])
    # Altitude is linear in distance: it reaches 25,000 ft at 25/35 of the way.
    expected_exit = total * 25_000.0 / 35_000.0
    inside_band = next(s for s in result.segments if s.hazards and not s.hazards[0].above_ceiling)
    assert inside_band.start_m == 0.0
    assert abs(inside_band.end_m - expected_exit) < 1.0
    above = [s for s in result.segments if s.hazards and s.hazards[0].above_ceiling]
    # The fade above the ceiling: 20 steps of 200 ft from 25,000 to 29,000 ft, step i keeping
    # 65 × (1 − i/20) (rounded to 0.1, halves up), each step's bounds where the linear climb
    # crosses its altitudes.
    assert len(above) == 20
    for i, segment in enumerate(above):
        assert abs(segment.start_m - total * (25_000.0 + 200.0 * i) / 35_000.0) < 1.0
        assert abs(segment.end_m - total * (25_200.0 + 200.0 * i) / 35_000.0) < 1.0
        assert segment.score == math.floor(65.0 * (1 - i / 20) * 10 + 0.5 + 1e-6) / 10
    assert result.segments[-1].category == "none"
    assert result.segments[-1].start_m == above[-1].end_m


@pytest.mark.parametrize(
    ("departure", "expected"),
    [
        (datetime(2025, 2, 28, 10, tzinfo=UTC), ["none"]),
        (datetime(2025, 3, 1, 10, tzinfo=UTC), ["none", "critical", "none"]),
        (datetime(2025, 3, 2, 10, tzinfo=UTC), ["none"]),
    ],
)
def test_zone_valid_only_on_one_day(departure: datetime, expected: list[str]) -> None:
    one_day = zone(
        rectangle(40.0, 30.0, 42.0, 50.0),
        valid_from=datetime(2025, 3, 1, tzinfo=UTC),
        valid_to=datetime(2025, 3, 2, tzinfo=UTC),
    )
    result = check([one_day], plan([(36.0, 44.0), (46.0, 38.0)], departure=departure))
    assert [s.category for s in result.segments] == expected


def test_validity_starts_mid_route() -> None:
    # The zone becomes valid 30 min after departure: the route is cut where that moment is flown.
    start, end = (30.0, 40.0), (50.0, 40.0)
    departure = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    opens = zone(rectangle(25.0, 30.0, 55.0, 50.0), valid_from=datetime(2025, 3, 1, 10, tzinfo=UTC))
    result = check([opens], plan([start, end], departure=departure))
    expected_m = 450.0 * NM * 0.5  # 30 minutes at the default 450 kt
    assert [s.category for s in result.segments] == ["none", "critical"]
    assert abs(result.segments[1].start_m - expected_m) < 1.0


def test_route_that_touches_nothing_is_one_none_segment() -> None:
    result = check([zone(rectangle(40.0, 30.0, 42.0, 50.0))], plan([(0.0, 0.0), (10.0, 5.0)]))
    assert len(result.segments) == 1
    assert result.segments[0].category == "none"
    assert result.segments[0].score == 0.0
    assert result.segments[0].end_m == pytest.approx(length_m((0.0, 0.0), (10.0, 5.0)))


def test_above_the_ceiling_beyond_the_margin_is_clear() -> None:
    result = check(
        [zone(rectangle(40.0, 30.0, 42.0, 50.0), upper_ft=25_000)],
        plan([(36.0, 44.0), (46.0, 38.0)], cruise_ft=30_000),
    )
    assert [s.category for s in result.segments] == ["none"]


def test_one_checker_shared_by_many_threads_gives_the_same_answers() -> None:
    """Server threads share a checker: GEOS prepared geometries must not race (they once
    crashed the process). Same answers as one thread, and no crash."""
    from concurrent.futures import ThreadPoolExecutor

    from app.core.risk.check import RouteChecker

    zones = [
        zone(geodesic_circle(40.0 + i * 0.7, 40.0 + (i % 5) * 0.5, 30.0), zone_id=f"z{i}")
        for i in range(12)
    ]
    checker = RouteChecker(zones)
    flights = [plan([(38.0, 39.0 + k * 0.1), (49.0, 42.5 - k * 0.1)]) for k in range(16)]
    expected = [[(s.start_m, s.end_m, s.score) for s in checker.check(f).segments] for f in flights]

    def run(index: int) -> list[tuple[float, float, float]]:
        return [(s.start_m, s.end_m, s.score) for s in checker.check(flights[index % 16]).segments]

    fresh = RouteChecker(zones)  # prepared geometries not yet used by any thread
    checker = fresh
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, range(16 * 8)))
    assert results == [expected[i % 16] for i in range(16 * 8)]


def test_route_along_the_antimeridian_inside_a_zone_split_there() -> None:
    # Zone 175°E–175°W, 10°S–10°N, stored in two parts either side of 180°; the route flies
    # up the 180° line itself. Expected: inside from 10°S to 10°N, distances by Geod.inv.
    split = MultiPolygon(
        [rectangle(175.0, -10.0, 180.0, 10.0), rectangle(-180.0, -10.0, -175.0, 10.0)]
    )
    result = check([zone(split)], plan([(180.0, -20.0), (180.0, 20.0)]))
    (inside,) = _hazardous(result)
    assert abs(inside.start_m - length_m((180.0, -20.0), (180.0, -10.0))) < TOLERANCE_M
    assert abs(inside.end_m - length_m((180.0, -20.0), (180.0, 10.0))) < TOLERANCE_M


def test_route_over_the_pole() -> None:
    # Up meridian 0 and down meridian 180 through the North Pole; the circle of 200 NM around
    # (0°, 89.5°N) is entered on the way up and left on the way down. Expected distances:
    # Geod.inv along the meridians, and the circle's edge found by bisection on Geod.inv.
    centre, radius_m = (0.0, 89.5), 200.0 * NM
    result = check([zone(geodesic_circle(*centre, 200.0))], plan([(0.0, 80.0), (180.0, 80.0)]))
    (inside,) = _hazardous(result)
    to_pole = length_m((0.0, 80.0), (0.0, 90.0))

    def edge(lon: float, lat_low: float, lat_high: float) -> float:
        for _ in range(60):
            middle = (lat_low + lat_high) / 2.0
            if GEOD.inv(centre[0], centre[1], lon, middle)[2] > radius_m:
                lat_low = middle
            else:
                lat_high = middle
        return (lat_low + lat_high) / 2.0

    entry = length_m((0.0, 80.0), (0.0, edge(0.0, 80.0, 90.0)))
    exit_ = to_pole + length_m((180.0, 90.0), (180.0, edge(180.0, 80.0, 90.0)))
    assert abs(inside.start_m - entry) < TOLERANCE_M
    assert abs(inside.end_m - exit_) < TOLERANCE_M
