"""Writes navigation data as X-Plane earth_fix.dat, earth_nav.dat and earth_awy.dat, for tests.

A round trip through app.core.navdata.xplane only checks something if the two sides are written
apart, so this follows the columns of Laminar's specifications (XP-FIX1101/1200,
XP-NAV1150/1200, XP-AWY1101) and shares no code or constants with the reader.

Not written, because these three files cannot hold them: airports (X-Plane keeps them in
apt.dat) and procedures (CIFP/<ICAO>.dat). Radio values the model does not carry (elevation,
frequency, range class) are written as fixed plausible numbers.
"""

from pathlib import Path

from app.core.navdata.model import AirwayLeg, Direction, Fix, FixKind, Navdata


def _waypoint_type(column_27: str, column_28: str = " ", column_29: str = " ") -> int:
    """XP-FIX 'waypoint type': ARINC 424 columns 27-29 as the bytes of a little-endian integer."""
    return ord(column_27) | ord(column_28) << 8 | ord(column_29) << 16


_RNAV_WAYPOINT = _waypoint_type("W")  # 'W' in column 27: RNAV waypoint
_ENROUTE = "ENRT"
# Made-up radio values: 300 kHz, class 50 (normal NDB); 110.00 MHz, class 130 (high altitude).
_NDB_KHZ, _NDB_CLASS = 300, 50
_VHF_MHZ_X100, _VHF_CLASS = 11000, 130
_AIRWAY_POINT_TYPE = {FixKind.WAYPOINT: 11, FixKind.NDB: 2, FixKind.VOR: 3, FixKind.DME: 3}
_AIRWAY_DIRECTION = {Direction.BOTH: "N", Direction.FORWARD: "F", Direction.BACKWARD: "B"}
# The model keeps no high/low flag; call an airway high when its floor is FL180 or above (the
# US high-altitude structure's floor). The reader ignores the column.
_HIGH_FLOOR_FL = 180


def write_xplane(navdata: Navdata, directory: Path, *, xplane12: bool = False) -> list[Path]:
    """Write the three files into `directory`: X-Plane 11 layouts, or X-Plane 12's (1200)."""
    fix_rows: list[str] = []
    nav_rows: list[str] = []
    for fix in navdata.fixes:
        if fix.kind is FixKind.WAYPOINT:
            fix_rows.append(_fix_row(fix, printed_name=xplane12))
        elif fix.kind is not FixKind.AIRPORT:
            nav_rows.append(_nav_row(fix))
    awy_rows = [_awy_row(leg) for leg in navdata.airways]
    files = [
        ("earth_fix.dat", 1200 if xplane12 else 1101, "FixXP", fix_rows),
        ("earth_nav.dat", 1200 if xplane12 else 1150, "NavXP", nav_rows),
        ("earth_awy.dat", 1100, "AwyXP", awy_rows),  # X-Plane 12 kept the 1100 airway layout
    ]
    paths = []
    for name, version, tag, rows in files:
        header = (
            f"{version} Version - data cycle {navdata.cycle.ident}, "
            f"build {navdata.cycle.effective_from:%Y%m%d}, metadata {tag}{version}. "
            "Test fixture written by tests/navdata_xplane_writer.py; not navigation data."
        )
        path = directory / name
        path.write_text("\n".join(["I", header, *rows, "99", ""]), encoding="utf-8")
        paths.append(path)
    return paths


def _fix_row(fix: Fix, *, printed_name: bool) -> str:
    """`lat lon ident terminal-area|ENRT region type [name]` (the name column is XP-FIX1200's)."""
    row = (
        f"{fix.lat:13.9f} {fix.lon:14.9f} {fix.ident:>5} {fix.airport or _ENROUTE} {fix.region}"
        f" {_RNAV_WAYPOINT}"
    )
    return f"{row} {fix.name}" if printed_name and fix.name else row


def _nav_row(fix: Fix) -> str:
    """Row 2 (NDB), 3 (VOR, with its slaved variation) or 13 (DME shown on charts)."""
    if fix.kind is FixKind.NDB:
        code, frequency, range_class, seventh = 2, _NDB_KHZ, _NDB_CLASS, 0.0
    elif fix.kind is FixKind.VOR:
        code, frequency, range_class = 3, _VHF_MHZ_X100, _VHF_CLASS
        seventh = fix.variation_deg or 0.0
    elif fix.kind is FixKind.DME:
        code, frequency, range_class, seventh = 13, _VHF_MHZ_X100, _VHF_CLASS, 0.0  # no bias
    else:
        raise ValueError(f"X-Plane's earth_nav.dat has no row for a {fix.kind}")
    area = fix.airport or _ENROUTE
    return (
        f"{code:2d} {fix.lat:13.9f} {fix.lon:14.9f} {0:6d} {frequency:5d} {range_class:5d}"
        f" {seventh:10.3f} {fix.ident:>4} {area} {fix.region} {fix.name or fix.ident}"
    )


def _awy_row(leg: AirwayLeg) -> str:
    """`fix1 region1 type1 fix2 region2 type2 N|F|B 1|2 base top name`."""
    ends = []
    for fix in (leg.start, leg.end):
        if fix.kind not in _AIRWAY_POINT_TYPE:
            raise ValueError(f"an X-Plane airway cannot end at {fix.kind} {fix.ident}")
        ends.append(f"{fix.ident:>5} {fix.region} {_AIRWAY_POINT_TYPE[fix.kind]:2d}")
    lower_fl, upper_fl = leg.lower_fl or 0, leg.upper_fl or 0  # 0: not published
    level = 2 if lower_fl >= _HIGH_FLOOR_FL else 1
    direction = _AIRWAY_DIRECTION[leg.direction]
    return f"{ends[0]} {ends[1]} {direction} {level} {lower_fl:3d} {upper_fl:3d} {leg.airway}"
