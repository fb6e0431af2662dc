"""Filed routes resolved against the test world's navigation data (`tests/navdata_world.py`):
airways between their entry and exit, SIDs and STARs, same-named fixes told apart, levels and
times from the plan, and every unresolvable token reported with its reason.

Expected points are read off the world's definition by hand (UL607 runs KONAN–KOK–REMBA–SPI, the
DVR6J runway transitions meet at BIG); positions and times are worked out with pyproj's geodesic
directly, not through the resolver.
"""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from app.core.flightplan.resolve import resolve_filed_route
from app.core.flightplan.timing import filed_waypoints, parse_eets
from app.core.navdata.index import NavdataIndex
from app.core.navdata.model import Procedure, ProcedureKind
from app.core.routes.airports import find_airport
from app.core.routes.profile import ProfileError
from app.core.routes.request import RouteCheckRequest
from app.core.routes.resolve import RouteInputError, resolve_route
from tests import navdata_world as w
from tests.routing import GEOD, NM

WORLD = NavdataIndex.of(w.world())
FILED = "EGLL N0488F350 DVR6J DVR L9 KONAN/N0480F370 UL607 SPI DCT ITRAX ITRA1A OMDB"


def _names(text: str, departure: str | None = None, destination: str | None = None) -> list[str]:
    route = resolve_filed_route(text, departure, destination, WORLD)
    assert route.errors == []
    return [p.name for p in route.points]


def test_a_filed_route_through_sid_airways_and_star() -> None:
    route = resolve_filed_route(FILED, None, None, WORLD)
    assert route.errors == []
    assert [(p.name, p.source) for p in route.points] == [
        ("EGLL", "aerodrome"),
        ("BIG", "SID DVR6J"),
        ("DVR", "navdata"),
        ("KONAN", "navdata"),
        ("KOK", "airway UL607"),
        ("REMBA", "airway UL607"),
        ("SPI", "navdata"),
        ("ITRAX", "navdata"),
        ("DB512", "STAR ITRA1A"),
        ("OMDB", "aerodrome"),
    ]
    assert route.points[2].region == "EG"  # Dover in England, not Dover in Delaware
    assert route.notes == [
        "SID DVR6J: no runway filed; its runway transitions (RW09R, RW27L) meet at BIG, where "
        "the route is joined"
    ]
    assert route.cycle == "2612"


def test_aerodromes_given_apart_or_in_the_string_give_one_route() -> None:
    apart = _names("N0488F350 DVR6J DVR L9 KONAN UL607 SPI", "EGLL", "OMDB")
    inline = _names("EGLL N0488F350 DVR6J DVR L9 KONAN UL607 SPI OMDB")
    assert apart == inline == ["EGLL", "BIG", "DVR", "KONAN", "KOK", "REMBA", "SPI", "OMDB"]


def test_a_stray_dct_never_makes_an_aerodrome_an_overflight() -> None:
    for text in ("DCT OIIE DCT UKBB", "OIIE DCT UKBB DCT", "DCT OIIE DCT UKBB DCT"):
        route = resolve_filed_route(text, None, None, None)
        assert route.errors == []
        first, last = route.points[0], route.points[-1]
        assert (first.name, first.airport_elevation_ft) == ("OIIE", 3305.0)
        assert (last.name, last.airport_elevation_ft) == ("UKBB", 427.0)


def test_same_named_fixes_are_told_apart_by_the_route() -> None:
    near_london = resolve_filed_route("EGLL DCT DVR DCT KONAN", None, None, WORLD)
    near_delaware = resolve_filed_route("KDOV DCT DVR DCT 40N070W", None, None, WORLD)
    assert near_london.points[1].region == "EG"
    assert near_delaware.points[1].region == "K6"


def test_a_fix_the_route_cannot_place_is_ambiguous() -> None:
    # No aerodrome: the only reference is 45N040W, and both DVRs are about as far from it.
    _, _, to_england = GEOD.inv(-40.0, 45.0, w.DVR.lon, w.DVR.lat)
    _, _, to_delaware = GEOD.inv(-40.0, 45.0, w.DVR_US.lon, w.DVR_US.lat)
    assert max(to_england, to_delaware) / min(to_england, to_delaware) < 1.25
    route = resolve_filed_route("DVR DCT 45N040W", None, None, WORLD)
    assert [(e.index, e.token) for e in route.errors] == [(0, "DVR")]
    assert "ambiguous" in route.errors[0].reason


def test_every_unresolvable_token_is_reported_with_its_reason() -> None:
    route = resolve_filed_route(
        "EGLL DCT XYZZY DCT SPI UL607 KOK DCT KOK L9 KONAN N5530E02000 UL9 OMDB", None, None, WORLD
    )
    reasons = {(e.index, e.token): e.reason for e in route.errors}
    assert list(reasons) == [
        (2, "XYZZY"),
        (5, "UL607"),
        (9, "L9"),
        (11, "N5530E02000"),
        (12, "UL9"),
    ]
    assert "unknown point 'XYZZY'" in reasons[(2, "XYZZY")]
    assert "may not be flown from SPI to KOK" in reasons[(5, "UL607")]
    assert "KOK is not on airway L9" in reasons[(9, "L9")]
    assert "5530N02000E" in reasons[(11, "N5530E02000")]
    assert "unknown point 'UL9'" in reasons[(12, "UL9")]
    assert route.points == []


