"""Item 15's forms read by hand: coordinates in every form flight plans use (and the look-alikes
refused with the form to use), speed and level groups, and every bad token reported at once.

Expected positions are the figures of each token worked out by hand (minutes are sixtieths);
speeds from the ISA's published speed of sound (340.29 m/s at sea level, 295.07 m/s at and above
the tropopause) and 1 kt = 1.852 km/h.
"""

import pytest

from app.core.flightplan.item15 import read_item15
from app.core.flightplan.speed_level import SpeedLevelError, parse_speed_level, sound_speed_kt
from app.core.routes.icao_coordinates import CoordinateError, read_coordinates

KT_PER_M_S = 3600.0 / 1852.0


@pytest.mark.parametrize(
    ("token", "lat", "lon"),
    [
        ("46N078W", 46.0, -78.0),
        ("41N046E", 41.0, 46.0),
        ("4620N07805W", 46 + 20 / 60, -(78 + 5 / 60)),
        ("462000N0780500W", 46 + 20 / 60, -(78 + 5 / 60)),
        ("0130S17930E", -1.5, 179.5),
        # ARINC 424 shorthand: the letter gives the quadrant, its place the hundreds.
        ("5020N", 50.0, -20.0),
        ("5040E", 50.0, 40.0),
        ("75N70", 75.0, -170.0),
        ("07S10", -7.0, 110.0),
        ("5040W", -50.0, -40.0),
    ],
)
def test_coordinates_in_every_form(token: str, lat: float, lon: float) -> None:
    read = read_coordinates(token)
    assert read is not None
    assert (read.lat, read.lon) == pytest.approx((lat, lon), abs=1e-12)


def test_shorthand_says_what_it_expands_to() -> None:
    read = read_coordinates("5020N")
    assert read is not None
    assert (read.form, read.expanded) == ("arinc424 shorthand", "50N020W")


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("N5530E02000", "5530N02000E"),
        ("5530.5N02000.0E", "not decimal minutes"),
        ("4130N0463000E", "mixes"),
        ("4160N04630E", "60 or more"),
        ("91N000E", "outside"),
    ],
)
def test_coordinate_look_alikes_are_refused_with_the_form_to_use(token: str, says: str) -> None:
    with pytest.raises(CoordinateError, match=says):
        read_coordinates(token)


@pytest.mark.parametrize("token", ["DVR", "KONAN", "UL607", "DB512", "EGLL"])
def test_names_are_not_coordinates(token: str) -> None:
    assert read_coordinates(token) is None


def test_speed_and_level_groups() -> None:
    knots = parse_speed_level("N0488F350")
    assert (knots.true_airspeed_kt(), knots.level_ft) == (488.0, 35_000.0)
    metric = parse_speed_level("K0830S1130")
    assert metric.true_airspeed_kt() == pytest.approx(830 / 1.852)
    assert metric.level_ft == pytest.approx(11_300 / 0.3048)
    assert parse_speed_level("N0250A045").level_ft == 4_500.0
    assert parse_speed_level("N0100VFR").level_ft is None
    # Mach 0.82 at FL370, above the tropopause: 0.82 × 295.07 m/s.
    assert parse_speed_level("M082F370").true_airspeed_kt() == pytest.approx(
        0.82 * 295.07 * KT_PER_M_S, abs=0.1
    )
    assert sound_speed_kt(0.0) == pytest.approx(340.29 * KT_PER_M_S, abs=0.05)
    with pytest.raises(SpeedLevelError):
        parse_speed_level("N488F350")


def test_every_bad_token_is_reported_with_its_index() -> None:
    item = read_item15("EGLL N0488F350 DCT N5530E02000 DCT 5530.5N02000.0E ?? KONAN/N048F370 OMDB")
    assert [(e.index, e.token) for e in item.errors] == [
        (3, "N5530E02000"),
        (5, "5530.5N02000.0E"),
        (6, "??"),
        (7, "KONAN/N048F370"),
    ]
    assert [e.kind for e in item.elements] == [
        "aerodrome",
        "speed_level",
        "dct",
        "dct",
        "aerodrome",
    ]


def test_a_stray_dct_does_not_hide_the_aerodromes() -> None:
    item = read_item15("DCT OIIE DCT UKBB DCT")
    assert [(e.token, e.kind) for e in item.elements if e.kind != "dct"] == [
        ("OIIE", "aerodrome"),
        ("UKBB", "aerodrome"),
    ]


def test_points_with_changes_bearings_and_cruise_climbs() -> None:
    item = read_item15("KONAN/N0480F370 DVR180040 C/48N050W/M082F290F350 T")
    change, bearing, climb, truncate = item.elements
    assert change.point is not None
    assert change.change is not None
    assert (change.point.name, change.change.level_ft) == ("KONAN", 37_000.0)
    assert bearing.point is not None
    assert (bearing.point.name, bearing.point.bearing_deg_magnetic, bearing.point.distance_nm) == (
        "DVR",
        180.0,
        40.0,
    )
    assert climb.cruise_climb
    assert climb.change is not None
    assert (climb.change.level_ft, climb.climb_to_ft) == (29_000.0, 35_000.0)
    assert truncate.kind == "truncate"
