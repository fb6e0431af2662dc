"""X-Plane 11/12 navigation data read into the common model: earth_fix.dat (XP-FIX1100/1101/1200),
earth_nav.dat (XP-NAV1100/1150/1200) and earth_awy.dat (XP-AWY1101, '1100 Version').

What these three files cannot give: airports and SIDs/STARs (X-Plane keeps them in apt.dat and
CIFP/<ICAO>.dat), so no FixKind.AIRPORT point is made and `procedures` stays empty; a terminal
fix still names its airport. ILS parts (localisers, glide slopes, markers, ILS DMEs) and
GBAS/SBAS points are ignored, not reported as skipped: routes are not filed through them.

Each file opens with two header rows, 'I' (or 'A'), then '1101 Version - data cycle 2107,
build ..., metadata FixXP1100. Copyright ...', and ends with a '99' row. Columns are separated
by any run of whitespace; the X-Plane 12 ('1200') layouts only add columns at the end of a row
(a fix's printed name) or reuse a column (an NDB's BFO flag), so one reader serves both.
"""

import heapq
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from app.core.navdata.airac import cycle_of
from app.core.navdata.model import (
    AirwayLeg,
    Cycle,
    Direction,
    Fix,
    FixKind,
    Navdata,
    NavdataFileError,
)

_T = TypeVar("_T")  # what a row parses into
_Key = tuple[str, str, FixKind]
_Numbered = Iterator[tuple[int, str]]  # a file's lines with their 1-based numbers

FIX, NAV, AWY = "fix", "nav", "awy"
_FILE_NAMES = {FIX: "earth_fix.dat", NAV: "earth_nav.dat", AWY: "earth_awy.dat"}
_KIND_OF_NAME = {name: kind for kind, name in _FILE_NAMES.items()}
_KIND_OF_TAG = {"Fix": FIX, "Nav": NAV, "Awy": AWY}
_WORDS = {FIX: "fix", NAV: "navaid", AWY: "airway"}
# Layouts read here. X-Plane 10's (810, 640, ...) lack the region column airways refer by.
_VERSIONS = {FIX: {1100, 1101, 1200}, NAV: {1100, 1150, 1200}, AWY: {1100, 1101, 1200}}

_VERSION_RE = re.compile(r"(\d+)\s+Version\b", re.IGNORECASE)
_CYCLE_RE = re.compile(r"\bdata cycle\s+(\d+)", re.IGNORECASE)
_TAG_RE = re.compile(r"\bmetadata\s+(Fix|Nav|Awy)XP")
_HEADER_LINE_MAX_CHARS = 4096  # sniffing a stray binary file must not read it whole

_ENROUTE = "ENRT"  # the terminal-area column of an en-route point
_NDB_ROW, _VOR_ROW, _DME_ROWS = 2, 3, (12, 13)  # 12: frequency hidden on charts, 13: shown
# Localisers, glide slopes, markers (4-9), FPAP, GLS station, threshold point (14-16).
_IGNORED_ROWS = frozenset({4, 5, 6, 7, 8, 9, 14, 15, 16})
_ILS_DME_SUFFIX = "DME-ILS"
# A DME this close to a VOR or NDB of its identifier and region is that station's DME.
_COLOCATED_MAX_NM = 2.0

_AWY_POINT_KINDS = {
    "11": ("waypoint", (FixKind.WAYPOINT,)),
    "2": ("NDB", (FixKind.NDB,)),
    "3": ("VOR or DME", (FixKind.VOR, FixKind.DME)),  # 'VHF navaid' covers both
}
_DIRECTIONS = {"N": Direction.BOTH, "F": Direction.FORWARD, "B": Direction.BACKWARD}
_REVERSED = {Direction.FORWARD: Direction.BACKWARD, Direction.BACKWARD: Direction.FORWARD}


class _BadRow(ValueError):
    """One row that cannot be used; the file goes on."""


def read_xplane(
    fix_lines: Iterable[str], nav_lines: Iterable[str], awy_lines: Iterable[str]
) -> Navdata:
    """Read the three files' lines (streamed, one pass each) into one cycle's navigation data."""
    return _read((fix_lines, nav_lines, awy_lines), tuple(_FILE_NAMES.values()))


