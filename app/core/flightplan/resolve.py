"""A filed route (item 15, with the aerodromes of items 13 and 16) resolved against one cycle's
navigation data into the points flown, or every token that cannot be resolved with its reason.

Points of one name are told apart by the airway they join (when one does) and then by proximity
to the route's neighbouring point; a SID or STAR the data does not hold is skipped with a note
(the route joins at the first or leaves at the last en-route point).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.core.flightplan.airways import AirwayError, airway_fixes
from app.core.flightplan.filed_route import FiledPoint, FiledRoute
from app.core.flightplan.item15 import Element, TokenError, read_item15
from app.core.flightplan.placing import SAME_PLACE_NM, Candidate, Slot, choose
from app.core.flightplan.procedures import procedure_fixes
from app.core.geodesy import WGS84
from app.core.navdata.index import NavdataIndex
from app.core.navdata.model import Fix, ProcedureKind
from app.core.routes.airports import Airport, find_airport
from app.core.units import METRES_PER_NM

# A SID or STAR designator: its basic indicator (a fix or navaid name), a validity digit and
# usually a route letter (DVR6J, KONA1A, CAMRN4); not an airway (UL9, UL607).
PROCEDURE_NAME = re.compile(r"^[A-Z]{3,6}\d[A-Z]?$")


class _Resolver:
    """One resolution: the route being built and the errors found."""

    def __init__(
        self,
        navdata: NavdataIndex | None,
        airports: Callable[[str], Airport | None],
        missing: str,
    ) -> None:
        self.navdata = navdata
        self.airports = airports
        self.missing = missing
        self.route = FiledRoute(cycle=navdata.cycle.ident if navdata else None)

    def fail(self, element: Element, reason: str) -> None:
        """Record a token that cannot be resolved."""
        self.route.errors.append(TokenError(element.index, element.token, reason))

    def where(self) -> str:
        """'navdata cycle 2612', or that none is loaded."""
        return f"navdata cycle {self.navdata.cycle.ident}" if self.navdata else self.missing

    def aerodrome(self, code: str, element: Element | None, field: str) -> FiledPoint | None:
        """An aerodrome as the route's first or last point."""
        airport = self.airports(code)
        if airport is None:
            if element is not None:
                self.fail(element, f"unknown aerodrome {code!r}")
            else:
                self.route.errors.append(TokenError(-1, code, "unknown aerodrome", field))
            return None
        return FiledPoint(
            airport.icao,
            airport.lat,
            airport.lon,
            "aerodrome",
            index=element.index if element else None,
            airport_elevation_ft=airport.elevation_ft,
        )

    def candidates(self, element: Element) -> list[Candidate]:
        """The places a point's token may mean (empty, with the error recorded, if none)."""
        point = element.point
        assert point is not None
        if point.coordinates is not None:
            c = point.coordinates
            source = "coordinates" if c.expanded is None else f"ARINC 424 shorthand {c.expanded}"
            return [Candidate(point.text, c.lat, c.lon, source)]
        name = point.name or point.text
        fixes = self.navdata.fixes(name) if self.navdata else []
        found = [Candidate(f.ident, f.lat, f.lon, "navdata", f.region, f) for f in fixes]
        if not found and len(name) == 4 and point.bearing_deg_magnetic is None:
            airport = self.airports(name)
            if airport is not None:
                found = [Candidate(airport.icao, airport.lat, airport.lon, "aerodrome")]
        if not found:
            hint = (
                "; a SID or STAR is understood only next to its aerodrome"
                if PROCEDURE_NAME.match(name)
                else ""
            )
            self.fail(element, f"unknown point {name!r} ({self.where()}){hint}")
        return found


