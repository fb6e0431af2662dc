"""The route check: which hazards apply where along a planned flight, in 3D and in time, and
the segments and scores that follow."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import pairwise

import numpy as np
from shapely.geometry import Point

from app.core.geodesy import WGS84
from app.core.geodesy.antimeridian import to_multipolygon
from app.core.geodesy.circle import geodesic_circle
from app.core.risk.hazards import Hazard, HazardLayer
from app.core.risk.lateral import LateralIndex
from app.core.risk.model import DEFAULT_MODEL, ScoringModel
from app.core.routes.path import Densified, RoutePath
from app.core.routes.piecewise import Interval, Piecewise, intersect
from app.core.routes.profile import altitude_profile, time_profile
from app.core.routes.waypoints import Waypoint
from app.core.units import METRES_PER_NM

BREAKPOINT_TOLERANCE_M = 1.0
# A raw score of 100 would make log(1 − r/100) infinite; the exact product is kept for reports.
MAX_RAW = 99.999


@dataclass(frozen=True)
class FlightPlan:
    """A route with its altitude and time along it."""

    waypoints: tuple[Waypoint, ...]
    path: RoutePath
    altitude_ft: Piecewise
    time_s: Piecewise | None

    def time_at(self, distance_m: float) -> datetime | None:
        """When the point at this distance is flown (None without times)."""
        if self.time_s is None:
            return None
        return datetime.fromtimestamp(self.time_s.at(distance_m), tz=UTC)


def plan_flight(
    waypoints: Sequence[Waypoint],
    cruise_ft: float | None,
    departure_time: datetime | None,
    ground_speed_kt: float | None,
) -> FlightPlan:
    """Lay the geodesic path through the waypoints and its vertical and time profiles."""
    path = RoutePath([w.lon for w in waypoints], [w.lat for w in waypoints])
    altitude = altitude_profile(waypoints, path.waypoint_distance_m, cruise_ft)
    times = time_profile(waypoints, path.waypoint_distance_m, departure_time, ground_speed_kt)
    return FlightPlan(tuple(waypoints), path, altitude, times)


@dataclass(frozen=True)
class AppliedHazard:
    """A hazard applying to a segment, how (inside its band or just above it) and how much."""

    hazard: Hazard
    above_ceiling: bool
    raw_score: float
    contribution: float


@dataclass(frozen=True)
class Application:
    """A hazard applying over some stretches, inside its band or just above, with its score."""

    hazard: Hazard
    above_ceiling: bool
    spans: list[Interval]
    raw_score: float


@dataclass(frozen=True)
class Segment:
    """A stretch of route over which the applicable hazards and the score do not change."""

    start_m: float
    end_m: float
    score: float
    category: str
    members: frozenset[int]
    pool: Sequence[Application]
    model: ScoringModel = DEFAULT_MODEL

    @property
    def applications(self) -> tuple[Application, ...]:
        """What applies here (resolved when asked for: the sweep keeps only indices)."""
        return tuple(self.pool[n] for n in sorted(self.members))

    @property
    def hazards(self) -> tuple[AppliedHazard, ...]:
        """The hazards with their contributions, largest first (computed when asked for)."""
        raw = [a.raw_score for a in self.applications]
        _, contributions = self.model.combine(raw)
        applied = [
            AppliedHazard(a.hazard, a.above_ceiling, a.raw_score, c)
            for a, c in zip(self.applications, contributions, strict=True)
        ]
        applied.sort(key=lambda a: (-a.contribution, a.hazard.layer.value, a.hazard.id))
        return tuple(applied)


@dataclass(frozen=True)
class NearbyIncident:
    """A verified incident within the requested distance of the route."""

    incident: Hazard
    distance_m: float
    along_m: float


@dataclass(frozen=True)
class RouteCheck:
    """The answer: segments covering the whole route, and incidents near it."""

    plan: FlightPlan
    segments: tuple[Segment, ...]
    incidents_nearby: tuple[NearbyIncident, ...]
    evaluated_at: datetime
    incident_radius_nm: float
    # Without times in the plan, hazards are taken as valid at this instant.
    valid_at: datetime | None


class RouteChecker:
    """Checks routes against a fixed set of hazards (rebuilt when the data change)."""

    def __init__(
        self,
        hazards: Sequence[Hazard],
        incidents: Sequence[Hazard] = (),
        model: ScoringModel = DEFAULT_MODEL,
    ) -> None:
        self.hazards = list(hazards)
        self.index = LateralIndex([h.area for h in self.hazards])
        self.incidents = [i for i in incidents if isinstance(i.area, Point)]
        self.model = model
        self._rings: dict[float, tuple[list[Hazard], LateralIndex]] = {}

    def _incident_rings(self, radius_nm: float) -> tuple[list[Hazard], LateralIndex]:
        """Around each incident: the near disc, and the ring out to the requested radius.

        The two do not overlap, so a point of route is in at most one of them (cached).
        """
        cached = self._rings.get(radius_nm)
        if cached is None:
            rings: list[Hazard] = []
            near_nm = min(self.model.incident_near_nm, radius_nm)
            for incident in self.incidents:
                assert isinstance(incident.area, Point)
                near = geodesic_circle(incident.area.x, incident.area.y, near_nm)
                rings.append(replace(incident, area=near, ring_nm=near_nm))
                if radius_nm > near_nm:
                    outer = geodesic_circle(incident.area.x, incident.area.y, radius_nm)
                    ring = to_multipolygon(outer.difference(near))
                    rings.append(replace(incident, area=ring, ring_nm=radius_nm))
            cached = (rings, LateralIndex([r.area for r in rings]))
            # Another thread may have built the same entry meanwhile: either one is right.
            if len(self._rings) > 8:
                self._rings = {}
            self._rings[radius_nm] = cached
        return cached

    def check(
        self,
        plan: FlightPlan,
        as_of: datetime | None = None,
        incident_radius_nm: float | None = None,
    ) -> RouteCheck:
        """Find every hazard's stretches along the plan and cut the route into segments.

        Hazards count while valid at the time each point is flown; a plan without times is
        checked as of `as_of` (default: now).
        """
        evaluated_at = datetime.now(UTC)
        now = as_of or evaluated_at
        radius_nm = incident_radius_nm or self.model.default_incident_radius_nm
        densified = plan.path.densify()
        reference_time = plan.time_at(0.0) or now
        candidates: list[tuple[Hazard, list[Interval]]] = [
            (self.hazards[i], spans) for i, spans in self.index.intervals(densified).items()
        ]
        ring_hits: list[tuple[Hazard, list[Interval]]] = []
        if self.incidents:
            rings, ring_index = self._incident_rings(radius_nm)
            ring_hits = [(rings[i], spans) for i, spans in ring_index.intervals(densified).items()]
        candidates += ring_hits
        applications: list[Application] = []
        # Many hazards share a band or a validity window: work each out once per route.
        bands: dict[tuple[object, ...], list[tuple[bool, list[Interval]]]] = {}
        windows: dict[tuple[object, ...], list[Interval]] = {}
        for hazard, lateral in candidates:
            window = (hazard.layer, hazard.valid_from, hazard.valid_to, hazard.occurred_at)
            if window not in windows:
                windows[window] = self._when_valid(plan, hazard, now, reference_time)
            timely = windows[window]
            if not timely:
                continue
            age = reference_time - hazard.occurred_at if hazard.occurred_at else None
            band_key = (hazard.layer, hazard.lower_ft, hazard.upper_ft)
            if band_key not in bands:
                bands[band_key] = self._bands(plan, hazard)
            for above, band in bands[band_key]:
                spans = intersect(intersect(lateral, band), timely)
                if spans:
                    raw = self.model.raw_score(hazard, above, age)
                    applications.append(Application(hazard, above, spans, raw))
        segments = self._segments(plan, applications)
        # Only incidents whose outer ring the route enters can be within the radius.
        reached = {ring.id for ring, _ in ring_hits}
        nearby = self._nearby(plan, densified, radius_nm, reached)
        valid_at = now if plan.time_s is None else None
        return RouteCheck(plan, tuple(segments), tuple(nearby), evaluated_at, radius_nm, valid_at)

    def _bands(self, plan: FlightPlan, hazard: Hazard) -> list[tuple[bool, list[Interval]]]:
        """Stretches inside the hazard's altitude band, and (zones) just above its ceiling."""
        lower = hazard.lower_ft if hazard.lower_ft is not None else -math.inf
        upper = hazard.upper_ft if hazard.upper_ft is not None else math.inf
        bands = [(False, plan.altitude_ft.within(lower, upper, high_open=True))]
        if hazard.layer is HazardLayer.CONFLICT_ZONE and hazard.upper_ft is not None:
            top = hazard.upper_ft + self.model.zone_above_margin_ft
            bands.append((True, plan.altitude_ft.within(hazard.upper_ft, top)))
        return bands

    def _when_valid(
        self, plan: FlightPlan, hazard: Hazard, now: datetime, reference_time: datetime
    ) -> list[Interval]:
        """Stretches flown while the hazard is valid (the whole route at `now` without times).

        An incident counts only if it was known when the flight set off (reference_time): a
        replay of a flight must not be scored with what happened during it.
        """
        if hazard.layer is HazardLayer.INCIDENT:
            known = hazard.occurred_at is None or hazard.occurred_at <= reference_time
            return [(0.0, plan.path.length_m)] if known else []
        start = hazard.valid_from.timestamp() if hazard.valid_from else -math.inf
        end = hazard.valid_to.timestamp() if hazard.valid_to else math.inf
        if plan.time_s is None:
            return [(0.0, plan.path.length_m)] if start <= now.timestamp() < end else []
        return plan.time_s.within(start, end, high_open=True)

    def _segments(self, plan: FlightPlan, applications: list[Application]) -> list[Segment]:
        """Cut the route wherever the set of applicable hazards changes; score each piece.

        A sweep over span starts and ends: a span applies to a piece of route when it covers
        the piece's middle. The score is kept as a running sum of log(1 − r/100), so a change
        costs O(1) whatever the number of hazards.
        """
        total = plan.path.length_m
        cuts = sorted({0.0, total, *(x for a in applications for s in a.spans for x in s)})
        points = [cuts[0]]
        for cut in cuts[1:]:
            if cut - points[-1] >= BREAKPOINT_TOLERANCE_M:
                points.append(cut)
        points[-1] = total
        events = sorted(
            (position, step, number)
            for number, application in enumerate(applications)
            for a, b in application.spans
            for position, step in ((a, 1), (b, -1))
        )
        logs = [math.log1p(-min(a.raw_score, MAX_RAW) / 100.0) for a in applications]
        # The set of applying hazards is followed by an XOR of fixed per-hazard keys: equal keys
        # mean an equal set (a hazard that ends and starts again at one cut changes nothing).
        keys = [_mix64(number) for number in range(len(applications))]
        counts = [0] * len(applications)
        active: set[int] = set()
        signature = 0
        log_remaining = 0.0
        cursor = 0
        bounds: list[list[float]] = []  # [start, end, score] of each segment
        members: list[frozenset[int]] = []
        previous_signature = None
        for start, end in pairwise(points):
            middle = (start + end) / 2.0
            while cursor < len(events) and events[cursor][0] <= middle:
                _, step, number = events[cursor]
                cursor += 1
                counts[number] += step
                if step > 0 and counts[number] == 1:
                    active.add(number)
                elif step < 0 and counts[number] == 0:
                    active.discard(number)
                else:
                    continue
                signature ^= keys[number]
                log_remaining += step * logs[number]
            if bounds and signature == previous_signature:
                bounds[-1][1] = end
                continue
            previous_signature = signature
            score = 0.0 if not active else round(100.0 * -math.expm1(log_remaining), 1)
            bounds.append([start, end, score])
            members.append(frozenset(active))
        categories: dict[float, str] = {}
        segments = []
        for (a, b, score), member in zip(bounds, members, strict=True):
            if score not in categories:
                categories[score] = self.model.category(score)
            segments.append(
                Segment(a, b, score, categories[score], member, applications, self.model)
            )
        return segments

    def _nearby(
        self, plan: FlightPlan, densified: Densified, radius_nm: float, reached: set[str]
    ) -> list[NearbyIncident]:
        """Incidents within radius_nm of the route, nearest first."""
        found = []
        limit_m = radius_nm * METRES_PER_NM
        # Nearest vertex first (cheap, vectorised); the closest point on the route is at most
        # half a piece nearer than that, so only those within reach are refined.
        slack_m = float(np.max(np.diff(densified.distance_m), initial=0.0))
        for incident in self.incidents:
            if incident.id not in reached:
                continue
            assert isinstance(incident.area, Point)
            nearest, vertex_m = _nearest_vertex(densified, incident.area)
            if vertex_m - slack_m > limit_m:
                continue
            distance_m, along_m = _closest_approach(plan.path, densified, incident.area, nearest)
            if distance_m <= limit_m:
                found.append(NearbyIncident(incident, distance_m, along_m))
        return sorted(found, key=lambda n: (n.distance_m, n.incident.id))


