"""Write navigation data as an ARINC 424 file (supplement 18 layout, 132 columns) for tests.

Written from the standard's column layout on its own, not from the reader's constants, so that
reading a written file back checks the reader against the layout. Column numbers below are the
standard's, 1-based and inclusive.

What the model does not hold is written as fixed placeholders: frequencies '00000', navaid
classes 'VDHW ' (VOR/DME), ' DHW ' (DME) and 'H  W ' (NDB), path terminators IF then TF, and
the header's record count and CRC zero-filled. File record numbers (columns 124-128) count the
records from 1. Altitude limits at or above FL180 are written as 'FLnnn', below it in feet
('05000'), so that a reader meets both forms.
"""

from collections.abc import Iterator
from pathlib import Path

from app.core.navdata.model import (
    AirwayLeg,
    Direction,
    Fix,
    FixKind,
    Navdata,
    Procedure,
    ProcedureKind,
)

WIDTH = 132
LOWEST_FL_WRITTEN_AS_FL = 180
# Direction restriction, column 47: F one way as coded, B one way against it, blank either way.
_DIRECTION_CODES = {Direction.BOTH: "", Direction.FORWARD: "F", Direction.BACKWARD: "B"}


class Record:
    """One 132-column record being filled in, field by field."""

    def __init__(self) -> None:
        """A blank record."""
        self.chars = [" "] * WIDTH

    def put(self, first_col: int, last_col: int, value: str) -> "Record":
        """Write `value`, left-aligned and blank-padded, into columns first..last."""
        width = last_col - first_col + 1
        if len(value) > width:
            raise ValueError(f"{value!r} does not fit columns {first_col}-{last_col}")
        self.chars[first_col - 1 : last_col] = value.ljust(width)
        return self

    def text(self, number: int, cycle: str) -> str:
        """The finished record with its file record number and cycle date."""
        # Five digits: a file of more than 99,999 records counts on from 00000.
        self.put(124, 128, f"{number % 100_000:05d}").put(129, 132, cycle)
        return "".join(self.chars)


def write_arinc424(navdata: Navdata, path: Path) -> None:
    """Write `navdata` as an ARINC 424 file at `path`: a header, then the records."""
    cycle = navdata.cycle.ident
    records = list(_records(navdata))
    header = Record().put(1, 5, "HDR01").put(6, 20, "TESTWORLD").put(21, 23, "001")
    header.put(24, 24, "T").put(25, 28, f"{WIDTH:04d}").put(29, 35, f"{len(records):07d}")
    header.put(36, 39, cycle).put(62, 77, "AIRSPACE RISK").put(125, 132, "00000000")
    lines = ["".join(header.chars)]
    lines += [record.text(number, cycle) for number, record in enumerate(records, start=1)]
    path.write_text("".join(line + "\n" for line in lines), encoding="ascii")


def _records(navdata: Navdata) -> Iterator[Record]:
    """All records, in the order of the standard's sections: navaids, enroute, airports."""
    regions = {f.ident: f.region for f in navdata.fixes if f.kind is FixKind.AIRPORT}
    fixes = navdata.fixes
    yield from (_navaid(f) for f in fixes if f.kind in (FixKind.VOR, FixKind.DME))
    yield from (_navaid(f) for f in fixes if f.kind is FixKind.NDB and f.airport is None)
    yield from (_waypoint(f, regions) for f in fixes if _section(f) == "EA")
    yield from _airways(navdata.airways)
    yield from (_airport(f) for f in fixes if f.kind is FixKind.AIRPORT)
    yield from (_waypoint(f, regions) for f in fixes if _section(f) == "PC")
    yield from (_navaid(f) for f in fixes if f.kind is FixKind.NDB and f.airport is not None)
    for kind in (ProcedureKind.SID, ProcedureKind.STAR):
        for procedure in navdata.procedures:
            if procedure.kind is kind:
                yield from _procedure(procedure, regions)


def _start(section: str, subsection: str) -> Record:
    """A record of a section: type S (standard), area 'EUR', section code in column 5 and the
    subsection in column 6 (column 13 for airport records, set by the caller)."""
    return Record().put(1, 1, "S").put(2, 4, "EUR").put(5, 5, section).put(6, 6, subsection)


def _navaid(fix: Fix) -> Record:
    """A VHF navaid (D), enroute NDB (DB) or terminal NDB (PN) primary record."""
    if fix.kind is FixKind.NDB:
        record = _start("P", "N") if fix.airport else _start("D", "B")
        record.put(28, 32, "H  W ")
    else:
        record = _start("D", " ").put(28, 32, "VDHW " if fix.kind is FixKind.VOR else " DHW ")
    record.put(7, 10, fix.airport or "").put(14, 17, fix.ident).put(20, 21, fix.region)
    record.put(22, 22, "0").put(23, 27, "00000")
    position_col = 33
    if fix.kind in (FixKind.VOR, FixKind.DME):
        record.put(52, 55, fix.ident)  # the DME of a VOR/DME, or the DME itself
        if fix.kind is FixKind.DME:
            position_col = 56  # a DME alone has only the DME position filled in
        else:
            record.put(56, 64, _lat(fix.lat)).put(65, 74, _lon(fix.lon))
    record.put(position_col, position_col + 8, _lat(fix.lat))
    record.put(position_col + 9, position_col + 18, _lon(fix.lon))
    return record.put(75, 79, _variation(fix.variation_deg)).put(94, 123, fix.name or "")


