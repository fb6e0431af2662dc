"""Properties that hold for any route: anywhere on Earth, across 180°, over the poles.

Hypothesis draws routes and zones; the engine must cover the route with contiguous segments,
agree with an independent point-in-rectangle test at segment midpoints, and never fail.
"""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.routing import check, plan, rectangle, zone

# A NaN from a degenerate piece (0/0) must fail the test, not pass silently.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

lons = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False)
lats = st.floats(min_value=-89.0, max_value=89.0, allow_nan=False)
points = st.tuples(lons, lats)


@st.composite
def rectangles(draw: st.DrawFn) -> tuple[float, float, float, float]:
    min_lon = draw(st.floats(min_value=-179.0, max_value=170.0))
    min_lat = draw(st.floats(min_value=-85.0, max_value=80.0))
    width = draw(st.floats(min_value=0.5, max_value=9.0))
    height = draw(st.floats(min_value=0.5, max_value=9.0))
    return min_lon, min_lat, min(min_lon + width, 180.0), min(min_lat + height, 89.0)


@st.composite
def routes_through(draw: st.DrawFn) -> tuple[list[tuple[float, float]], tuple[float, ...]]:
    """A rectangle and a route with one waypoint inside it, so that most examples cross it."""
    box = draw(rectangles())
    inside = (
        draw(st.floats(min_value=box[0], max_value=box[2])),
        draw(st.floats(min_value=box[1], max_value=box[3])),
    )
    before = draw(st.lists(points, min_size=0, max_size=2))
    after = draw(st.lists(points, min_size=1, max_size=2))
    return [*before, inside, *after], box


@settings(max_examples=150, deadline=None)
@given(route=st.lists(points, min_size=2, max_size=4), box=rectangles())
def test_segments_cover_the_route_and_agree_with_a_point_test(
    route: list[tuple[float, float]], box: tuple[float, float, float, float]
) -> None:
    _check_against_point_test(route, box)


@settings(max_examples=150, deadline=None)
@given(case=routes_through())
def test_routes_through_a_zone(case: tuple[list[tuple[float, float]], tuple[float, ...]]) -> None:
    route, box = case
    _check_against_point_test(route, (box[0], box[1], box[2], box[3]))


def _check_against_point_test(
    route: list[tuple[float, float]], box: tuple[float, float, float, float]
) -> None:
    try:
        flight = plan(route, cruise_ft=30_000)
    except ValueError:
        return  # all points the same place: refused, as it should be
    result = check([zone(rectangle(*box))], flight)
    segments = result.segments
    assert segments[0].start_m == 0.0
    assert segments[-1].end_m == flight.path.length_m
    for before, after in itertools.pairwise(segments):
        assert before.end_m == after.start_m
        assert before.hazards != after.hazards
    min_lon, min_lat, max_lon, max_lat = box
    for segment in segments:
        if segment.end_m - segment.start_m < 200.0:
            continue  # too short to sample its middle safely against straight-edge effects
        lon, lat = flight.path.position((segment.start_m + segment.end_m) / 2.0)
        edge_gap = min(
            abs(lon - min_lon), abs(lon - max_lon), abs(lat - min_lat), abs(lat - max_lat)
        )
        if edge_gap < 1e-5:
            # Within ~1 m of the boundary: the engine cuts the route at 1 m resolution
            # (BREAKPOINT_TOLERANCE_M), so a sub-metre graze may go either way.
            continue
        inside = min_lon <= lon <= max_lon and min_lat <= lat <= max_lat
        assert bool(segment.hazards) == inside, (segment, lon, lat)