def resolve_filed_route(
    text: str,
    departure: str | None,
    destination: str | None,
    navdata: NavdataIndex | None,
    airports: Callable[[str], Airport | None] = find_airport,
    missing: str = "no navdata",
) -> FiledRoute:
    """The points a filed route flies through; `route.errors` lists every token that failed
    (`missing`: why there is no navigation data, when there is none)."""
    resolver = _Resolver(navdata, airports, missing)
    item = read_item15(text)
    resolver.route.errors.extend(item.errors)
    elements = list(item.elements)
    first = _end_aerodrome(resolver, elements, 0, departure, "departure")
    last = _end_aerodrome(resolver, elements, -1, destination, "destination")
    initial = None
    if elements and elements[0].kind == "speed_level":
        initial = elements.pop(0)
    for element in elements:
        if element.kind == "speed_level":
            resolver.fail(
                element,
                "a speed/level group stands alone only at the start; at a "
                "point write it as POINT/N0480F370",
            )
    elements = [e for e in elements if e.kind != "speed_level"]
    while elements and elements[0].kind == "dct":
        elements.pop(0)
    while elements and elements[-1].kind == "dct":
        elements.pop()
    sid = _procedure(resolver, elements, 0, first, ProcedureKind.SID)
    star = _procedure(resolver, elements, -1, last, ProcedureKind.STAR)
    slots, truncated = _slots(resolver, elements)
    choose(slots, first, last, resolver.navdata, resolver.fail)
    points = [first] if first else []
    points += _procedure_points(resolver, sid, first, slots[0] if slots else None)
    points += _slot_points(resolver, slots)
    points += _procedure_points(resolver, star, last, slots[-1] if slots else None)
    if truncated is not None and slots:
        resolver.route.notes.append(
            f"route truncated (T) after {slots[-1].element.token}: flown direct from there"
        )
    if last:
        points.append(last)
    if resolver.route.errors:
        resolver.route.errors.sort(key=lambda e: e.index)
        return resolver.route
    resolver.route.points = _with_levels(_deduplicated(points), initial)
    return resolver.route


def route_names(
    text: str, departure: str | None, destination: str | None
) -> tuple[set[str], set[str]]:
    """The names a route needs looked up (fixes, airways, procedures, bearing-distance
    navaids) and its aerodromes."""
    item = read_item15(text)
    names = {
        e.point.name
        for e in item.elements
        if e.point is not None and e.point.name is not None and e.point.coordinates is None
    }
    airports = {e.token for e in item.elements if e.kind == "aerodrome"}
    airports |= {code.upper() for code in (departure, destination) if code}
    return names, airports


def _end_aerodrome(
    resolver: _Resolver, elements: list[Element], at: int, given: str | None, field: str
) -> FiledPoint | None:
    """The departure (at 0) or destination (at −1) aerodrome, from the request or the route
    string; the aerodrome token is taken off the elements."""
    routed = [i for i, e in enumerate(elements) if e.kind != "dct"]
    position = (routed[0] if at == 0 else routed[-1]) if routed else None
    token = elements[position] if position is not None else None
    in_route = token if token is not None and token.kind == "aerodrome" else None
    if in_route is not None and given is not None and in_route.token != given.upper():
        assert position is not None
        elements.pop(position)
        resolver.fail(in_route, f"the route gives {in_route.token}, but {field} is {given.upper()}")
        # Resolved on with the route's own aerodrome, so that its SID or STAR is not reported too.
        return resolver.aerodrome(in_route.token, in_route, field)
    if in_route is not None:
        assert position is not None
        elements.pop(position)
        return resolver.aerodrome(in_route.token, in_route, field)
    return resolver.aerodrome(given.upper(), None, field) if given else None


@dataclass(frozen=True)
class _ProcedureUse:
    """A SID or STAR named in the route and the element naming it."""

    element: Element
    kind: ProcedureKind


def _procedure(
    resolver: _Resolver,
    elements: list[Element],
    at: int,
    aerodrome: FiledPoint | None,
    kind: ProcedureKind,
) -> _ProcedureUse | None:
    """A SID (at 0) or STAR (at −1) named next to its aerodrome; taken off the elements."""
    if not elements or aerodrome is None or elements[at].kind != "name":
        return None
    element = elements[at]
    name = element.token
    navdata = resolver.navdata
    held = bool(navdata and navdata.procedures(aerodrome.name, name, kind))
    is_fix = bool(navdata and navdata.fixes(name))
    if not held and (is_fix or not PROCEDURE_NAME.match(name)):
        return None
    elements.pop(at if at == 0 else len(elements) - 1)
    return _ProcedureUse(element, kind)


