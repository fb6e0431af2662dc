"""The X-Plane navigation data reader (earth_fix.dat, earth_nav.dat, earth_awy.dat).

Where expected values come from: the round trip writes tests.navdata_world with
tests/navdata_xplane_writer.py (written from the specifications' columns, apart from the reader)
and compares what is read back with the world's own constants. Every other test types its rows
by hand in the layout of Laminar's specifications (XP-FIX1101/1200, XP-NAV1150/1200,
XP-AWY1101) and states the expected values by hand, with the reasoning next to them; none is
taken from the reader's output. Line numbers count the two header rows: a file's first data
row is line 3.
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.navdata.model import (
    AirwayLeg,
    Cycle,
    Direction,
    Fix,
    FixKind,
    Navdata,
    NavdataFileError,
)
from app.core.navdata.xplane import read_xplane, read_xplane_files
from tests.navdata_world import AIRWAYS, FIXES, world
from tests.navdata_xplane_writer import write_xplane

# Cycle 2612 by hand: cycle 2001 took effect on 2 Jan 2020; 2 Jan 2026 is 2192 days later
# (366 + 365·3 + 366 + 365), so the first 2026 cycle is the 79th period on, 2212 days after:
# 22 Jan 2026. Eleven periods (308 days) later, 2612 takes effect on 26 Nov 2026 and ends 28
# days on, 24 Dec 2026.
CYCLE_2612 = Cycle("2612", datetime(2026, 11, 26, tzinfo=UTC), datetime(2026, 12, 24, tzinfo=UTC))


def _file(version: int, tag: str, rows: tuple[str, ...], cycle: str) -> list[str]:
    """A typed X-Plane file: 'I', the version/cycle header row, `rows`, the closing '99'."""
    header = f"{version} Version - data cycle {cycle}, build 20261126, metadata {tag}. Typed."
    return ["I", header, *rows, "99"]


def fix_file(*rows: str, cycle: str = "2612", version: int = 1101) -> list[str]:
    """earth_fix.dat lines."""
    return _file(version, f"FixXP{version}", rows, cycle)


def nav_file(*rows: str, cycle: str = "2612", version: int = 1150) -> list[str]:
    """earth_nav.dat lines."""
    return _file(version, f"NavXP{version}", rows, cycle)


def awy_file(*rows: str, cycle: str = "2612") -> list[str]:
    """earth_awy.dat lines."""
    return _file(1100, "AwyXP1100", rows, cycle)


def _leg(leg: AirwayLeg) -> tuple[object, ...]:
    """What a leg says, its ends by key."""
    return leg.airway, leg.start.key, leg.end.key, leg.direction, leg.lower_fl, leg.upper_fl


@pytest.mark.parametrize("xplane12", [False, True], ids=["xp11", "xp12"])
def test_world_round_trips_except_airports_and_procedures(tmp_path: Path, xplane12: bool) -> None:
    """Written then read: the same points, legs and cycle; airports and procedures stay out."""
    paths = write_xplane(world(), tmp_path, xplane12=xplane12)
    assert [path.name for path in paths] == ["earth_fix.dat", "earth_nav.dat", "earth_awy.dat"]

    navdata = read_xplane_files([tmp_path])

    assert navdata.cycle == CYCLE_2612
    assert navdata.source_format == "xplane"
    assert navdata.skipped == []
    assert navdata.procedures == []
    read = {fix.key: fix for fix in navdata.fixes}
    assert len(read) == len(navdata.fixes)
    assert set(read) == {fix.key for fix in FIXES}  # EGLL, OMDB, OIIE, UKBB are not there
    for expected in FIXES:
        got = read[expected.key]
        assert got.lat == pytest.approx(expected.lat, abs=1e-6), expected.ident
        assert got.lon == pytest.approx(expected.lon, abs=1e-6), expected.ident
        assert (got.name, got.airport) == (expected.name, expected.airport), expected.ident
        if expected.kind is FixKind.VOR:
            assert got.variation_deg == pytest.approx(expected.variation_deg), expected.ident
    assert read[("DB512", "OM", FixKind.WAYPOINT)].airport == "OMDB"
    assert read[("DVR", "K6", FixKind.VOR)].variation_deg == pytest.approx(-11.0)

    assert [_leg(leg) for leg in navdata.airways] == [_leg(leg) for leg in AIRWAYS]
    for leg in navdata.airways:  # legs join the points read, not copies of them
        assert leg.start is read[leg.start.key]
        assert leg.end is read[leg.end.key]


def test_hand_typed_rows_parse_to_hand_written_values() -> None:
    """One row of each kind, as the specifications lay them out."""
    navdata = read_xplane(
        fix_file(
            "  51.118888889    2.000000000 KONAN ENRT EB 2105431",
            "  25.350000000   55.200000000 DB512 OMDB OM 2105431",
        ),
        nav_file(
            " 2  51.453055556   -0.878611111      0   352    25     0.000 WOD ENRT EG WOODLEY NDB",
            " 3  40.899277778 -117.812191667   4299 10820    25     16.000  INA ENRT K2 "
            "WINNEMUCCA VOR/DME",
            "13  50.500000000    4.000000000    400 11430   130     0.000 XBX ENRT EB TESTDORP DME",
            # An ILS localiser (spec example): not a point the model holds, and not an error.
            " 4  36.692211111    3.217516667    131 11030    18  84112.655   AG DAAG DA 23 "
            "ILS-cat-III",
        ),
        awy_file("  WOD EG  2 KONAN EB 11 B 1  50 245 L9-M10"),
    )

    konan = Fix("KONAN", "EB", FixKind.WAYPOINT, 51.118888889, 2.0)  # ENRT: no airport
    wod = Fix("WOD", "EG", FixKind.NDB, 51.453055556, -0.878611111, "WOODLEY NDB")
    assert navdata.fixes == [
        konan,
        Fix("DB512", "OM", FixKind.WAYPOINT, 25.35, 55.2, airport="OMDB"),
        wod,
        # Slaved variation 16.000: the 0 radial points 16° east of true north.
        Fix(
            "INA",
            "K2",
            FixKind.VOR,
            40.899277778,
            -117.812191667,
            "WINNEMUCCA VOR/DME",
            variation_deg=16.0,
        ),
        Fix("XBX", "EB", FixKind.DME, 50.5, 4.0, "TESTDORP DME"),
    ]
    # Two names joined by '-' make two legs; 'B': only from KONAN to WOD; base 50, top 245.
    assert navdata.airways == [
        AirwayLeg("L9", wod, konan, Direction.BACKWARD, 50, 245),
        AirwayLeg("M10", wod, konan, Direction.BACKWARD, 50, 245),
    ]
    assert navdata.skipped == []
    assert navdata.cycle == CYCLE_2612


def test_xplane12_rows_read_their_extra_columns() -> None:
    """1200: a fix's printed name after its type (which may hold spaces); an NDB's BFO flag."""
    navdata = read_xplane(
        # Type 2105430 = 'V' (86) + ' ' (32)·256 + ' ' (32)·65536: a VFR waypoint.
        fix_file("  44.279166667  -73.980277778 LKPLC ENRT K6 2105430 LAKE PLACID", version=1200),
        nav_file(
            " 2  60.000000000   10.000000000      0   380    50      1.000  BFO ENRT EN BEAT NDB",
            version=1200,
        ),
        awy_file(),
    )
    assert navdata.fixes == [
        Fix("LKPLC", "K6", FixKind.WAYPOINT, 44.279166667, -73.980277778, "LAKE PLACID"),
        Fix("BFO", "EN", FixKind.NDB, 60.0, 10.0, "BEAT NDB"),
    ]
    assert navdata.skipped == []


def test_a_west_variation_written_as_a_bearing_is_negative() -> None:
    """A 0 radial at 349° true is 11° west of true north: -11, east being positive."""
    navdata = read_xplane(
        fix_file(),
        nav_file(" 3  39.129722222  -75.466388889     0 11180   130    349.000  DQO ENRT K6 DOVER"),
        awy_file(),
    )
    assert navdata.fixes[0].variation_deg == pytest.approx(-11.0)


def test_a_dme_of_a_vor_or_ndb_is_not_a_second_point() -> None:
    """The DME row of a VOR/DME (or NDB/DME) is dropped; a DME standing alone is kept."""
    navdata = read_xplane(
        fix_file(),
        nav_file(
            # Listed before its VOR: the file's order is not to matter.
            "12  40.899277778 -117.812191667   4299 10820    25      0.000  INA ENRT K2 "
            "WINNEMUCCA VOR/DME DME",
            " 3  40.899277778 -117.812191667   4299 10820    25     16.000  INA ENRT K2 "
            "WINNEMUCCA VOR/DME",
            " 2  51.453055556   -0.878611111      0   352    25     0.000 WOD ENRT EG WOODLEY NDB",
            "12  51.453055556   -0.878611111      0   352    25      0.000  WOD ENRT EG WOODLEY "
            "NDB DME",
            # Same identifier, other region: another station.
            "13  47.000000000 -117.000000000   2000 11500   130      0.000  INA ENRT K1 ELSEWHERE",
            # Same identifier and region but 1° of latitude (60 NM) away: not co-located.
            "13  41.899277778 -117.812191667   4299 11500   130      0.000  INA ENRT K2 FAR DME",
            # The DME of an ILS: part of the ILS, ignored.
            "12  36.692211111    3.217516667    131 11030    18      0.000  IAG DAAG DA DME-ILS",
        ),
        awy_file(" INA K2  3   WOD EG  2 N 1  50 245 B1"),
    )
    assert [(fix.ident, fix.region, fix.kind, fix.lat) for fix in navdata.fixes] == [
        ("INA", "K2", FixKind.VOR, 40.899277778),
        ("WOD", "EG", FixKind.NDB, 51.453055556),
        ("INA", "K1", FixKind.DME, 47.0),
        ("INA", "K2", FixKind.DME, 41.899277778),
    ]
    # Type 3 ('VHF navaid') names the VOR, not a DME of the same identifier.
    (leg,) = navdata.airways
    assert leg.start.kind is FixKind.VOR
    assert navdata.skipped == []


def test_files_of_different_cycles_are_refused() -> None:
    """A 2613 navaid file with 2612 fixes is not one cycle's data."""
    with pytest.raises(NavdataFileError, match="2613") as raised:
        read_xplane(fix_file(), nav_file(cycle="2613"), awy_file())
    assert raised.value.line == 2
    with pytest.raises(NavdataFileError, match="one cycle"):
        read_xplane(fix_file(), nav_file(), awy_file(cycle="2611"))


