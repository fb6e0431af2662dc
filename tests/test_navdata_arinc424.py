"""The ARINC 424 reader: the made-up world written by the test writer reads back the same, and
records typed here column by column from the standard's layout read as worked out by hand."""

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.navdata.arinc424 import read_arinc424, read_arinc424_file
from app.core.navdata.model import (
    AirwayLeg,
    Direction,
    Fix,
    FixKind,
    Navdata,
    NavdataFileError,
    Procedure,
    ProcedureKind,
)
from tests import navdata_world
from tests.navdata_arinc_writer import write_arinc424

# ARINC 424 positions are whole hundredths of a second of arc (2.8e-6°); the world's are given
# to whole seconds, so they come back within this.
POSITION_TOLERANCE_DEG = 1e-6


def typed_record(pieces: list[tuple[int, str]]) -> str:
    """A record from pieces each stated with its first column; checks columns and length."""
    text = ""
    for first_col, piece in pieces:
        assert len(text) + 1 == first_col, f"{piece!r} would start at column {len(text) + 1}"
        text += piece
    assert len(text) == 132
    return text


def written_world(tmp_path: Path, navdata: Navdata | None = None) -> list[str]:
    """The lines of the world (or `navdata`) as the test writer writes it."""
    path = tmp_path / "world.424"
    write_arinc424(navdata or navdata_world.world(), path)
    return path.read_text(encoding="ascii").splitlines()


def fix_facts(fix: Fix) -> tuple[object, ...]:
    """What a fix says besides its position."""
    return fix.key, fix.name, fix.airport, fix.variation_deg, fix.elevation_ft


def leg_facts(leg: AirwayLeg) -> tuple[object, ...]:
    """What an airway leg says, fixes by key."""
    return leg.airway, leg.start.key, leg.end.key, leg.direction, leg.lower_fl, leg.upper_fl


def procedure_facts(procedure: Procedure) -> tuple[object, ...]:
    """What a procedure says, fixes by key in order."""
    keys = tuple(fix.key for fix in procedure.fixes)
    return procedure.airport, procedure.kind, procedure.ident, procedure.transition, keys


def assert_same_position(got: Fix, want: Fix) -> None:
    """`got` lies where `want` does."""
    assert got.lat == pytest.approx(want.lat, abs=POSITION_TOLERANCE_DEG), got.key
    assert got.lon == pytest.approx(want.lon, abs=POSITION_TOLERANCE_DEG), got.key


def test_world_reads_back_the_same(tmp_path: Path) -> None:
    """Fixes, navaids, airports, airway legs, procedures and the cycle survive the round trip."""
    path = tmp_path / "world.424"
    world = navdata_world.world()
    write_arinc424(world, path)

    navdata = read_arinc424_file(path)

    assert navdata.source_format == "arinc424"
    assert navdata.skipped == []
    # Cycle 2612: 2601 took effect on 22 Jan 2026 (the first 28-day step from 2 Jan 2020 that
    # falls in 2026: 79 × 28 days), and 11 more steps of 28 days reach 26 Nov 2026.
    assert navdata.cycle.ident == "2612"
    assert navdata.cycle.effective_from == datetime(2026, 11, 26, tzinfo=UTC)
    assert navdata.cycle.effective_to == datetime(2026, 12, 24, tzinfo=UTC)

    got = {fix.key: fix for fix in navdata.fixes}
    assert sorted(got) == sorted(fix.key for fix in world.fixes)
    for want in world.fixes:
        assert fix_facts(got[want.key]) == fix_facts(want)
        assert_same_position(got[want.key], want)
    assert got[("EGLL", "EG", FixKind.AIRPORT)].elevation_ft == 83
    assert got[("DVR", "K6", FixKind.VOR)].variation_deg == -11.0
    assert got[("KOK", "EB", FixKind.VOR)].variation_deg == 0.0
    assert got[("DB512", "OM", FixKind.WAYPOINT)].airport == "OMDB"

    assert [leg_facts(leg) for leg in navdata.airways] == [leg_facts(leg) for leg in world.airways]
    for got_leg, want_leg in zip(navdata.airways, world.airways, strict=True):
        assert_same_position(got_leg.start, want_leg.start)
        assert_same_position(got_leg.end, want_leg.end)

    assert [procedure_facts(p) for p in navdata.procedures] == [
        procedure_facts(p) for p in world.procedures
    ]