def read_xplane_files(paths: Sequence[Path]) -> Navdata:
    """Read earth_fix/nav/awy.dat given as the three files or as one directory holding them."""
    found = _locate(paths)
    with ExitStack() as stack:
        # Names in 1200 files may carry stray non-UTF-8 bytes; one must not sink a 250k-row read.
        fix, nav, awy = (
            stack.enter_context(found[kind].open(encoding="utf-8", errors="replace"))
            for kind in (FIX, NAV, AWY)
        )
        return _read((fix, nav, awy), (str(found[FIX]), str(found[NAV]), str(found[AWY])))


def _read(sources: tuple[Iterable[str], ...], labels: tuple[str, ...]) -> Navdata:
    """Headers of all three first (a wrong file fails before 250k rows are read), then rows."""
    fix_label, nav_label, awy_label = labels
    (cycle, fix_rows), (nav_cycle, nav_rows), (awy_cycle, awy_rows) = (
        _open(lines, kind, label)
        for lines, kind, label in zip(sources, (FIX, NAV, AWY), labels, strict=True)
    )
    for other, label in ((nav_cycle, nav_label), (awy_cycle, awy_label)):
        if other != cycle:
            reason = f"{label} is of cycle {other.ident}, {fix_label} of {cycle.ident}"
            raise NavdataFileError(2, f"{reason}: the three files must be of one cycle")
    navdata = Navdata(cycle=cycle, source_format="xplane")
    skipped = navdata.skipped
    navdata.fixes.extend(_parsed(fix_rows, fix_label, skipped, _fix_row))
    navaids = [fix for fix in _parsed(nav_rows, nav_label, skipped, _nav_row) if fix is not None]
    navdata.fixes.extend(_without_colocated_dmes(navaids))

    # Terminal fixes of different airports share identifiers within a region; airways join
    # en-route points only (XP-AWY1101), so the en-route one of a key wins.
    index: dict[_Key, Fix] = {}
    for fix in navdata.fixes:
        known = index.get(fix.key)
        if known is None or (known.airport is not None and fix.airport is None):
            index[fix.key] = fix

    awy_row = partial(_awy_row, index=index, fix_label=fix_label, nav_label=nav_label)
    by_airway: dict[str, list[AirwayLeg]] = {}
    for legs in _parsed(awy_rows, awy_label, skipped, awy_row):
        for leg in legs:
            by_airway.setdefault(leg.airway, []).append(leg)
    navdata.airways = [
        leg for legs in by_airway.values() for leg in _in_flying_order(list(dict.fromkeys(legs)))
    ]
    return navdata


def _open(lines: Iterable[str], kind: str, label: str) -> tuple[Cycle, _Numbered]:
    """Check a file's two header rows; its cycle and its numbered lines to come."""
    numbered = enumerate(lines, start=1)
    _check_first_line(next(numbered, (1, ""))[1], label)
    header = next(numbered, (2, ""))[1].strip()
    if (version := _VERSION_RE.match(header)) is None:
        raise NavdataFileError(2, f"{label}: not X-Plane data: line 2 is not '<version> Version …'")
    if (tag := _TAG_RE.search(header)) and (tagged := _KIND_OF_TAG[tag[1]]) != kind:
        what = f"an X-Plane {_WORDS[tagged]} file, not a {_WORDS[kind]} file"
        raise NavdataFileError(2, f"{label}: its metadata says it is {what}")
    if int(version[1]) not in _VERSIONS[kind]:
        known = ", ".join(map(str, sorted(_VERSIONS[kind])))
        raise NavdataFileError(
            2, f"{label}: {_WORDS[kind]} file version {version[1]} is not read (only {known})"
        )
    if (cycle_number := _CYCLE_RE.search(header)) is None:
        raise NavdataFileError(2, f"{label}: the header names no 'data cycle'")
    try:
        cycle = cycle_of(cycle_number[1])
    except ValueError as error:
        raise NavdataFileError(2, f"{label}: {error}") from error
    return cycle, numbered


def _check_first_line(line: str, label: str) -> None:
    """Line 1 of every X-Plane data file: 'I' (or 'A', for files once made on a Mac)."""
    if (first := line.strip().lstrip("\ufeff")) not in ("I", "A"):
        raise NavdataFileError(
            1, f"{label}: not X-Plane data: line 1 should be 'I' or 'A', not {first[:40]!r}"
        )