def test_a_file_that_is_not_xplane_data_is_refused(tmp_path: Path) -> None:
    """No 'I'/'A' first line, or no version header: refused, with the line that says so."""
    csv_lines = ["ident,lat,lon", "KONAN,51.118889,2.0"]
    with pytest.raises(NavdataFileError, match="not X-Plane data") as raised:
        read_xplane(fix_file(), csv_lines, awy_file())
    assert raised.value.line == 1
    with pytest.raises(NavdataFileError, match="not X-Plane data") as raised:
        read_xplane(fix_file(), nav_file(), ["I", "a list of airways", "99"])
    assert raised.value.line == 2

    csv = tmp_path / "earth_nav.csv"
    csv.write_text("\n".join(csv_lines), encoding="utf-8")
    fix, _, awy = write_xplane(world(), tmp_path)
    with pytest.raises(NavdataFileError, match=r"earth_nav\.csv") as raised:
        read_xplane_files([fix, csv, awy])
    assert raised.value.line == 1


def test_a_file_cut_short_or_of_another_kind_is_refused() -> None:
    """A file without its closing '99', or whose metadata says it is another file."""
    cut = fix_file("  51.118888889    2.000000000 KONAN ENRT EB 2105431")[:-1]
    with pytest.raises(NavdataFileError, match="99") as raised:
        read_xplane(cut, nav_file(), awy_file())
    assert raised.value.line == 4  # rows end at line 3; line 4 should have been '99'
    with pytest.raises(NavdataFileError, match="navaid file") as raised:
        read_xplane(nav_file(), nav_file(), awy_file())
    assert raised.value.line == 2