def _slots(resolver: _Resolver, elements: list[Element]) -> tuple[list[Slot], Element | None]:
    """The route's points with the airways between them (errors for misplaced elements)."""
    slots: list[Slot] = []
    airway: Element | None = None
    truncated = None
    for position, element in enumerate(elements):
        following = elements[position + 1] if position + 1 < len(elements) else None
        if element.kind == "rules":
            resolver.route.notes.append(f"{element.token} from token {element.index} on")
        elif element.kind == "truncate":
            truncated = element
            if following is not None:
                resolver.fail(element, "T (truncation) ends the route: nothing may follow it")
        elif element.kind == "dct":
            if airway is not None:
                resolver.fail(airway, f"airway {airway.token} needs the fix where it is left")
                airway = None
        elif element.kind == "name" and _is_airway(resolver, element, slots, following):
            if airway is not None:
                resolver.fail(
                    element,
                    f"airway {element.token} follows airway {airway.token}: "
                    "name the fix where they meet",
                )
            elif not slots:
                resolver.fail(element, f"airway {element.token} needs the fix where it is joined")
            airway = element
        elif element.kind in ("name", "point"):
            slots.append(Slot(element, resolver.candidates(element), airway_in=airway))
            airway = None
            _note_change(resolver, element)
    if airway is not None:
        resolver.fail(airway, f"airway {airway.token} needs the fix where it is left")
    return slots, truncated


def _note_change(resolver: _Resolver, element: Element) -> None:
    """Say how a change the profile cannot fly exactly is checked."""
    change = element.change
    if change is None:
        return
    if element.cruise_climb:
        resolver.route.notes.append(
            f"cruise climb from {element.token}: checked at {change.level}, its lower level"
        )
    elif change.level_ft is None:
        resolver.route.notes.append(
            f"{element.token}: no level filed (VFR): the level before it is kept"
        )


def _is_airway(
    resolver: _Resolver, element: Element, slots: list[Slot], following: Element | None
) -> bool:
    """Whether a name between points is an airway (the data knows it as one, and as no fix, or
    it stands between two points)."""
    navdata = resolver.navdata
    if navdata is None or not navdata.has_airway(element.token) or element.change is not None:
        return False
    between = bool(slots) and following is not None and following.kind in ("name", "point")
    return between or not navdata.fixes(element.token)


def _slot_points(resolver: _Resolver, slots: list[Slot]) -> list[FiledPoint]:
    """The chosen points, with each airway's fixes between its entry and exit (points that
    could not be placed are left out: their errors are recorded)."""
    points: list[FiledPoint] = []
    previous: Slot | None = None
    for slot in slots:
        chosen = slot.chosen
        airway = slot.airway_in
        if airway is not None and previous is not None and previous.chosen and chosen:
            points += _airway_points(resolver, airway, previous, slot)
        if chosen is not None:
            points.append(_placed(resolver, slot, chosen))
        previous = slot
    return points


def _airway_points(
    resolver: _Resolver, airway: Element, entry: Slot, exit_: Slot
) -> list[FiledPoint]:
    """The fixes an airway flies through between its entry and exit (both excluded)."""
    assert resolver.navdata is not None
    assert entry.chosen is not None
    assert entry.chosen.fix is not None
    assert exit_.chosen is not None
    assert exit_.chosen.fix is not None
    legs = resolver.navdata.airway(airway.token)
    try:
        fixes = airway_fixes(airway.token, legs, entry.chosen.fix, exit_.chosen.fix)
    except AirwayError as error:
        resolver.fail(airway, str(error))
        return []
    source = f"airway {airway.token}"
    return [_fix_point(f, source, airway.index) for f in fixes[1:-1]]


