"""Vertical and time profiles: altitude and time as piecewise-linear functions of distance.

Altitude: between waypoints that carry alt_ft it varies linearly with distance. Waypoints
without alt_ft are flown at the cruise level, except a departure or destination airport, which
is at its elevation: from it the aircraft climbs at CLIMB_FT_PER_NM and to it descends at
DESCENT_FT_PER_NM until the cruise level (or the next given altitude) is met.
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from app.core.routes.piecewise import Piecewise
from app.core.routes.waypoints import Waypoint
from app.core.units import METRES_PER_NM

# A typical jet climb (≈ 2,000 ft/min at 400 kt) and the standard 3° descent path (318 ft/NM).
CLIMB_FT_PER_NM = 300.0
DESCENT_FT_PER_NM = 318.0
DEFAULT_GROUND_SPEED_KT = 450.0
# The fastest ground speed a timed route may imply between waypoints (as for ground_speed_kt).
MAX_GROUND_SPEED_KT = 2_000.0


class ProfileError(ValueError):
    """A profile that cannot be built from what the request gives; names the field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


Line = Callable[[float], float]


def altitude_profile(
    waypoints: Sequence[Waypoint], distances_m: Sequence[float], cruise_ft: float | None
) -> Piecewise:
    """Altitude (ft) along the route, exact at every waypoint and top of climb or descent."""
    first, last = waypoints[0], waypoints[-1]
    climbs = first.alt_ft is None and first.is_airport
    descends = last.alt_ft is None and last.is_airport
    missing = [i for i, w in enumerate(waypoints) if w.alt_ft is None]
    if missing and cruise_ft is None:
        raise ProfileError("cruise_fl", f"cruise_fl is needed: waypoint {missing[0]} has no alt_ft")
    plan = [w.alt_ft if w.alt_ft is not None else float(cruise_ft or 0.0) for w in waypoints]
    total_m = distances_m[-1]
    lines: list[Line] = []
    if climbs:
        start_ft = float(first.airport_elevation_ft or 0.0)
        lines.append(lambda d: start_ft + CLIMB_FT_PER_NM * d / METRES_PER_NM)
    if descends:
        end_ft = float(last.airport_elevation_ft or 0.0)
        lines.append(lambda d: end_ft + DESCENT_FT_PER_NM * (total_m - d) / METRES_PER_NM)
    breakpoints: list[float] = []
    for i in range(len(waypoints) - 1):
        d0, d1 = distances_m[i], distances_m[i + 1]
        breakpoints.append(d0)
        if d1 <= d0:
            continue
        planned = _segment(d0, d1, plan[i], plan[i + 1])
        candidates = [planned, *lines]
        # The envelope min(planned, climb, descent) bends only where two of them cross.
        for a in range(len(candidates)):
            for b in range(a + 1, len(candidates)):
                crossing = _crossing(candidates[a], candidates[b], d0, d1)
                if crossing is not None:
                    breakpoints.append(crossing)
    breakpoints.append(total_m)
    xs = sorted(set(breakpoints))

    def envelope(d: float) -> float:
        i = max(0, min(_leg_index(distances_m, d), len(waypoints) - 2))
        planned = _segment(distances_m[i], distances_m[i + 1], plan[i], plan[i + 1])
        return min([planned(d), *(line(d) for line in lines)])

    return Piecewise(tuple(xs), tuple(envelope(x) for x in xs))


def _segment(d0: float, d1: float, y0: float, y1: float) -> Line:
    """The straight line through (d0, y0) and (d1, y1)."""
    if d1 <= d0:
        return lambda _d: y0
    return lambda d: y0 + (y1 - y0) * (d - d0) / (d1 - d0)


def _crossing(f: Line, g: Line, d0: float, d1: float) -> float | None:
    """Where two lines cross strictly inside (d0, d1), if they do."""
    h0, h1 = f(d0) - g(d0), f(d1) - g(d1)
    if h0 == h1 or h0 * h1 >= 0:
        return None
    return d0 + (d1 - d0) * h0 / (h0 - h1)


def _leg_index(distances_m: Sequence[float], d: float) -> int:
    """Index of the waypoint that starts the stretch containing d."""
    index = 0
    for i, start in enumerate(distances_m[:-1]):
        if start <= d:
            index = i
    return index


def time_profile(
    waypoints: Sequence[Waypoint],
    distances_m: Sequence[float],
    departure_time: datetime | None,
    ground_speed_kt: float | None,
) -> Piecewise | None:
    """Time flown (POSIX seconds, UTC) along the route, or None when the request gives none."""
    timed = [w.time is not None for w in waypoints]
    if any(timed):
        if departure_time is not None:
            raise ProfileError(
                "departure_time", "give either departure_time or a time on every waypoint"
            )
        if not all(timed):
            missing = timed.index(False)
            raise ProfileError(f"waypoints.{missing}.time", "every waypoint needs a time")
        seconds = [w.time.timestamp() for w in waypoints if w.time is not None]
        for i in range(1, len(seconds)):
            if seconds[i] < seconds[i - 1]:
                raise ProfileError(f"waypoints.{i}.time", "times must not go backwards")
            leg_nm = (distances_m[i] - distances_m[i - 1]) / METRES_PER_NM
            hours = (seconds[i] - seconds[i - 1]) / 3600.0
            if leg_nm > 0 and (hours <= 0 or leg_nm / hours > MAX_GROUND_SPEED_KT):
                implied = "no time at all" if hours <= 0 else f"{leg_nm / hours:,.0f} kt"
                raise ProfileError(
                    f"waypoints.{i}.time",
                    f"{leg_nm:,.1f} NM from the previous waypoint in {implied}; a route may "
                    f"imply at most {MAX_GROUND_SPEED_KT:,.0f} kt",
                )
        return _distinct(distances_m, seconds)
    if departure_time is None:
        return None
    speed_kt = ground_speed_kt if ground_speed_kt is not None else DEFAULT_GROUND_SPEED_KT
    start = departure_time.timestamp()
    total_m = distances_m[-1]
    end = start + total_m / METRES_PER_NM / speed_kt * 3600.0
    return Piecewise((0.0, total_m), (start, end))


def _distinct(xs: Sequence[float], ys: Sequence[float]) -> Piecewise:
    """A piecewise function from points whose xs may repeat: a waypoint given twice with two
    times is a hold there, a jump in time at one distance; both times are kept, so the leg
    before it is timed by the arrival and the leg after by the departure."""
    return Piecewise(tuple(xs), tuple(ys))