def test_backward_airway_leg_reads_back(tmp_path: Path) -> None:
    """A leg one way against the coded direction ('B' in column 47) stays BACKWARD."""
    world = navdata_world.world()
    world.airways = [
        replace(leg, direction=Direction.BACKWARD) if leg.end == navdata_world.REMBA else leg
        for leg in world.airways
    ]
    navdata = read_arinc424(written_world(tmp_path, world))
    directions = [(leg.start.ident, leg.end.ident, leg.direction) for leg in navdata.airways]
    assert directions == [
        ("DVR", "KONAN", Direction.BOTH),
        ("KONAN", "KOK", Direction.BOTH),
        ("KOK", "REMBA", Direction.BACKWARD),
        ("REMBA", "SPI", Direction.BOTH),
    ]


# An enroute waypoint, typed from the layout of ARINC 424 4.1.4.1.
EA_ABNED = typed_record(
    [
        (1, "S"),  # record type: standard
        (2, "EUR"),  # customer / area code
        (5, "EA"),  # section E (enroute), subsection A (waypoints)
        (7, "ENRT"),  # region code
        (11, "   "),  # ICAO code and subsection: blank en route
        (14, "ABNED"),  # waypoint identifier
        (19, " "),
        (20, "EH"),  # ICAO region of the waypoint
        (22, "0"),  # continuation number: primary
        (23, "    "),
        (27, "W  "),  # waypoint type
        (30, "   "),  # usage, blank
        (33, "N52123456"),  # latitude 52°12'34.56" N
        (42, "E004563100"),  # longitude 4°56'31.00" E
        (52, " " * 23),
        (75, "E0010"),  # dynamic magnetic variation
        (80, " " * 19),
        (99, "ABNED".ljust(25)),  # name / description
        (124, "00001"),  # file record number
        (129, "2612"),  # cycle date
    ]
)

# A VORTAC south and east, with station declination 12.5° E (ARINC 424 4.1.2.1).
D_SYD = typed_record(
    [
        (1, "S"),
        (2, "SPA"),
        (5, "D "),  # section D (navaids), subsection blank (VHF)
        (7, "      "),  # airport and its ICAO code: blank for an enroute navaid
        (13, " "),
        (14, "SYD "),  # VOR identifier
        (18, "  "),
        (20, "YM"),  # ICAO region
        (22, "0"),  # continuation number: primary
        (23, "11290"),  # frequency, 112.90 MHz
        (28, "VTHW "),  # class: VOR, TACAN (so a VORTAC), high, no voice, collocated
        (33, "S33565432"),  # VOR latitude 33°56'54.32" S
        (42, "E151104567"),  # VOR longitude 151°10'45.67" E
        (52, "SYD "),  # DME identifier
        (56, "S33565432"),  # DME latitude
        (65, "E151104567"),  # DME longitude
        (75, "E0125"),  # station declination, tenths of a degree
        (80, "00021"),  # DME elevation, feet
        (85, " " * 9),  # figure of merit, ILS/DME bias, frequency protection, datum
        (94, "SYDNEY".ljust(30)),  # name
        (124, "00002"),
        (129, "2612"),
    ]
)

# A TACAN alone: no VOR position, only the DME one (columns 56-74), declination 12.0° W.
D_LSV = typed_record(
    [
        (1, "S"),
        (2, "USA"),
        (5, "D "),
        (7, "      "),
        (13, " "),
        (14, "LSV "),
        (18, "  "),
        (20, "K2"),
        (22, "0"),
        (23, "11450"),
        (28, " TH  "),  # class: no VOR, TACAN, high
        (33, " " * 19),  # VOR latitude and longitude: none
        (52, "LSV "),
        (56, "N36053800"),  # 36°05'38.00" N
        (65, "W115092100"),  # 115°09'21.00" W
        (75, "W0120"),
        (80, "02000"),
        (85, " " * 9),
        (94, "NELLIS".ljust(30)),
        (124, "00003"),
        (129, "2612"),
    ]
)