def _waypoint(fix: Fix, regions: dict[str, str]) -> Record:
    """An enroute (EA) or terminal (PC) waypoint primary record."""
    if fix.airport is None:
        record = _start("E", "A").put(7, 10, "ENRT")
    else:
        record = _start("P", " ").put(7, 10, fix.airport).put(13, 13, "C")
        record.put(11, 12, regions.get(fix.airport, fix.region))
    record.put(14, 18, fix.ident).put(20, 21, fix.region).put(22, 22, "0").put(27, 29, "W  ")
    record.put(33, 41, _lat(fix.lat)).put(42, 51, _lon(fix.lon))
    return record.put(99, 123, fix.name or "")


def _airport(fix: Fix) -> Record:
    """An airport (PA) primary record."""
    record = _start("P", " ").put(7, 10, fix.ident).put(11, 12, fix.region).put(13, 13, "A")
    record.put(22, 22, "0").put(33, 41, _lat(fix.lat)).put(42, 51, _lon(fix.lon))
    if fix.elevation_ft is not None:
        record.put(57, 61, f"{round(fix.elevation_ft):05d}")
    return record.put(94, 123, fix.name or "")


def _airways(legs: list[AirwayLeg]) -> Iterator[Record]:
    """Enroute airway (ER) records: each run of legs joined end to start is one route, one
    record per fix; a leg's direction and levels go on the record of its start fix, and the
    last fix of a route has 'E' (end of route) in column 41."""
    routes: list[list[AirwayLeg]] = []
    for leg in legs:
        if routes and routes[-1][-1].airway == leg.airway and routes[-1][-1].end == leg.start:
            routes[-1].append(leg)
        else:
            routes.append([leg])
    for route in routes:
        stops: list[tuple[Fix, AirwayLeg | None]] = [(leg.start, leg) for leg in route]
        stops.append((route[-1].end, None))
        for position, (fix, stop_leg) in enumerate(stops, start=1):
            record = _start("E", "R").put(14, 18, route[0].airway)
            record.put(26, 29, f"{position * 10:04d}").put(30, 34, fix.ident).put(
                35, 36, fix.region
            ).put(37, 38, _section(fix))
            record.put(39, 39, "0").put(40, 40, _description(fix))
            record.put(45, 45, "O").put(46, 46, "B")
            if stop_leg is None:
                record.put(41, 41, "E")
            else:
                record.put(47, 47, _DIRECTION_CODES[stop_leg.direction])
                record.put(84, 88, _altitude(stop_leg.lower_fl))
                record.put(94, 98, _altitude(stop_leg.upper_fl))
            yield record


def _procedure(procedure: Procedure, regions: dict[str, str]) -> Iterator[Record]:
    """SID (PD) or STAR (PE) primary records, one per fix, with route type and transition."""
    sid = procedure.kind is ProcedureKind.SID
    if not procedure.transition:
        route_type = "2"  # common route, SID and STAR alike
    elif procedure.transition.startswith("RW"):
        route_type = "1" if sid else "3"  # runway transition
    else:
        route_type = "3" if sid else "1"  # enroute transition
    for position, fix in enumerate(procedure.fixes, start=1):
        record = _start("P", " ").put(7, 10, procedure.airport).put(13, 13, "D" if sid else "E")
        record.put(11, 12, regions.get(procedure.airport, fix.region))
        record.put(14, 19, procedure.ident).put(20, 20, route_type)
        record.put(21, 25, procedure.transition).put(27, 29, f"{position * 10:03d}")
        record.put(30, 34, fix.ident).put(35, 36, fix.region).put(37, 38, _section(fix))
        record.put(39, 39, "0").put(40, 40, _description(fix))
        yield record.put(48, 49, "IF" if position == 1 else "TF")


def _section(fix: Fix) -> str:
    """Section and subsection of the record that defines `fix`, as other records name it."""
    if fix.kind is FixKind.WAYPOINT:
        return "EA" if fix.airport is None else "PC"
    if fix.kind is FixKind.NDB:
        return "DB" if fix.airport is None else "PN"
    return "PA" if fix.kind is FixKind.AIRPORT else "D "


def _description(fix: Fix) -> str:
    """Column 40 of the waypoint description code: airport, NDB, VHF navaid or essential."""
    return {FixKind.AIRPORT: "A", FixKind.NDB: "N", FixKind.WAYPOINT: "E"}.get(fix.kind, "V")


def _altitude(fl: int | None) -> str:
    """An altitude field: 'FLnnn' from FL180 up, feet ('05000') below, blank if none."""
    if fl is None:
        return ""
    return f"FL{fl:03d}" if fl >= LOWEST_FL_WRITTEN_AS_FL else f"{fl * 100:05d}"


def _variation(deg: float | None) -> str:
    """Declination or variation: 'E'/'W' and tenths of a degree ('W0010'), blank if none."""
    if deg is None:
        return ""
    return f"{'W' if deg < 0 else 'E'}{round(abs(deg) * 10):04d}"


def _lat(deg: float) -> str:
    """'N51093800': hemisphere, degrees (2), minutes, seconds in hundredths."""
    return ("S" if deg < 0 else "N") + _dms(abs(deg), 2)


def _lon(deg: float) -> str:
    """'E001213500': hemisphere, degrees (3), minutes, seconds in hundredths."""
    return ("W" if deg < 0 else "E") + _dms(abs(deg), 3)


def _dms(deg: float, degree_digits: int) -> str:
    """Degrees, minutes and hundredths of seconds, rounded to the nearest hundredth."""
    hundredths = round(deg * 360_000)  # round once, so 59.999" carries into the minute
    degrees, rest = divmod(hundredths, 360_000)
    minutes, seconds_hundredths = divmod(rest, 6000)
    return f"{degrees:0{degree_digits}d}{minutes:02d}{seconds_hundredths:04d}"