def _placed(resolver: _Resolver, slot: Slot, chosen: Candidate) -> FiledPoint:
    """A chosen point as flown: at the fix, or at a bearing and distance from it."""
    element = slot.element
    point = element.point
    level_ft = element.change.level_ft if element.change else None
    speed = element.change.speed if element.change else None
    if point is not None and point.bearing_deg_magnetic is not None:
        fix = chosen.fix
        if fix is None or fix.variation_deg is None:
            resolver.fail(
                element,
                f"no magnetic variation for {chosen.name} in the "
                f"{resolver.where()}: give the point as coordinates",
            )
            return FiledPoint(element.token, chosen.lat, chosen.lon, "bearing/distance")
        true_deg = point.bearing_deg_magnetic + fix.variation_deg
        lon, lat, _ = WGS84.fwd(fix.lon, fix.lat, true_deg, (point.distance_nm or 0) * 1852.0)
        return FiledPoint(
            element.token,
            lat,
            lon,
            f"bearing/distance from {fix.ident} ({fix.region})",
            element.index,
            fix.region,
            level_ft,
            speed,
        )
    return FiledPoint(
        chosen.name,
        chosen.lat,
        chosen.lon,
        chosen.source,
        element.index,
        chosen.region,
        level_ft,
        speed,
    )


def _fix_point(fix: Fix, source: str, index: int) -> FiledPoint:
    """A fix an airway or procedure brings into the route."""
    return FiledPoint(fix.ident, fix.lat, fix.lon, source, index, fix.region)


def _procedure_points(
    resolver: _Resolver,
    use: _ProcedureUse | None,
    aerodrome: FiledPoint | None,
    neighbour: Slot | None,
) -> list[FiledPoint]:
    """A SID's or STAR's fixes, or a note that the route joins without it."""
    if use is None or aerodrome is None:
        return []
    name = use.element.token
    label = "SID" if use.kind is ProcedureKind.SID else "STAR"
    transitions = (
        resolver.navdata.procedures(aerodrome.name, name, use.kind) if resolver.navdata else []
    )
    neighbour_point = neighbour.element.point if neighbour else None
    joins = (neighbour_point.name or neighbour_point.text) if neighbour_point else aerodrome.name
    if not transitions:
        verb = "joins the route at" if use.kind is ProcedureKind.SID else "leaves the route at"
        resolver.route.notes.append(
            f"{label} {name} at {aerodrome.name} is not in the {resolver.where()}: the flight "
            f"{verb} {joins} directly"
        )
        return []
    chosen = procedure_fixes(transitions, use.kind, joins)
    if chosen.note:
        resolver.route.notes.append(chosen.note)
    return [_fix_point(f, f"{label} {name}", use.element.index) for f in chosen.fixes]


def _deduplicated(points: list[FiledPoint]) -> list[FiledPoint]:
    """The points without one repeated where a procedure or airway meets the filed point
    (the filed point, with its level change, is kept)."""
    kept: list[FiledPoint] = []
    for point in points:
        if kept and kept[-1].name == point.name and _same_place(kept[-1], point):
            if kept[-1].source.startswith(("SID ", "STAR ")):
                kept[-1] = point
            continue
        kept.append(point)
    return kept


def _same_place(a: FiledPoint, b: FiledPoint) -> bool:
    """Whether two points are one place."""
    _, _, metres = WGS84.inv(a.lon, a.lat, b.lon, b.lat)
    return bool(metres < SAME_PLACE_NM * METRES_PER_NM)


def _with_levels(points: list[FiledPoint], initial: Element | None) -> list[FiledPoint]:
    """Each point with the level and speed flown from it on (the initial group at the start,
    each change from its point)."""
    level_ft = initial.change.level_ft if initial and initial.change else None
    speed = initial.change.speed if initial and initial.change else None
    flown = []
    for point in points:
        if point.level_ft is not None or point.speed is not None:
            level_ft = point.level_ft if point.level_ft is not None else level_ft
            speed = point.speed if point.speed is not None else speed
        flown.append(replace(point, level_ft=level_ft, speed=speed))
    return flown
