"""ICAO item 15 (Doc 4444, Appendix 2) read into elements, by form alone: what each token is
is settled later against navigation data (a bare name may be a fix, an airway or a procedure).

Every token that cannot be read is reported with its index, not only the first.
"""

import re
from dataclasses import dataclass

from app.core.flightplan.speed_level import (
    SpeedLevel,
    is_speed_level,
    level_feet,
    parse_speed_level,
)
from app.core.routes.icao_coordinates import Coordinates, read_coordinates

_NAME = re.compile(r"^[A-Z0-9]{1,7}$")
_AERODROME = re.compile(r"^[A-Z]{4}$")
# A significant point's designator (2–5 letters) with magnetic bearing and distance (NM).
_BEARING_DISTANCE = re.compile(r"^(?P<ident>[A-Z]{2,5})(?P<bearing>\d{3})(?P<distance>\d{3})$")
# Cruise climb: C/point/speed and the level band (lower, then upper or PLUS).
_CRUISE_CLIMB = re.compile(r"^C/(?P<point>[^/]+)/(?P<speed>[NKM]\d{3,4})(?P<levels>[A-Z0-9]+)$")


@dataclass(frozen=True)
class TokenError:
    """A token that cannot be used: where it is, what it is, and why."""

    index: int
    token: str
    reason: str
    # The request field at fault when it is not a token of the route (departure, destination).
    field: str | None = None


@dataclass(frozen=True)
class PointText:
    """How a point is written: coordinates, a name, or a bearing and distance from a name."""

    text: str
    coordinates: Coordinates | None = None
    name: str | None = None
    bearing_deg_magnetic: float | None = None
    distance_nm: float | None = None


@dataclass(frozen=True)
class Element:
    """One element of the route, with the index of its token.

    kind: 'speed_level' (the initial group), 'dct', 'name' (a fix, airway or procedure, to be
    settled), 'point' (coordinates or bearing/distance), 'rules' (VFR or IFR), 'truncate' (T),
    'aerodrome' (the first or last token, a four-letter location indicator).
    """

    index: int
    token: str
    kind: str
    point: PointText | None = None
    # A change of speed and level at this point (KONAN/N0480F370), or the initial group.
    change: SpeedLevel | None = None
    # Cruise climb: the upper level in feet (None: PLUS, no upper limit).
    climb_to_ft: float | None = None
    cruise_climb: bool = False


@dataclass(frozen=True)
class Item15:
    """The route as elements, and the tokens that could not be read."""

    elements: list[Element]
    errors: list[TokenError]


def read_item15(text: str) -> Item15:
    """Every token of a route string as an element, or as an error with its reason."""
    tokens = text.upper().split()
    elements: list[Element] = []
    errors: list[TokenError] = []
    # The aerodromes are the first and last tokens but for a stray DCT around them.
    routed = [i for i, token in enumerate(tokens) if token != "DCT"]
    ends = {routed[0], routed[-1]} if routed else set()
    for index, token in enumerate(tokens):
        try:
            elements.append(_element(index, token, index in ends))
        except ValueError as error:  # CoordinateError, SpeedLevelError: each says why
            errors.append(TokenError(index, token, str(error)))
    return Item15(elements, errors)


def _element(index: int, token: str, at_an_end: bool) -> Element:
    """One token as an element; ValueError saying why it is none."""
    if token == "DCT":
        return Element(index, token, "dct")
    if token in ("VFR", "IFR"):
        return Element(index, token, "rules")
    if token == "T":
        return Element(index, token, "truncate")
    if is_speed_level(token):
        return Element(index, token, "speed_level", change=parse_speed_level(token))
    if token.startswith("C/"):
        return _cruise_climb(index, token)
    if "/" in token:
        where, _, group = token.partition("/")
        if at_an_end and _AERODROME.match(where):
            raise ValueError(
                f"{token!r}: an aerodrome takes no speed/level group; put it after the "
                f"aerodrome ('{where} {group}')"
            )
        made = _point(where)
        return Element(index, token, made.kind, point=made.point, change=parse_speed_level(group))
    if at_an_end and _AERODROME.match(token):
        return Element(index, token, "aerodrome")
    made = _point(token)
    return Element(index, token, made.kind, point=made.point)


@dataclass(frozen=True)
class _Made:
    kind: str
    point: PointText


def _point(text: str) -> _Made:
    """A point's text: coordinates, bearing/distance, or a name to look up."""
    coordinates = read_coordinates(text)
    if coordinates is not None:
        return _Made("point", PointText(text, coordinates=coordinates))
    match = _BEARING_DISTANCE.match(text)
    if match is not None:
        bearing = int(match["bearing"])
        if bearing > 360:
            raise ValueError(f"{text!r}: a bearing is 001 to 360 degrees")
        point = PointText(
            text,
            name=match["ident"],
            bearing_deg_magnetic=float(bearing % 360),
            distance_nm=float(match["distance"]),
        )
        return _Made("point", point)
    if _NAME.match(text):
        return _Made("name", PointText(text, name=text))
    raise ValueError(
        f"{text!r} is not an item 15 element (a point, airway, DCT, procedure, coordinates "
        "like 4620N07805W, or a speed/level group like N0488F350)"
    )


def _cruise_climb(index: int, token: str) -> Element:
    """C/point/speed+levels: a cruise climb between two levels (or from one level, PLUS)."""
    match = _CRUISE_CLIMB.match(token)
    if match is None:
        raise ValueError(f"{token!r}: a cruise climb is C/point/N0480F290F350 or …F290PLUS")
    levels = match["levels"]
    lower = re.match(r"^(F\d{3}|A\d{3}|S\d{4}|M\d{4})", levels)
    if lower is None:
        raise ValueError(f"{token!r}: a cruise climb gives its lower level first (F290)")
    rest = levels[lower.end() :]
    upper_ft = None if rest == "PLUS" else level_feet(rest)
    group = parse_speed_level(match["speed"] + lower.group(0))
    made = _point(match["point"])
    return Element(
        index,
        token,
        made.kind,
        point=made.point,
        change=group,
        climb_to_ft=upper_ft,
        cruise_climb=True,
    )
