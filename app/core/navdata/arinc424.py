"""ARINC 424 navigation data (supplement 18 and later: 132-column records, e.g. the FAA CIFP)
read into the service's model: fixes, navaids and airports, airway legs, SIDs and STARs.

A small fixed-column reader of our own, not the `arinc424` package (0.3.0): that package decodes
every field of every record into display objects (it pulls in prettytable, termcolor and tqdm),
prints to stdout on records it dislikes, ships no type information and reads files whole; what
we need is a few dozen column positions of nine record types, and turning them into the model
(coordinates, declination, airway legs, procedure transitions) would be ours to write anyway.

Columns are quoted 1-based, as the standard numbers them. The file is read line by line; only
what the model needs is kept, and fix references are resolved once the whole file is read.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from app.core.navdata.airac import cycle_of
from app.core.navdata.model import (
    AirwayLeg,
    Cycle,
    Direction,
    Fix,
    FixKind,
    Navdata,
    NavdataFileError,
    Procedure,
    ProcedureKind,
)

_RECORD_COLUMNS = 132
_SECTION_CODES = frozenset("ADEHPRTU")  # column 5 of every record the standard defines
# Section + subsection of the records read; airport ('P') records put the subsection in
# column 13, except terminal NDBs ('PN'), which share the NDB layout and use column 6.
_FIX_RECORDS = frozenset({"EA", "PC", "D ", "DB", "PN", "PA"})
_ROUTE_RECORDS = frozenset({"ER", "PD", "PE"})  # their continuation number is column 39
# Route types (column 20) of a procedure's common part: its transition is '' whatever column
# 21-25 says (the CIFP writes 'ALL' there for SIDs serving all runways).
_COMMON_ROUTE_TYPES = {ProcedureKind.SID: "25M", ProcedureKind.STAR: "258M"}
_ENGINE_OUT_SID = "0"  # a contingency track, not a departure to route along
# Direction restriction (column 47). An airway record's segment fields (outbound course, route
# distance from, altitudes, restriction) describe the leg from its fix to the next record's fix,
# so record n's code is the direction of leg n -> n+1: 'F' one way in the direction the route
# is coded (FORWARD, start to end only), 'B' one way against it (BACKWARD, end to start only),
# blank either way (BOTH). The code on a route's last record has no leg and is not used.
_DIRECTIONS = {" ": Direction.BOTH, "F": Direction.FORWARD, "B": Direction.BACKWARD}
_NO_UPPER_LIMIT_FT = 99999  # what some suppliers write for "unlimited"


class _BadRecord(ValueError):
    """A record this reader cannot use; the message says why."""


@dataclass(frozen=True, slots=True)
class _Ref:
    """A fix named by an airway or procedure record, and the line that names it."""

    line: int
    section: str  # the fix's own record type: 'EA', 'PC', 'D ', 'DB', 'PN' or 'PA'
    ident: str
    region: str
    airport: str  # the airport owning a terminal waypoint ('PC'); '' otherwise

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The key the fix's own record was indexed under."""
        return self.section, self.ident, self.region, self.airport


@dataclass(frozen=True, slots=True)
class _AirwayPoint:
    """One airway record: its fix, and what it says of the leg from this fix to the next."""

    ref: _Ref
    direction: Direction
    lower_fl: int | None
    upper_fl: int | None


def read_arinc424_file(path: Path) -> Navdata:
    """Read an ARINC 424 file; NavdataFileError if it is not one."""
    # ASCII with one replacement character per stray byte keeps columns where they are.
    with path.open(encoding="ascii", errors="replace", newline="") as stream:
        return read_arinc424(stream)


def read_arinc424(lines: Iterable[str]) -> Navdata:
    """Read ARINC 424 records line by line; NavdataFileError if they are not ARINC 424."""
    reader = _Reader()
    for number, line in enumerate(lines, start=1):
        reader.feed(number, line)
    return reader.finish()