def test_without_navdata_names_cannot_be_resolved() -> None:
    route = resolve_filed_route("EGLL DCT KONAN DCT OMDB", None, None, None)
    assert [(e.index, e.reason) for e in route.errors] == [
        (2, "unknown point 'KONAN' (no navdata)")
    ]


def test_a_procedure_the_data_lacks_is_skipped_with_a_note() -> None:
    route = resolve_filed_route("EGLL BPK7F DVR L9 KONAN", None, None, WORLD)
    assert [p.name for p in route.points] == ["EGLL", "DVR", "KONAN"]
    assert route.notes == [
        "SID BPK7F at EGLL is not in the navdata cycle 2612: the flight joins the route at DVR "
        "directly"
    ]


def test_bearing_and_distance_is_magnetic_from_the_navaid() -> None:
    route = resolve_filed_route("EGLL DCT DVR180040 DCT KONAN", None, None, WORLD)
    # DVR's variation is 1° W: magnetic 180° is true 179°; 40 NM along that geodesic.
    lon, lat, _ = GEOD.fwd(w.DVR.lon, w.DVR.lat, 179.0, 40 * NM)
    point = route.points[1]
    assert (point.lat, point.lon) == pytest.approx((lat, lon), abs=1e-9)
    refused = resolve_filed_route("EGLL DCT WOD090010 DCT KONAN", None, None, WORLD)
    assert "no magnetic variation for WOD" in refused.errors[0].reason


def test_levels_filed_and_changed_make_the_profile() -> None:
    route = resolve_filed_route(FILED, None, None, WORLD)
    waypoints = filed_waypoints(route, None, None, None)
    by_name = {p.name: p for p in waypoints}
    assert by_name["EGLL"].alt_ft is None  # the climb starts at the aerodrome
    assert by_name["DVR"].alt_ft == by_name["KONAN"].alt_ft == 35_000.0
    # The climb from F350 to F370 starts at KONAN: 2,000 ft at 300 ft/NM is 6.67 NM towards KOK.
    climbed = by_name["KONAN+370"]
    azimuth, _, _ = GEOD.inv(w.KONAN.lon, w.KONAN.lat, w.KOK.lon, w.KOK.lat)
    lon, lat, _ = GEOD.fwd(w.KONAN.lon, w.KONAN.lat, azimuth, 2_000 / 300 * NM)
    assert (climbed.lat, climbed.lon, climbed.alt_ft) == pytest.approx((lat, lon, 37_000.0))
    assert by_name["KOK"].alt_ft == by_name["SPI"].alt_ft == 37_000.0
    assert by_name["OMDB"].alt_ft is None
    assert by_name["KOK"].source == "airway UL607 (cycle 2612)"


def test_a_level_filed_and_a_different_cruise_fl_are_refused() -> None:
    route = resolve_filed_route(FILED, None, None, WORLD)
    with pytest.raises(ProfileError) as raised:
        filed_waypoints(route, 33_000.0, None, None)
    assert raised.value.field == "cruise_fl"


def _elapsed_s(names: list[str], speeds_kt: dict[str, float]) -> dict[str, float]:
    """Seconds from take-off to each point, each leg at the speed filed from its start."""
    # Aerodromes are placed from airportsdata (as the service places them), fixes from the world.
    points = {f.ident: (f.lon, f.lat) for f in w.FIXES if f.region != "K6"}
    for code in ("EGLL", "OMDB"):
        airport = find_airport(code)
        assert airport is not None
        points[code] = (airport.lon, airport.lat)
    elapsed, total = {names[0]: 0.0}, 0.0
    for a, b in itertools.pairwise(names):
        _, _, metres = GEOD.inv(*points[a], *points[b])
        total += metres / NM / speeds_kt[a] * 3600.0
        elapsed[b] = total
    return elapsed


def test_times_follow_the_filed_speeds_and_the_eets() -> None:
    departure = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    route = resolve_filed_route("EGLL N0480F350 DCT DVR L9 KONAN UL607 SPI DCT OMDB", None, None,
                                WORLD)  # fmt: skip
    eets = parse_eets("EET/EBBU0010 SPI0045")
    waypoints = {p.name: p for p in filed_waypoints(route, None, departure, None, eets)}
    assert waypoints["SPI"].time == departure + timedelta(minutes=45)
    # Before SPI the legs flown at 480 kt are stretched alike so that SPI falls at 45 minutes.
    names = ["EGLL", "DVR", "KONAN", "KOK", "REMBA", "SPI", "OMDB"]
    raw = _elapsed_s(names, dict.fromkeys(names, 480.0))
    konan = departure + timedelta(seconds=45 * 60 * raw["KONAN"] / raw["SPI"])
    assert waypoints["KONAN"].time is not None
    assert abs((waypoints["KONAN"].time - konan).total_seconds()) < 1e-3
    # After the last EET, the legs are flown at the filed speed.
    after = departure + timedelta(minutes=45, seconds=raw["OMDB"] - raw["SPI"])
    assert waypoints["OMDB"].time is not None
    assert abs((waypoints["OMDB"].time - after).total_seconds()) < 1e-3
    assert route.notes == ["EET/EBBU: FIR boundaries are not held, so this estimate is not used"]