def _parsed(
    rows: _Numbered, label: str, skipped: list[tuple[int, str]], parse: Callable[[list[str]], _T]
) -> Iterator[_T]:
    """Data rows parsed up to the closing '99'; a bad row goes to `skipped` (line, reason)."""
    number = 2
    for number, line in rows:
        if (text := line.strip()) == "99":
            return
        if not text:
            continue
        try:
            value = parse(text.split())
        except _BadRow as error:
            skipped.append((number, f"{label}: {error}"))
            continue
        yield value
    raise NavdataFileError(number + 1, f"{label}: the file ends without its '99' row (cut short?)")


def _fix_row(fields: list[str]) -> Fix:
    """`lat lon ident terminal-area|ENRT region [type-code [printed name (1200)]]`."""
    if len(fields) < 5:
        raise _BadRow(f"a fix row has at least 5 columns, this one {len(fields)}")
    lat, lon = _position(fields[0], fields[1])
    ident, area, region = fields[2:5]
    # The type code packs ARINC 424 columns 27-29 into an integer; the model has no use for
    # it, but a non-number there means the columns are shifted.
    if len(fields) > 5 and not fields[5].isdigit():
        raise _BadRow(f"waypoint type {fields[5]!r} is not a number")
    name = " ".join(fields[6:]) or None
    return Fix(ident, region, FixKind.WAYPOINT, lat, lon, name, airport=_airport(area))


def _nav_row(fields: list[str]) -> Fix | None:
    """`code lat lon elev_ft freq range variation|bias ident terminal-area|ENRT region name`."""
    try:
        code = int(fields[0])
    except ValueError:
        raise _BadRow(f"row code {fields[0]!r} is not a number") from None
    if code in _IGNORED_ROWS:
        return None
    if code not in (_NDB_ROW, _VOR_ROW, *_DME_ROWS):
        raise _BadRow(f"unknown row code {code}")
    if len(fields) < 10:
        raise _BadRow(f"a navaid row has at least 10 columns, this one {len(fields)}")
    lat, lon = _position(fields[1], fields[2])
    for column, what in ((3, "elevation"), (4, "frequency"), (5, "range or class")):
        _number(fields[column], what)
    seventh = _number(fields[6], "variation or bias")
    ident, area, region = fields[7:10]
    name = " ".join(fields[10:]) or None
    if code == _NDB_ROW:
        return Fix(ident, region, FixKind.NDB, lat, lon, name, airport=_airport(area))
    if code == _VOR_ROW:
        # Slaved variation is the true bearing of the 0 radial: east positive; a west one may
        # also be written as e.g. 349.000, i.e. -11.
        variation_deg = seventh - 360.0 if seventh > 180.0 else seventh
        return Fix(ident, region, FixKind.VOR, lat, lon, name, variation_deg=variation_deg)
    if name is not None and name.endswith(_ILS_DME_SUFFIX):
        return None
    return Fix(ident, region, FixKind.DME, lat, lon, name, airport=_airport(area))


def _without_colocated_dmes(navaids: list[Fix]) -> list[Fix]:
    """Navaids minus the DME rows that are the DME of a VOR/DME, VORTAC or NDB/DME.

    X-Plane lists such a station twice, as a row 3 (or 2) and a row 12/13 of the same
    identifier and region; the model's point is the VOR (or NDB), and a second point of the
    same identifier at the same place would only make routes ambiguous. The rows come in any
    order, so this runs after the whole file; a same-named DME far from the station is kept.
    """
    stations: dict[tuple[str, str], list[Fix]] = {}
    for fix in navaids:
        if fix.kind in (FixKind.VOR, FixKind.NDB):
            stations.setdefault((fix.ident, fix.region), []).append(fix)
    return [
        fix
        for fix in navaids
        if fix.kind is not FixKind.DME
        or not any(_near(fix, s) for s in stations.get((fix.ident, fix.region), ()))
    ]


def _near(a: Fix, b: Fix) -> bool:
    """Within _COLOCATED_MAX_NM (flat-earth distance, ample at this range)."""
    east_deg = ((a.lon - b.lon + 180.0) % 360.0 - 180.0) * math.cos(math.radians(a.lat))
    return 60.0 * math.hypot(a.lat - b.lat, east_deg) <= _COLOCATED_MAX_NM  # 60 NM a degree