def _mix64(value: int) -> int:
    """SplitMix64: well-spread 64-bit keys from small integers (deterministic)."""
    mask = (1 << 64) - 1
    z = (value * 0x9E3779B97F4A7C15 + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def _nearest_vertex(densified: Densified, point: Point) -> tuple[int, float]:
    """Index of the densified point nearest to a point, and its geodesic distance."""
    count = len(densified.lon)
    _, _, distances = WGS84.inv(
        np.full(count, point.x), np.full(count, point.y), densified.lon, densified.lat
    )
    nearest = int(np.argmin(distances))
    return nearest, float(distances[nearest])


def _closest_approach(
    path: RoutePath, densified: Densified, point: Point, nearest: int
) -> tuple[float, float]:
    """Geodesic distance from a point to the route and where along the route it is closest.

    The distance is unimodal over the two short pieces either side of the nearest vertex:
    sample it there (one vectorised Geod call), then again around the best sample, to < 1 m.
    """
    count = len(densified.lon)
    low = float(densified.distance_m[max(nearest - 1, 0)])
    high = float(densified.distance_m[min(nearest + 1, count - 1)])
    best = (low + high) / 2.0
    for _ in range(4):
        along = np.linspace(low, high, 65)
        lon, lat = path.positions(along)
        _, _, distances = WGS84.inv(np.full(65, point.x), np.full(65, point.y), lon, lat)
        best = float(along[int(np.argmin(distances))])
        step = (high - low) / 64.0
        low, high = max(best - step, 0.0), min(best + step, path.length_m)
        if step < 0.5:
            break
    lon0, lat0 = path.position(best)
    return float(WGS84.inv(point.x, point.y, lon0, lat0)[2]), best
