"""Placing a filed route's points: the places each token may mean, and the one taken — only
fixes on the airways the point joins, then the one nearest the route's neighbouring point; an
error where the route cannot tell."""

from collections.abc import Callable
from dataclasses import dataclass

from app.core.flightplan.airways import on_airway
from app.core.flightplan.filed_route import FiledPoint
from app.core.flightplan.item15 import Element
from app.core.geodesy import WGS84
from app.core.navdata.index import NavdataIndex
from app.core.navdata.model import Fix
from app.core.units import METRES_PER_NM

# Two candidates whose distances from the reference differ by less than this share are both
# plausible: the route does not say which it means.
AMBIGUITY_RATIO = 1.25
# Points of one name closer than this are one place (a VOR and an NDB on one site).
SAME_PLACE_NM = 2.0

# Records that a token cannot be resolved: (element, reason).
Fail = Callable[[Element, str], None]


@dataclass(frozen=True)
class Candidate:
    """A place a point's token may mean."""

    name: str
    lat: float
    lon: float
    source: str
    region: str | None = None
    fix: Fix | None = None


@dataclass
class Slot:
    """A point of the filed route: its element, what it may be, and what it is taken to be."""

    element: Element
    candidates: list[Candidate]
    chosen: Candidate | None = None
    # The airway (element) that leads into this point.
    airway_in: Element | None = None


def choose(
    slots: list[Slot],
    first: FiledPoint | None,
    last: FiledPoint | None,
    navdata: NavdataIndex | None,
    fail: Fail,
) -> None:
    """Each point's place: only fixes on the airways it joins, then the one nearest to the
    route's neighbouring point."""
    for i, slot in enumerate(slots):
        airways = [a for a in (slot.airway_in, _airway_out(slots, i)) if a is not None]
        for airway in airways:
            legs = navdata.airway(airway.token) if navdata else []
            on = [c for c in slot.candidates if c.fix is not None and on_airway(legs, c.fix)]
            if slot.candidates and not on:
                fail(airway, f"{slot.element.token} is not on airway {airway.token}")
            slot.candidates = on
        if len(slot.candidates) == 1:
            slot.chosen = slot.candidates[0]
    for i, slot in enumerate(slots):
        if slot.chosen is not None or not slot.candidates:
            continue
        reference = _reference(slots, i, first, last)
        slot.chosen = _nearest(slot, reference, fail)


def _airway_out(slots: list[Slot], i: int) -> Element | None:
    """The airway that leaves this point."""
    return slots[i + 1].airway_in if i + 1 < len(slots) else None


def _reference(
    slots: list[Slot], i: int, first: FiledPoint | None, last: FiledPoint | None
) -> tuple[float, float] | None:
    """The nearest point already placed before this one (else after it)."""
    for slot in reversed(slots[:i]):
        if slot.chosen is not None:
            return slot.chosen.lon, slot.chosen.lat
    if first is not None:
        return first.lon, first.lat
    for slot in slots[i + 1 :]:
        if slot.chosen is not None:
            return slot.chosen.lon, slot.chosen.lat
    return (last.lon, last.lat) if last is not None else None


def _nearest(slot: Slot, reference: tuple[float, float] | None, fail: Fail) -> Candidate | None:
    """The candidate nearest the reference; an error when the route cannot tell."""
    regions = ", ".join(sorted({c.region or "?" for c in slot.candidates}))
    if reference is None:
        fail(
            slot.element,
            f"ambiguous: {len(slot.candidates)} points named "
            f"{slot.element.token} (regions {regions})",
        )
        return None
    count = len(slot.candidates)
    _, _, metres = WGS84.inv(
        [reference[0]] * count,
        [reference[1]] * count,
        [c.lon for c in slot.candidates],
        [c.lat for c in slot.candidates],
    )
    ranked = sorted(zip(metres, range(count), strict=True))
    best_m, best = ranked[0]
    second_m, second = ranked[1]
    a, b = slot.candidates[best], slot.candidates[second]
    _, _, apart_m = WGS84.inv(a.lon, a.lat, b.lon, b.lat)
    if apart_m > SAME_PLACE_NM * METRES_PER_NM and second_m < best_m * AMBIGUITY_RATIO:
        fail(
            slot.element,
            f"ambiguous: {slot.element.token} in regions {regions} are about as near the route",
        )
        return None
    return a