def test_a_bad_row_is_skipped_with_its_line_number() -> None:
    """One bad row in a good file: the rest is read, the row is reported."""
    navdata = read_xplane(
        fix_file(
            "  51.118888889    2.000000000 KONAN ENRT EB 2105431",  # line 3
            "  51.5x           2.000000000 BADLA ENRT EB 2105431",  # line 4
            "  50.750000000    4.350000000 REMBA ENRT EB 2105431",  # line 5
        ),
        nav_file(" 1  51.0 2.0 0 0 0 0.0 XXX ENRT EB AN AIRPORT?"),  # line 3: no row code 1
        awy_file("KONAN EB 11 REMBA EB 11 X 2 245 460 UL607"),  # line 3: direction X
    )
    assert [fix.ident for fix in navdata.fixes] == ["KONAN", "REMBA"]
    assert navdata.airways == []
    lines = [(line, reason.split(":")[0]) for line, reason in navdata.skipped]
    assert lines == [(4, "earth_fix.dat"), (3, "earth_nav.dat"), (3, "earth_awy.dat")]
    assert "latitude '51.5x'" in navdata.skipped[0][1]
    assert "row code 1" in navdata.skipped[1][1]
    assert "direction 'X'" in navdata.skipped[2][1]


def test_an_airway_leg_naming_a_missing_fix_is_skipped() -> None:
    """The leg is dropped and reported; the airway's other legs stay."""
    navdata = read_xplane(
        fix_file(
            "  51.118888889    2.000000000 KONAN ENRT EB 2105431",
            "  50.750000000    4.350000000 REMBA ENRT EB 2105431",
        ),
        nav_file(),
        awy_file(
            "KONAN EB 11 REMBA EB 11 N 2 245 460 UL607",  # line 3
            "REMBA EB 11  NOPE EB 11 N 2 245 460 UL607",  # line 4: no NOPE anywhere
            "KONAN EB  2 REMBA EB 11 N 2 245 460 UL607",  # line 5: KONAN is no NDB
        ),
    )
    assert [_leg(leg) for leg in navdata.airways] == [
        (
            "UL607",
            ("KONAN", "EB", FixKind.WAYPOINT),
            ("REMBA", "EB", FixKind.WAYPOINT),
            Direction.BOTH,
            245,
            460,
        )
    ]
    assert [line for line, _ in navdata.skipped] == [4, 5]
    assert "NOPE" in navdata.skipped[0][1]
    assert "UL607" in navdata.skipped[0][1]
    assert "NDB KONAN" in navdata.skipped[1][1]


