"""The fixes an airway takes a flight through, from the fix it joins at to the fix it leaves at,
flown only the ways its legs may be flown."""

from collections import deque

from app.core.navdata.model import AirwayLeg, Direction, Fix

FixKey = tuple[str, str, str]


class AirwayError(ValueError):
    """The airway cannot take the flight from the entry to the exit; says why."""


def _key(fix: Fix) -> FixKey:
    """A fix's identity on an airway (identifier, region, kind)."""
    return fix.ident, fix.region, fix.kind.value


def on_airway(legs: list[AirwayLeg], fix: Fix) -> bool:
    """Whether the fix is one of the airway's."""
    key = _key(fix)
    return any(_key(leg.start) == key or _key(leg.end) == key for leg in legs)


def airway_fixes(name: str, legs: list[AirwayLeg], entry: Fix, exit_: Fix) -> list[Fix]:
    """The fixes from entry to exit along the airway, both included; AirwayError saying why
    there is no such way (a fix not on it, one-way legs, or no way between them)."""
    for fix in (entry, exit_):
        if not on_airway(legs, fix):
            raise AirwayError(f"{fix.ident} is not on airway {name}")
    if _key(entry) == _key(exit_):
        raise AirwayError(f"airway {name} is joined and left at the same fix {entry.ident}")
    path = _path(legs, entry, exit_, respect_direction=True)
    if path is not None:
        return path
    if _path(legs, entry, exit_, respect_direction=False) is not None:
        raise AirwayError(
            f"airway {name} may not be flown from {entry.ident} to {exit_.ident}: a leg between "
            "them is one-way the other way"
        )
    raise AirwayError(f"airway {name} does not join {entry.ident} and {exit_.ident}")


def _path(
    legs: list[AirwayLeg], entry: Fix, exit_: Fix, respect_direction: bool
) -> list[Fix] | None:
    """The shortest chain of legs from entry to exit (in legs), or None."""
    moves: dict[FixKey, list[Fix]] = {}
    for leg in legs:
        both = not respect_direction or leg.direction is Direction.BOTH
        if both or leg.direction is Direction.FORWARD:
            moves.setdefault(_key(leg.start), []).append(leg.end)
        if both or leg.direction is Direction.BACKWARD:
            moves.setdefault(_key(leg.end), []).append(leg.start)
    came_from: dict[FixKey, Fix | None] = {_key(entry): None}
    queue = deque([entry])
    while queue:
        fix = queue.popleft()
        if _key(fix) == _key(exit_):
            chain = [fix]
            previous = came_from[_key(fix)]
            while previous is not None:
                chain.append(previous)
                previous = came_from[_key(previous)]
            return chain[::-1]
        for following in moves.get(_key(fix), []):
            if _key(following) not in came_from:
                came_from[_key(following)] = fix
                queue.append(following)
    return None