def _awy_row(
    fields: list[str], index: dict[_Key, Fix], fix_label: str, nav_label: str
) -> list[AirwayLeg]:
    """`fix1 region1 type1 fix2 region2 type2 N|F|B level base_fl top_fl name[-name...]`."""
    if len(fields) != 11:
        raise _BadRow(f"an airway row has 11 columns, this one {len(fields)}")
    direction = _DIRECTIONS.get(fields[6])
    if direction is None:
        raise _BadRow(f"direction {fields[6]!r} is none of N, F, B")
    if fields[7] not in ("1", "2"):
        raise _BadRow(f"level {fields[7]!r} is neither 1 (low) nor 2 (high)")
    if not (fields[8].isdigit() and fields[9].isdigit()):
        raise _BadRow(f"base and top flight levels {fields[8]!r} {fields[9]!r} are not whole")
    base_fl, top_fl = int(fields[8]), int(fields[9])
    if 0 < top_fl < base_fl:
        raise _BadRow(f"base FL{base_fl} is above top FL{top_fl}")
    # A top of 0 is what the data gives for 'not published' (base too, when both are 0).
    lower_fl = None if base_fl == top_fl == 0 else base_fl
    upper_fl = top_fl or None
    names = [name for name in fields[10].split("-") if name]
    if not names:
        raise _BadRow(f"no airway name in {fields[10]!r}")
    start, end = (_endpoint(fields[i : i + 3], index, names, fix_label, nav_label) for i in (0, 3))
    if start.key == end.key:
        raise _BadRow(f"{'-'.join(names)}: a leg from {start.ident} to itself")
    return [AirwayLeg(name, start, end, direction, lower_fl, upper_fl) for name in names]


def _endpoint(
    columns: list[str], index: dict[_Key, Fix], names: list[str], fix_label: str, nav_label: str
) -> Fix:
    """The point an airway row names by identifier, region and type code (11, 2 or 3)."""
    ident, region, code = columns
    if code not in _AWY_POINT_KINDS:
        raise _BadRow(f"point type {code!r} of {ident} is none of 11, 2, 3")
    word, kinds = _AWY_POINT_KINDS[code]
    for kind in kinds:
        if (fix := index.get((ident, region, kind))) is not None:
            return fix
    source = fix_label if code == "11" else nav_label
    raise _BadRow(
        f"{'-'.join(names)}: no {word} {ident} in region {region} in {source}; leg dropped"
    )


def _in_flying_order(legs: list[AirwayLeg]) -> list[AirwayLeg]:
    """One airway's legs chained so that each starts where the one before ended.

    X-Plane lists legs in no guaranteed order (the files are sorted by first fix). Begin at an
    end of the airway (a point with one neighbour among the legs not yet placed), preferring one
    given as a leg's start, then the earliest-listed; walk on by the earliest-listed unplaced leg
    at each point, turning a leg listed the other way round (ends swapped, FORWARD <-> BACKWARD).
    Where the walk stops (gap, branch, loop) the next run begins the same way; parallel legs (a
    segment's low and high listing) go together. The order is for people reading the legs: a
    route through an airway is found on the graph of its legs and does not depend on it.
    """
    ends = [(leg.start.key, leg.end.key) for leg in legs]
    touching: dict[_Key, list[int]] = {}  # point -> its legs, as listed
    neighbours: dict[_Key, set[_Key]] = {}  # point -> the points unplaced legs join it to
    for i, (start, end) in enumerate(ends):
        for point, other in ((start, end), (end, start)):
            touching.setdefault(point, []).append(i)
            neighbours.setdefault(point, set()).add(other)
    placed = [False] * len(legs)
    run_starts: list[tuple[bool, int, _Key]] = []  # heap of (not a leg's start, leg, point)

    def offer(point: _Key) -> None:
        """Queue `point` as where a run may begin, if it has become an end of the airway."""
        if len(neighbours[point]) == 1:
            unplaced = (i for i in touching[point] if not placed[i])
            heapq.heappush(run_starts, min((ends[i][0] != point, i, point) for i in unplaced))

    for point in touching:
        offer(point)
    ordered: list[AirwayLeg] = []
    first_unplaced = 0
    while len(ordered) < len(legs):
        # Queued points that have since been walked through are stale; a closed loop, with no
        # end, begins at the start of its first listed leg.
        while run_starts and (placed[run_starts[0][1]] or len(neighbours[run_starts[0][2]]) != 1):
            heapq.heappop(run_starts)
        while placed[first_unplaced]:
            first_unplaced += 1
        here = heapq.heappop(run_starts)[2] if run_starts else ends[first_unplaced][0]
        while neighbours[here]:
            step = next(i for i in touching[here] if not placed[i])
            there = ends[step][1] if ends[step][0] == here else ends[step][0]
            for i in touching[here]:
                if not placed[i] and there in ends[i]:
                    placed[i] = True
                    ordered.append(legs[i] if ends[i][0] == here else _turned(legs[i]))
            neighbours[here].discard(there)
            neighbours[there].discard(here)
            offer(here)  # a branch point is now an end
            here = there
    return ordered