class _Reader:
    """What the records read so far say; `finish` turns it into Navdata."""

    def __init__(self) -> None:
        """An empty reader."""
        self.fixes: list[Fix] = []
        self.index: dict[tuple[str, str, str, str], Fix] = {}
        self.routes: list[tuple[str, list[_AirwayPoint]]] = []
        self.route_key: tuple[str, str, int] | None = None  # area, route id, last sequence
        self.route_ended = True
        self.legs: dict[tuple[str, ProcedureKind, str, str], list[tuple[int, _Ref]]] = {}
        self.skipped: list[tuple[int, str]] = []
        self.header_cycle: str | None = None
        self.cycle_dates: set[str] = set()
        self.seen_record = False

    def feed(self, number: int, line: str) -> None:
        """Take in line `number`."""
        line = line.rstrip("\r\n")
        if len(line) > _RECORD_COLUMNS and not line[_RECORD_COLUMNS:].strip():
            line = line[:_RECORD_COLUMNS]  # trailing blanks some tools add
        if not line.strip():
            return
        if line.startswith("HDR"):
            self.header(number, line)
            return
        if not self.seen_record:
            _check_first_record(number, line)
            self.seen_record = True
        try:
            self.record(number, line)
        except _BadRecord as bad:
            self.skipped.append((number, str(bad)))
            if line[4:6] == "ER":
                self.route_ended = True  # no leg may jump over the record lost

    def header(self, number: int, line: str) -> None:
        """A header record: the first header carries the cycle in columns 36-39."""
        if not line.startswith("HDR01") or self.header_cycle is not None:
            return
        text = line[35:39]
        if _is_cycle(text):
            self.header_cycle = text
        else:
            self.skipped.append((number, f"header cycle {text!r} is not an AIRAC cycle"))

    def record(self, number: int, line: str) -> None:
        """One record: kept if it is of a type the model needs."""
        if len(line) != _RECORD_COLUMNS:
            raise _BadRecord(f"{len(line)} columns, not {_RECORD_COLUMNS}")
        if line[0] not in "ST":
            raise _BadRecord(f"record type {line[0]!r} (column 1) is neither S nor T")
        code = line[4] + (line[12] if line[4] == "P" and line[5] == " " else line[5])
        if code in _FIX_RECORDS:
            continuation = line[21]
        elif code in _ROUTE_RECORDS:
            continuation = line[38]
        else:
            return  # sections and subsections the model has no use for
        if continuation not in "01":
            return  # continuation records: notes and flight-planning data only
        if code in _FIX_RECORDS:
            self.add_fix(code, _fix(code, line))
        elif code == "ER":
            self.airway_point(number, line)
        else:
            self.procedure_leg(number, line, code)
        self.cycle_dates.add(line[128:132])

    def add_fix(self, code: str, fix: Fix) -> None:
        """Keep a fix and index it the way airway and procedure records name it."""
        self.fixes.append(fix)
        airport = (fix.airport or "") if code == "PC" else ""
        self.index.setdefault((code, fix.ident, fix.region, airport), fix)

    def airway_point(self, number: int, line: str) -> None:
        """An enroute airway record (ER): the next fix of a route."""
        ref = _Ref(number, line[36:38], _col(line, 30, 34), _col(line, 35, 36), "")
        if not ref.ident:
            raise _BadRecord("airway record names no fix (columns 30-34)")
        route, area = _col(line, 14, 18), line[1:4]
        sequence = _number(line, 26, 29, "sequence number")
        direction = _DIRECTIONS.get(line[46])
        if direction is None:
            raise _BadRecord(f"direction restriction {line[46]!r} (column 47) is not F, B or blank")
        # Leg n -> n+1 takes record n's limits: lower_fl from the minimum altitudes (columns
        # 84-88 and 89-93; where both are given, e.g. per direction, the lower), upper_fl from
        # the maximum altitude (94-98); 'FL245' as written, feet in hundreds (24500 -> 245).
        minimums = [fl for fl in (_fl(line, 84, 88), _fl(line, 89, 93)) if fl is not None]
        point = _AirwayPoint(ref, direction, min(minimums, default=None), _fl(line, 94, 98))
        previous = self.route_key
        # A new route starts after an end-of-route fix (column 41 'E'), at a new identifier or
        # area, or where the sequence number starts again (one identifier, several routes).
        if (
            self.route_ended
            or previous is None
            or previous[:2] != (area, route)
            or sequence <= previous[2]
        ):
            self.routes.append((route, []))
        self.routes[-1][1].append(point)
        self.route_key = (area, route, sequence)
        self.route_ended = line[40] == "E"

    def procedure_leg(self, number: int, line: str, code: str) -> None:
        """A SID (PD) or STAR (PE) record: one leg of one transition."""
        kind = ProcedureKind.SID if code == "PD" else ProcedureKind.STAR
        route_type = line[19]
        sequence = _number(line, 27, 29, "sequence number")
        if kind is ProcedureKind.SID and route_type == _ENGINE_OUT_SID:
            return
        airport, fix_ident, section = _col(line, 7, 10), _col(line, 30, 34), line[36:38]
        # Heading, course and altitude legs (VA, CA, VI …) end nowhere; runway ends ('PG') are
        # no fix of the model. Neither is a point to route through.
        if not fix_ident or section == "PG":
            return
        transition = "" if route_type in _COMMON_ROUTE_TYPES[kind] else _col(line, 21, 25)
        owner = airport if section == "PC" else ""
        ref = _Ref(number, section, fix_ident, _col(line, 35, 36), owner)
        key = (airport, kind, _col(line, 14, 19), transition)
        self.legs.setdefault(key, []).append((sequence, ref))

    def finish(self) -> Navdata:
        """The navigation data the file holds."""
        navdata = Navdata(cycle=self.cycle(), source_format="arinc424", fixes=self.fixes)
        navdata.airways = self.airway_legs()
        navdata.procedures = self.procedures()
        navdata.skipped = sorted(self.skipped)
        return navdata

    def cycle(self) -> Cycle:
        """The header's cycle, else the latest cycle date any record carries."""
        if not self.seen_record and self.header_cycle is None:
            raise NavdataFileError(None, "no ARINC 424 records")
        if self.header_cycle is not None:
            return cycle_of(self.header_cycle)
        # A record's cycle date is the cycle it was added or last revised in (ARINC 424 field
        # 5.32), so most records carry older cycles than the file's; the latest one is the
        # file's own, or the nearest to it the records tell.
        valid = [text for text in self.cycle_dates if _is_cycle(text)]
        if not valid:
            raise NavdataFileError(None, "no AIRAC cycle: no HDR01 header, no record cycle date")
        return cycle_of(max(valid))  # YYNN: the string order is the time order within 20YY

    def resolve(self, ref: _Ref, user: str) -> Fix | None:
        """The fix `ref` names, or None (and a skipped entry) if the file has no record of it."""
        fix = self.index.get(ref.key)
        if fix is None:
            where = f"region {ref.region}, {ref.section.strip()} record"
            self.skipped.append((ref.line, f"{user}: no {where} for fix {ref.ident}"))
        return fix

    def airway_legs(self) -> list[AirwayLeg]:
        """Each route as legs between consecutive fixes; legs touching a missing fix dropped."""
        legs = []
        for airway, points in self.routes:
            fixes = [self.resolve(point.ref, f"airway {airway}") for point in points]
            for (point, start), (_, end) in pairwise(zip(points, fixes, strict=True)):
                if start is not None and end is not None:
                    legs.append(
                        AirwayLeg(
                            airway, start, end, point.direction, point.lower_fl, point.upper_fl
                        )
                    )
        return legs

    def procedures(self) -> list[Procedure]:
        """Each transition's fixes in sequence order; a transition missing a fix is dropped."""
        procedures = []
        for (airport, kind, ident, transition), legs in self.legs.items():
            user = f"{kind.value.upper()} {ident} {transition or '(common)'} at {airport}"
            fixes: list[Fix] = []
            complete = True
            for _, ref in sorted(legs, key=lambda leg: leg[0]):
                fix = self.resolve(ref, user)
                complete = complete and fix is not None
                # A hold or a course to the same fix repeats it; the route passes it once.
                if fix is not None and (not fixes or fixes[-1] != fix):
                    fixes.append(fix)
            if complete and fixes:
                procedures.append(Procedure(airport, kind, ident, transition, tuple(fixes)))
        return procedures