def test_an_eet_naming_no_point_of_the_route_is_refused() -> None:
    route = resolve_filed_route("EGLL DCT DVR DCT KONAN", None, None, WORLD)
    departure = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    with pytest.raises(ProfileError) as raised:
        filed_waypoints(route, 35_000.0, departure, None, parse_eets("KONAN0020 SPI0045"))
    assert raised.value.field == "eets.1"


def test_truncation_is_noted() -> None:
    route = resolve_filed_route("EGLL DCT DVR DCT 5020N T", None, "LPPT", WORLD)
    assert [p.name for p in route.points] == ["EGLL", "DVR", "5020N", "LPPT"]
    assert route.points[2].source == "ARINC 424 shorthand 50N020W"
    assert route.notes == ["route truncated (T) after 5020N: flown direct from there"]


def test_cruise_climbs_and_vfr_levels_say_how_they_are_checked() -> None:
    route = resolve_filed_route(
        "EGLL N0488F350 DCT C/DVR/M082F290F350 DCT KONAN/N0120VFR DCT SPI", None, None, WORLD
    )
    assert route.errors == []
    by_name = {p.name: p for p in route.points}
    assert by_name["DVR"].level_ft == 29_000.0
    assert by_name["KONAN"].level_ft == 29_000.0  # VFR files no level: the one before is kept
    assert route.notes == [
        "cruise climb from C/DVR/M082F290F350: checked at F290, its lower level",
        "KONAN/N0120VFR: no level filed (VFR): the level before it is kept",
    ]


def _request(**fields: object) -> RouteCheckRequest:
    return RouteCheckRequest.model_validate(fields)


@pytest.mark.parametrize("text", ["", "DCT", "T", "N0450F350", "VFR"])
def test_a_route_without_two_points_is_refused_not_a_crash(text: str) -> None:
    with pytest.raises(RouteInputError) as refused:
        resolve_route(_request(icao_route=text, departure_time="2026-12-01T10:00:00Z"), None)
    assert refused.value.field == "icao_route"


@pytest.mark.parametrize(
    ("eets", "says"),
    [
        ("KONAN0000", "after take-off"),
        # KONAN is 95.8 NM from EGLL by the route: one minute is 5,746 kt.
        ("KONAN0001", "a route may imply at most 2,000 kt"),
    ],
)
def test_impossible_eets_name_the_eet(eets: str, says: str) -> None:
    request = _request(icao_route=FILED, departure_time="2026-12-01T10:00:00Z", eets=eets)
    with pytest.raises(RouteInputError) as refused:
        resolve_route(request, lambda *_: WORLD)
    assert refused.value.field == "eets.0"
    assert says in refused.value.reason


def test_an_eet_may_name_a_point_in_another_coordinate_form() -> None:
    request = _request(
        icao_route="EGLL N0480F350 DCT 5020N DCT LPPT",
        departure_time="2026-12-01T10:00:00Z",
        eets="EET/50N020W0300",
    )
    waypoints = resolve_route(request, None).waypoints
    assert waypoints[1].time == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)


def test_an_aerodrome_with_a_speed_group_is_refused() -> None:
    route = resolve_filed_route("EGLL/N0450F350 DVR OMDB", None, None, WORLD)
    assert [(e.index, e.token) for e in route.errors] == [(0, "EGLL/N0450F350")]
    assert "put it after the aerodrome" in route.errors[0].reason


def test_an_aerodrome_given_twice_differently_is_one_error() -> None:
    route = resolve_filed_route("EGLL DVR6J DVR L9 KONAN OMDB", "EGKK", None, WORLD)
    assert [(e.index, e.reason) for e in route.errors] == [
        (0, "the route gives EGLL, but departure is EGKK")
    ]


def test_an_en_route_transition_is_found_beside_a_level_change() -> None:
    # A SID laid out as ARINC 424 lays one out: runway transitions to BIG, where the en-route
    # transition to DVR begins (through WOD). Its transition is found whatever DVR carries.
    sid = [
        Procedure("EGLL", ProcedureKind.SID, "DVR6K", "RW27L", (w.LON, w.BIG)),
        Procedure("EGLL", ProcedureKind.SID, "DVR6K", "RW09R", (w.BIG,)),
        Procedure("EGLL", ProcedureKind.SID, "DVR6K", "DVR", (w.BIG, w.WOD, w.DVR)),
    ]
    index = NavdataIndex(w.CYCLE, [*w.AIRPORTS, *w.FIXES], w.AIRWAYS, sid)
    for text in ("EGLL DVR6K DVR L9 KONAN", "EGLL DVR6K DVR/N0480F370 L9 KONAN"):
        route = resolve_filed_route(text, None, None, index)
        assert [p.name for p in route.points] == ["EGLL", "BIG", "WOD", "DVR", "KONAN"]