def _turned(leg: AirwayLeg) -> AirwayLeg:
    """The same leg given the other way round."""
    direction = _REVERSED.get(leg.direction, leg.direction)
    return replace(leg, start=leg.end, end=leg.start, direction=direction)


def _position(lat_text: str, lon_text: str) -> tuple[float, float]:
    """Latitude and longitude columns, degrees, checked to be on the globe."""
    lat_deg, lon_deg = _number(lat_text, "latitude"), _number(lon_text, "longitude")
    if not (-90.0 <= lat_deg <= 90.0 and -180.0 <= lon_deg <= 180.0):
        raise _BadRow(f"position {lat_deg}, {lon_deg} is off the globe")
    return lat_deg, lon_deg


def _number(text: str, what: str) -> float:
    """A numeric column."""
    try:
        value = float(text)
    except ValueError:
        raise _BadRow(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise _BadRow(f"{what} {text!r} is not a finite number")
    return value


def _airport(area: str) -> str | None:
    """The terminal-area column as the airport a point belongs to; None en route."""
    return None if area == _ENROUTE else area


def _locate(paths: Sequence[Path]) -> dict[str, Path]:
    """Which given file (or file in the one given directory) is the fix, navaid, airway file."""
    directory = paths[0] if len(paths) == 1 and paths[0].is_dir() else None
    if directory is not None:
        candidates = sorted(path for path in directory.iterdir() if path.is_file())
    else:
        candidates = list(paths)
        for path in candidates:
            if not path.is_file():
                raise NavdataFileError(
                    None, f"{path}: no such file; give the three X-Plane files or one directory"
                )
    found: dict[str, Path] = {}
    named = {_KIND_OF_NAME[p.name.lower()] for p in candidates if p.name.lower() in _KIND_OF_NAME}
    # Files named as X-Plane names them first; the others are told by their header.
    for path in sorted(candidates, key=lambda p: p.name.lower() not in _KIND_OF_NAME):
        if (kind := _KIND_OF_NAME.get(path.name.lower())) is None:
            try:
                kind = _sniff(path)
            except (NavdataFileError, OSError):
                if directory is None:
                    raise
                continue  # a directory may hold apt.dat, earth_hold.dat, notes...
            if directory is not None and kind in named:
                continue  # e.g. user_fix.dat beside earth_fix.dat
        if kind in found:
            raise NavdataFileError(None, f"two X-Plane {_WORDS[kind]} files: {found[kind]}, {path}")
        found[kind] = path
    for kind in (FIX, NAV, AWY):
        if kind not in found:
            where = f"in {directory}" if directory else f"among {', '.join(map(str, paths))}"
            raise NavdataFileError(
                None,
                f"no X-Plane {_WORDS[kind]} file ({_FILE_NAMES[kind]} or a header with metadata "
                f"{kind.capitalize()}XP...) {where}",
            )
    return found


def _sniff(path: Path) -> str:
    """The kind a file's header metadata tag gives (FixXP..., NavXP..., AwyXP...)."""
    with path.open(encoding="utf-8", errors="replace") as stream:
        _check_first_line(stream.readline(_HEADER_LINE_MAX_CHARS), str(path))
        tag = _TAG_RE.search(stream.readline(_HEADER_LINE_MAX_CHARS))
    if tag is None:
        raise NavdataFileError(
            2, f"{path}: the header has no metadata FixXP/NavXP/AwyXP tag to tell its kind"
        )
    return _KIND_OF_TAG[tag[1]]