def test_legs_listed_in_any_order_come_out_chained() -> None:
    """Legs come out in flying order: each starts where the one before ended.

    Listed: REMBA-SPI, REMBA-KOK 'B' (only KOK to REMBA), KONAN-KOK, and WOD-BIG apart from
    the rest. The ends are SPI, KONAN, WOD and BIG; KONAN is the first listed as a leg's start,
    so the walk goes KONAN, KOK, REMBA (that leg turned round: 'B' becomes forward), SPI; then
    WOD to BIG.
    """
    navdata = read_xplane(
        fix_file(
            "  51.118888889    2.000000000 KONAN ENRT EB 2105431",
            "  50.750000000    4.350000000 REMBA ENRT EB 2105431",
        ),
        nav_file(
            " 3  51.094444444    2.652777778      0 11460   130      0.000  KOK ENRT EB KOKSY",
            " 3  50.512500000    5.623888889      0 11320   130      1.000  SPI ENRT EB SPRIMONT",
            " 2  51.453055556   -0.878611111      0   352    25      0.000  WOD ENRT EG WOODLEY",
            " 3  51.330833333    0.034722222      0 11575   130     -1.000  BIG ENRT EG BIGGIN",
        ),
        awy_file(
            "REMBA EB 11   SPI EB  3 N 2 245 460 UL607",
            "REMBA EB 11   KOK EB  3 B 2 245 460 UL607",
            "KONAN EB 11   KOK EB  3 N 2 245 460 UL607",
            "  WOD EG  2   BIG EG  3 N 2 245 460 UL607",
        ),
    )
    moves = [(leg.start.ident, leg.end.ident, leg.direction) for leg in navdata.airways]
    assert moves == [
        ("KONAN", "KOK", Direction.BOTH),
        ("KOK", "REMBA", Direction.FORWARD),
        ("REMBA", "SPI", Direction.BOTH),
        ("WOD", "BIG", Direction.BOTH),
    ]


def test_files_are_found_by_name_or_by_header_tag(tmp_path: Path) -> None:
    """Renamed files are told apart by their metadata tag; a missing one is named."""
    fix, nav, awy = write_xplane(world(), tmp_path)
    renamed = [fix.rename(tmp_path / "fixes.txt"), nav.rename(tmp_path / "a.dat"), awy]
    navdata: Navdata = read_xplane_files([renamed[2], renamed[0], renamed[1]])
    assert len(navdata.fixes) == len(FIXES)
    assert len(navdata.airways) == len(AIRWAYS)

    with pytest.raises(NavdataFileError, match=r"earth_nav\.dat") as raised:
        read_xplane_files([renamed[0], renamed[2]])
    assert raised.value.line is None
    awy.unlink()
    with pytest.raises(NavdataFileError, match=r"airway file \(earth_awy\.dat"):
        read_xplane_files([tmp_path])