def test_hand_typed_records_read_as_worked_out() -> None:
    """Degrees are deg + min/60 + sec/3600, south and west negative; declination tenths."""
    navdata = read_arinc424([EA_ABNED + "\n", D_SYD + "\n", D_LSV + "\n"])

    abned, syd, lsv = navdata.fixes
    assert (abned.ident, abned.region, abned.kind, abned.airport) == (
        "ABNED",
        "EH",
        FixKind.WAYPOINT,
        None,
    )
    assert abned.lat == pytest.approx(52 + 12 / 60 + 34.56 / 3600, abs=1e-9)
    assert abned.lon == pytest.approx(4 + 56 / 60 + 31.00 / 3600, abs=1e-9)
    assert abned.name == "ABNED"
    assert abned.variation_deg == 1.0  # E0010: 1.0° east (tenths of a degree)

    assert (syd.ident, syd.region, syd.kind, syd.name) == ("SYD", "YM", FixKind.VOR, "SYDNEY")
    assert syd.lat == pytest.approx(-(33 + 56 / 60 + 54.32 / 3600), abs=1e-9)
    assert syd.lon == pytest.approx(151 + 10 / 60 + 45.67 / 3600, abs=1e-9)
    assert syd.variation_deg == pytest.approx(12.5)

    assert (lsv.ident, lsv.region, lsv.kind) == ("LSV", "K2", FixKind.DME)
    assert lsv.lat == pytest.approx(36 + 5 / 60 + 38 / 3600, abs=1e-9)
    assert lsv.lon == pytest.approx(-(115 + 9 / 60 + 21 / 3600), abs=1e-9)
    assert lsv.variation_deg == pytest.approx(-12.0)

    # No header: the cycle is the latest any record carries, here all 2612.
    assert navdata.cycle.ident == "2612"
    assert navdata.skipped == []


def test_common_route_and_heading_legs(tmp_path: Path) -> None:
    """A common route written 'ALL' (route type 5) has transition ''; a VA leg (no fix) is
    passed over; a continuation record is not read as a fix."""
    sid_leg = [
        (1, "S"),
        (2, "EUR"),
        (5, "P "),  # section P (airports); subsection in column 13
        (7, "EGLL"),  # airport
        (11, "EG"),
        (13, "D"),  # subsection D: SID
        (14, "TEST1 "),  # SID identifier
        (20, "5"),  # route type: RNAV SID common route
        (21, "ALL  "),  # transition identifier
        (26, " "),
    ]
    heading = typed_record(
        [
            *sid_leg,
            (27, "005"),  # sequence number
            (30, " " * 8),  # fix, its region and section: none for a heading leg
            (38, " "),
            (39, "0"),  # continuation number
            (40, " " * 8),
            (48, "VA"),  # path terminator: heading to an altitude
            (50, " " * 74),
            (124, "00998"),
            (129, "2612"),
        ]
    )
    to_dover = typed_record(
        [
            *sid_leg,
            (27, "010"),
            (30, "DVR  "),  # fix identifier
            (35, "EG"),  # its region
            (37, "D "),  # its section: VHF navaid
            (39, "0"),
            (40, "V   "),  # description: VHF navaid
            (44, "    "),
            (48, "TF"),
            (50, " " * 74),
            (124, "00999"),
            (129, "2612"),
        ]
    )
    continuation = typed_record(
        [
            (1, "SEUREAENRT   KONAN EB"),  # the world's KONAN …
            (22, "2"),  # … continuation record 2: notes, no position
            (23, "ANOT A POSITION".ljust(101)),
            (124, "01000"),
            (129, "2612"),
        ]
    )
    lines = [*written_world(tmp_path), to_dover, heading, continuation]

    navdata = read_arinc424(lines)

    assert navdata.skipped == []
    test1 = [p for p in navdata.procedures if p.ident == "TEST1"]
    assert [procedure_facts(p) for p in test1] == [
        ("EGLL", ProcedureKind.SID, "TEST1", "", (("DVR", "EG", FixKind.VOR),))
    ]
    assert [f.ident for f in navdata.fixes].count("KONAN") == 1