def _check_first_record(number: int, line: str) -> None:
    """NavdataFileError unless the first record looks like ARINC 424 at all."""
    if len(line) != _RECORD_COLUMNS:
        reason = f"not ARINC 424: the first record is {len(line)} columns, not {_RECORD_COLUMNS}"
        raise NavdataFileError(number, reason)
    if line[0] not in "ST" or line[4] not in _SECTION_CODES:
        reason = "not ARINC 424: the first record has no record type (S/T) and section code"
        raise NavdataFileError(number, reason)


def _fix(code: str, line: str) -> Fix:
    """The fix, navaid or airport of a fix record."""
    if code == "PA":
        return Fix(
            _col(line, 7, 10),
            _col(line, 11, 12),
            FixKind.AIRPORT,
            _lat(line, 33),
            _lon(line, 42),
            name=_col(line, 94, 123) or None,
            elevation_ft=_elevation_ft(line),
        )
    if code in ("EA", "PC"):
        airport = _col(line, 7, 10) if code == "PC" else None
        ident, region, name = _col(line, 14, 18), _col(line, 20, 21), _col(line, 99, 123)
        # Dynamic magnetic variation, columns 75-79 (a bearing from the fix needs it).
        return Fix(
            ident, region, FixKind.WAYPOINT, _lat(line, 33), _lon(line, 42), name or None, airport,
            _variation_deg(line[74:79]),
        )  # fmt: skip
    # Navaids: VHF ('D '), enroute NDB ('DB') and terminal NDB ('PN') share these columns.
    kind, position_col = FixKind.NDB, 33
    if code == "D ":
        # Navaid class, columns 28-29: 'V' a VOR (alone, with DME or a VORTAC); else a DME
        # or TACAN alone ('D', 'T', 'M'; 'I', 'N', 'P' those of an ILS or MLS) with only its
        # DME position (columns 56-74) filled in.
        if line[27] == "V":
            kind = FixKind.VOR
        elif line[28] in "DTMINP":
            kind, position_col = FixKind.DME, 56
        else:
            raise _BadRecord(f"navaid class {line[27:29]!r} is neither VOR nor DME")
    return Fix(
        _col(line, 14, 17),
        _col(line, 20, 21),
        kind,
        _lat(line, position_col),
        _lon(line, position_col + 9),
        name=_col(line, 94, 123) or None,
        airport=_col(line, 7, 10) or None,
        # Station declination (VHF) or magnetic variation at the station (NDB).
        variation_deg=_variation_deg(line[74:79]),
    )


