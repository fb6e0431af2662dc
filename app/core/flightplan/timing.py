"""A resolved filed route as waypoints to check: the altitude at each point from the levels
filed (a change climbs or descends from its point at the standard rates), and the time at each
from the departure time, the speeds filed and the elapsed times of item 18 (EET/)."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.flightplan.filed_route import FiledPoint, FiledRoute
from app.core.flightplan.speed_level import speed_kt
from app.core.geodesy import WGS84
from app.core.routes.icao_coordinates import CoordinateError, read_coordinates
from app.core.routes.profile import (
    CLIMB_FT_PER_NM,
    DEFAULT_GROUND_SPEED_KT,
    DESCENT_FT_PER_NM,
    MAX_GROUND_SPEED_KT,
    ProfileError,
)
from app.core.routes.waypoints import Waypoint
from app.core.units import METRES_PER_NM

# Long enough for a point in coordinates with seconds (462000N0780500W).
_EET = re.compile(r"^(?P<where>[A-Z0-9]{2,15})(?P<hours>\d{2})(?P<minutes>[0-5]\d)$")


@dataclass(frozen=True)
class Eet:
    """An estimated elapsed time from take-off to a point or FIR boundary (item 18 EET/)."""

    where: str
    elapsed: timedelta
    position: int  # its place in the request's list


def parse_eets(text: str) -> list[Eet]:
    """Item 18's EET/ text ('EET/UKBV0035 KONAN0120' or without 'EET/'); ProfileError naming
    the entry that is not designator + HHMM."""
    words = text.upper().removeprefix("EET/").split()
    eets = []
    for position, word in enumerate(words):
        match = _EET.match(word)
        if match is None:
            raise ProfileError(
                f"eets.{position}", f"{word!r} is not a point or FIR with HHMM (KONAN0120)"
            )
        elapsed = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"]))
        eets.append(Eet(match["where"], elapsed, position))
    return eets


def filed_waypoints(
    route: FiledRoute,
    cruise_ft: float | None,
    departure_time: datetime | None,
    ground_speed_kt: float | None,
    eets: Sequence[Eet] = (),
) -> list[Waypoint]:
    """The route's waypoints with altitudes (and times when it departs at a known time);
    notes on what was not used go to `route.notes`."""
    points = _level_changes(route.points)
    filed_ft = next((p.level_ft for p in points if p.level_ft is not None), None)
    if filed_ft is not None and cruise_ft is not None and abs(filed_ft - cruise_ft) > 1.0:
        raise ProfileError(
            "cruise_fl",
            f"the route files its level ({filed_ft:,.0f} ft) and cruise_fl differs "
            f"({cruise_ft:,.0f} ft): give one",
        )
    altitudes = _altitudes(points, cruise_ft)
    times = (
        _times(route, points, altitudes, departure_time, ground_speed_kt, eets)
        if departure_time is not None
        else [None] * len(points)
    )
    return [
        Waypoint(
            p.lon,
            p.lat,
            alt,
            time,
            p.name,
            p.airport_elevation_ft,
            source=_source(p, route.cycle),
        )
        for p, alt, time in zip(points, altitudes, times, strict=True)
    ]


def _source(point: FiledPoint, cycle: str | None) -> str:
    """Where a point came from, with the navdata cycle where it came from navdata."""
    from_navdata = point.source == "navdata" or point.source.startswith(
        ("airway ", "SID ", "STAR ", "bearing/distance")
    )
    return f"{point.source} (cycle {cycle})" if from_navdata and cycle else point.source


def _level_changes(points: list[FiledPoint]) -> list[FiledPoint]:
    """The points with one added after each change of level, where the new level is reached
    (at the standard climb or descent rate; at the next point if that comes first)."""
    out: list[FiledPoint] = []
    for i, point in enumerate(points):
        out.append(point)
        before = points[i - 1].level_ft if i > 0 else None
        after = point.level_ft
        if i == 0 or i + 1 >= len(points) or before is None or after is None or before == after:
            continue
        rate = CLIMB_FT_PER_NM if after > before else DESCENT_FT_PER_NM
        change_m = abs(after - before) / rate * METRES_PER_NM
        following = points[i + 1]
        azimuth, _, leg_m = WGS84.inv(point.lon, point.lat, following.lon, following.lat)
        if change_m >= leg_m:
            continue
        lon, lat, _ = WGS84.fwd(point.lon, point.lat, azimuth, change_m)
        out.append(
            FiledPoint(
                f"{point.name}+{after / 100:03.0f}",
                lat,
                lon,
                "level change",
                point.index,
                level_ft=after,
                speed=point.speed,
                derived=True,
            )
        )
    return out


def _altitudes(points: list[FiledPoint], cruise_ft: float | None) -> list[float | None]:
    """Each point's altitude: the level flown into it (the aerodromes at the ends: None, so
    that the climb and descent apply; a level-change point: its new level)."""
    altitudes: list[float | None] = []
    for i, point in enumerate(points):
        if point.airport_elevation_ft is not None and i in (0, len(points) - 1):
            altitudes.append(None)
            continue
        flown_in = point.level_ft if (point.derived or i == 0) else points[i - 1].level_ft
        altitudes.append(flown_in if flown_in is not None else cruise_ft)
    return altitudes


def _times(
    route: FiledRoute,
    points: list[FiledPoint],
    altitudes: list[float | None],
    departure_time: datetime,
    ground_speed_kt: float | None,
    eets: Sequence[Eet],
) -> list[datetime | None]:
    """The time at each point: legs flown at the speed filed for them (the request's ground
    speed, or 450 kt, where none is filed), then moved so that each point with an EET is
    flown at take-off + its EET, the legs between stretched or shrunk alike."""
    elapsed_s = [0.0]
    along_m = [0.0]
    for i in range(len(points) - 1):
        a, b = points[i], points[i + 1]
        _, _, leg_m = WGS84.inv(a.lon, a.lat, b.lon, b.lat)
        along_m.append(along_m[-1] + leg_m)
        level_ft = altitudes[i + 1] if altitudes[i + 1] is not None else a.level_ft
        if a.speed is not None:
            knots = speed_kt(a.speed, level_ft)
        else:
            knots = ground_speed_kt or DEFAULT_GROUND_SPEED_KT
        elapsed_s.append(elapsed_s[-1] + leg_m / METRES_PER_NM / knots * 3600.0)
    pins = _pins(route, points, eets)
    _check_speeds(pins, along_m)
    anchors = [(0, 0.0)] + [(i, e.elapsed.total_seconds()) for i, e in pins]
    timed = []
    for i, raw in enumerate(elapsed_s):
        before = max((a for a in anchors if a[0] <= i), key=lambda a: a[0])
        after = [a for a in anchors if a[0] > i]
        if after and after[0][0] != before[0]:
            span_raw = elapsed_s[after[0][0]] - elapsed_s[before[0]]
            share = (raw - elapsed_s[before[0]]) / span_raw if span_raw > 0 else 0.0
            seconds = before[1] + share * (after[0][1] - before[1])
        else:
            seconds = before[1] + raw - elapsed_s[before[0]]
        timed.append(departure_time + timedelta(seconds=seconds))
    return list(timed)


def _check_speeds(pins: list[tuple[int, Eet]], along_m: list[float]) -> None:
    """Refuse EETs that would have the flight cover a stretch faster than a route may imply."""
    previous_m, previous_s = 0.0, 0.0
    for index, eet in pins:
        seconds = eet.elapsed.total_seconds()
        hours = (seconds - previous_s) / 3600.0
        distance_nm = (along_m[index] - previous_m) / METRES_PER_NM
        if distance_nm / hours > MAX_GROUND_SPEED_KT:
            raise ProfileError(
                f"eets.{eet.position}",
                f"{eet.where} at {eet.elapsed} after take-off means {distance_nm / hours:,.0f} kt "
                f"over {distance_nm:,.1f} NM; a route may imply at most "
                f"{MAX_GROUND_SPEED_KT:,.0f} kt",
            )
        previous_m, previous_s = along_m[index], seconds


def _same_point(point: FiledPoint, where: str) -> bool:
    """Whether an EET's designator names this point (coordinates compared as positions)."""
    if point.derived:
        return False
    if point.name == where:
        return True
    try:
        read = read_coordinates(where)
    except CoordinateError:
        return False
    return (
        read is not None and abs(read.lat - point.lat) < 1e-6 and abs(read.lon - point.lon) < 1e-6
    )


def _pins(
    route: FiledRoute, points: list[FiledPoint], eets: Sequence[Eet]
) -> list[tuple[int, Eet]]:
    """The points with an EET, in route order; FIR EETs are noted as not used."""
    pins: list[tuple[int, Eet]] = []
    start = 1
    for eet in eets:
        if eet.elapsed <= timedelta(0):
            raise ProfileError(f"eets.{eet.position}", "an elapsed time is after take-off (0001+)")
        found = next(
            (i for i in range(start, len(points)) if _same_point(points[i], eet.where)), None
        )
        if found is None:
            if len(eet.where) == 4 and eet.where.isalpha():
                route.notes.append(
                    f"EET/{eet.where}: FIR boundaries are not held, so this estimate is not used"
                )
                continue
            raise ProfileError(
                f"eets.{eet.position}",
                f"{eet.where} is not a point of the route after the last one with an EET",
            )
        if pins and eet.elapsed <= pins[-1][1].elapsed:
            raise ProfileError(
                f"eets.{eet.position}", "elapsed times must increase along the route"
            )
        pins.append((found, eet))
        start = found + 1
    return pins