def test_geojson_is_not_arinc(tmp_path: Path) -> None:
    """A GeoJSON file is refused at its first line, which is not 132 columns."""
    path = tmp_path / "zones.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": []}\n', encoding="ascii")
    with pytest.raises(NavdataFileError) as raised:
        read_arinc424_file(path)
    assert raised.value.line == 1
    assert "132" in raised.value.reason


def test_empty_and_cycleless_files_are_refused(tmp_path: Path) -> None:
    """No records at all, or records with no cycle date and no header: NavdataFileError."""
    with pytest.raises(NavdataFileError, match="no ARINC 424 records"):
        read_arinc424(["\n", "   \n"])
    records = [line for line in written_world(tmp_path) if not line.startswith("HDR")]
    with pytest.raises(NavdataFileError, match="cycle"):
        read_arinc424([line[:128] + "    " for line in records])


def test_cycle_from_header_else_latest_record(tmp_path: Path) -> None:
    """The header's cycle wins; without one, the latest record cycle date (a record carries
    the cycle it was last revised in, so most carry older ones than the file's)."""
    lines = written_world(tmp_path)
    aged = [lines[0]] + [line[:128] + "2611" for line in lines[1:]]
    assert read_arinc424(aged).cycle.ident == "2612"  # from HDR01 columns 36-39

    no_header = aged[1:]
    no_header[5] = lines[6]  # one record revised in 2612, the rest in 2611
    assert read_arinc424(no_header).cycle.ident == "2612"
    assert read_arinc424(aged[1:]).cycle.ident == "2611"


def test_bad_records_are_skipped_with_their_line(tmp_path: Path) -> None:
    """A record with a broken latitude and a truncated one are skipped; the rest is read."""
    lines = written_world(tmp_path)
    bad_latitude = typed_record(
        [
            (1, "SEUREAENRT   BADFX EB0    W     "),
            (33, "N5X093800"),  # not DDMMSSss
            (42, "E001213500"),
            (52, " " * 72),
            (124, "00500"),
            (129, "2612"),
        ]
    )
    lines.insert(3, bad_latitude)  # line 4
    lines.insert(6, "SEUREAENRT   SHORT EB0")  # line 7

    navdata = read_arinc424(lines)

    assert [line for line, _ in navdata.skipped] == [4, 7]
    assert "coordinate" in navdata.skipped[0][1]
    assert "22 columns" in navdata.skipped[1][1]
    assert "BADFX" not in {fix.ident for fix in navdata.fixes}
    assert len(navdata.fixes) == len(navdata_world.world().fixes)
    assert len(navdata.airways) == len(navdata_world.AIRWAYS)


def test_airway_fix_without_record_drops_its_legs(tmp_path: Path) -> None:
    """UL607 names REMBA, whose waypoint record is missing: both legs touching it are dropped
    and the airway record naming it is skipped with the reason."""
    world = navdata_world.world()
    world.fixes = [fix for fix in world.fixes if fix != navdata_world.REMBA]
    lines = written_world(tmp_path, world)
    remba_line = next(
        number
        for number, line in enumerate(lines, start=1)
        if line[4:6] == "ER" and line[29:34] == "REMBA"  # columns 5-6 and 30-34
    )

    navdata = read_arinc424(lines)

    assert [(leg.airway, leg.start.ident, leg.end.ident) for leg in navdata.airways] == [
        ("L9", "DVR", "KONAN"),
        ("UL607", "KONAN", "KOK"),
    ]
    assert len(navdata.skipped) == 1
    line, reason = navdata.skipped[0]
    assert line == remba_line
    assert "REMBA" in reason
    assert "UL607" in reason