def _col(line: str, first: int, last: int) -> str:
    """Columns `first` to `last` (1-based, inclusive), blanks stripped."""
    return line[first - 1 : last].strip()


def _number(line: str, first: int, last: int, what: str) -> int:
    """A whole number filling columns `first`-`last`."""
    text = line[first - 1 : last]
    if not (text.isascii() and text.isdigit()):
        raise _BadRecord(f"{what} {text!r} (columns {first}-{last}) is not a number")
    return int(text)


def _lat(line: str, first: int) -> float:
    """Latitude, degrees (north positive), from 'N51093800' in columns `first` … `first`+8."""
    return _angle(line[first - 1 : first + 8], "NS", 2, 90)


def _lon(line: str, first: int) -> float:
    """Longitude, degrees (east positive), from 'E001213500' in columns `first` … `first`+9."""
    return _angle(line[first - 1 : first + 9], "EW", 3, 180)


def _angle(text: str, hemispheres: str, degree_digits: int, limit_deg: int) -> float:
    """Degrees from hemisphere, degrees, minutes, and seconds in hundredths (SSss)."""
    digits = text[1:]
    if text[:1] not in hemispheres or not (digits.isascii() and digits.isdigit()):
        raise _BadRecord(f"coordinate {text!r} is not {hemispheres[0]}/{hemispheres[1]}DDMMSSss")
    degrees = int(digits[:degree_digits])
    minutes = int(digits[degree_digits : degree_digits + 2])
    hundredths_s = int(digits[degree_digits + 2 :])
    value_deg = degrees + minutes / 60 + hundredths_s / 360_000
    if minutes >= 60 or hundredths_s >= 6000 or value_deg > limit_deg:
        raise _BadRecord(f"coordinate {text!r} is out of range")
    return -value_deg if text[0] == hemispheres[1] else value_deg


def _variation_deg(text: str) -> float | None:
    """'E0010' / 'W0110' (tenths of a degree) as degrees east positive; 'T' (aligned to true
    north) is 0; blank or grid-aligned ('G') gives None."""
    sign = {"E": 1.0, "W": -1.0, "T": 0.0}.get(text[:1])
    if sign is None:
        return None
    tenths = text[1:]
    if not (tenths.isascii() and tenths.isdigit()):
        raise _BadRecord(f"declination {text!r} is not E/W and tenths of a degree")
    return sign * int(tenths) / 10


def _elevation_ft(line: str) -> float | None:
    """An airport's elevation, feet, from columns 57-61 ('00083', '-0012')."""
    text = _col(line, 57, 61)
    if not text:
        return None
    try:
        return float(int(text))
    except ValueError:
        raise _BadRecord(f"airport elevation {text!r} is not a number of feet") from None


def _fl(line: str, first: int, last: int) -> int | None:
    """A flight level from an altitude field: 'FL245' as written, feet ('24500') in hundreds;
    None for blank, 'UNKNN', 'NESTB', 'UNLTD' or 99999 (no limit given)."""
    text = _col(line, first, last)
    if text.startswith("FL") and text[2:].isdigit():
        return int(text[2:])
    if text.isascii() and text.isdigit() and int(text) != _NO_UPPER_LIMIT_FT:
        return round(int(text) / 100)
    return None


def _is_cycle(text: str) -> bool:
    """Whether `text` is an AIRAC cycle number ('2612')."""
    try:
        cycle_of(text)
    except ValueError:
        return False
    return True
