"""The route check: which hazards apply where along a planned flight, in 3D and in time, and
the segments and scores that follow."""

from collections.abc import Collection, Sequence
from copy import copy
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import reduce

import numpy as np
from shapely.geometry import Point

from app.core.arrays import BoolArray, FloatArray, NamedArrays
from app.core.geodesy import WGS84
from app.core.geodesy.antimeridian import to_multipolygon
from app.core.geodesy.circle import geodesic_circle
from app.core.risk.applicability import Operator, binding
from app.core.risk.applications import Applied, HazardArrays, apply
from app.core.risk.exposure import ThreatExposure, threat_exposures
from app.core.risk.hazard_set import HazardKey, HazardSet, key_of
from app.core.risk.hazards import Hazard, HazardLayer
from app.core.risk.lateral import LateralIndex
from app.core.risk.model import DEFAULT_MODEL, ScoringModel
from app.core.risk.sweep import log_remaining, sweep
from app.core.risk.threats import strongest, strongest_spans, threat_key, threat_numbers
from app.core.routes.path import Densified, RoutePath
from app.core.routes.piecewise import Piecewise
from app.core.routes.profile import altitude_profile, time_profile
from app.core.routes.span_sets import SpanSets
from app.core.routes.waypoints import Waypoint
from app.core.units import METRES_PER_NM


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
    """A hazard applying to a segment, how (inside its band or in the fade above it) and how much;
    whether it is the record its threat counts here, and the other records of that threat
    applying here."""

    hazard: Hazard
    above_ceiling: bool
    raw_score: float
    contribution: float
    counted: bool = True
    same_threat: tuple[Hazard, ...] = ()


@dataclass(frozen=True)
class Application:
    """A hazard applying, inside its band or just above it, with the score it gives alone."""

    hazard: Hazard
    above_ceiling: bool
    raw_score: float


# Not frozen: a route has thousands of segments, and a frozen dataclass is 5× slower to build.
@dataclass(slots=True)
class Segment:
    """A stretch of route over which the applicable hazards and the score do not change."""

    start_m: float
    end_m: float
    score: float
    category: str
    # A point inside the segment where its hazards are read off (all its points give the same).
    probe_m: float
    applied: Applied
    model: ScoringModel = DEFAULT_MODEL

    @property
    def applications(self) -> tuple[Application, ...]:
        """What applies here (resolved when asked for: the sweep keeps only a probe point)."""
        applied = self.applied
        return tuple(
            Application(applied.hazards[n], applied.above_ceiling[n], applied.raw_scores[n])
            for n in applied.numbers_at(self.probe_m)
        )

    @property
    def hazards(self) -> tuple[AppliedHazard, ...]:
        """The hazards with their contributions, largest first (computed when asked for)."""
        applications = self.applications
        raw_scores = [a.raw_score for a in applications]
        threats = [threat_key(a.hazard) for a in applications]
        _, contributions = self.model.combine(raw_scores, threats)
        counted = strongest(raw_scores, threats)
        by_threat: dict[str, list[Hazard]] = {}
        for a, threat in zip(applications, threats, strict=True):
            by_threat.setdefault(threat, []).append(a.hazard)
        applied = [
            AppliedHazard(
                a.hazard, a.above_ceiling, a.raw_score, c, n,
                tuple(h for h in by_threat[threat] if h.id != a.hazard.id),
            )
            for a, c, n, threat in zip(applications, contributions, counted, threats, strict=True)
        ]  # fmt: skip
        applied.sort(key=lambda a: (-a.contribution, a.hazard.layer.value, a.hazard.id))
        return tuple(applied)


@dataclass(frozen=True)
class NearbyIncident:
    """A verified incident within the requested distance of the route."""

    incident: Hazard
    distance_m: float
    along_m: float


# Incident rings for one radius: the rings, their index and arrays, and which may score.
IncidentRings = tuple[list[Hazard], LateralIndex, HazardArrays, BoolArray]


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
    # When the flight sets off (valid_at without times): incidents later than this never score.
    departure: datetime
    # The knowledge the check used: what was known then (None: everything on record now).
    as_of: datetime | None = None
    # How long the route is inside each threat that scores on it, strongest first.
    exposures: tuple[ThreatExposure, ...] = ()
    # Whose flight it is (who is bound by what), and the issuers whose advisories counted.
    operator: Operator | None = None
    issuers: frozenset[str] | None = None
    # Do-not-fly advisories binding on the operator whose band the route enters (ids).
    binding_prohibitions: tuple[str, ...] = ()


class RouteChecker:
    """Checks routes against a fixed set of hazards (rebuilt when the data change)."""

    def __init__(
        self,
        hazards: Sequence[Hazard],
        incidents: Sequence[Hazard] = (),
        model: ScoringModel = DEFAULT_MODEL,
        edges: NamedArrays | None = None,
    ) -> None:
        """`edges`: the hazards' edge arrays (`lateral.edge_arrays_of`), when indexed before."""
        self.hazard_set = HazardSet.of(hazards, model, edges)
        self.incidents = [i for i in incidents if isinstance(i.area, Point)]
        self.model = model
        self._rings: dict[float, IncidentRings] = {}

    @property
    def hazards(self) -> list[Hazard]:
        """The areas checked against (zones and engagement areas)."""
        return self.hazard_set.hazards()

    def with_changes(
        self,
        removed: Collection[HazardKey],
        hazards: Sequence[Hazard],
        incidents: Sequence[Hazard] = (),
    ) -> "RouteChecker":
        """A checker with the hazards of these keys replaced (or gone): the base's index is
        shared, only the changed hazards are indexed. This checker is unchanged."""
        gone = set(removed)
        changed = copy(self)
        changed.hazard_set = self.hazard_set.with_changes(gone, hazards, self.model)
        kept = [i for i in self.incidents if key_of(i) not in gone]
        changed.incidents = kept + [i for i in incidents if isinstance(i.area, Point)]
        changed._rings = {}
        return changed

    def _incident_rings(self, radius_nm: float) -> IncidentRings:
        """Around each incident: the near disc, and the ring out to the requested radius, and
        which rings may score (hit points only).

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
            index = LateralIndex([r.area for r in rings])
            # Only where an aircraft was hit scores: a crash or landing site is context.
            hit = np.array([_was_hit(r) for r in rings], dtype=bool)
            cached = (rings, index, HazardArrays.of(rings, self.model), hit)
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
        operator: Operator | None = None,
        issuers: Collection[str] | None = None,
    ) -> RouteCheck:
        """Find every hazard's stretches along the plan and cut the route into segments.

        Hazards count while valid at the time each point is flown; a plan without times is
        checked as of `as_of` (default: now). With `issuers`, only those authorities'
        advisories count (air-defence sites and incidents always do); `operator` is kept for
        the report to say who is bound.
        """
        evaluated_at = datetime.now(UTC)
        now = as_of or evaluated_at
        radius_nm = incident_radius_nm or self.model.default_incident_radius_nm
        densified = plan.path.densify()
        reference_time = plan.time_at(0.0) or now

        def applied_on(hazards: list[Hazard], arrays: HazardArrays, lateral: SpanSets) -> Applied:
            return apply(
                hazards, arrays, lateral, plan.altitude_ft, plan.time_s, now, reference_time,
                self.model,
            )  # fmt: skip

        found = reduce(_joined, self.hazard_set.applied(densified, applied_on))
        reached: set[str] = set()
        if self.incidents:
            rings, ring_index, ring_arrays, hit = self._incident_rings(radius_nm)
            ring_spans = ring_index.spans(densified)
            # Only incidents whose outer ring the route enters can be within the radius.
            reached = {rings[i].id for i in np.unique(ring_spans.owner).tolist()}
            hit_spans = ring_spans.select(hit[ring_spans.owner])
            found = _joined(found, applied_on(rings, ring_arrays, hit_spans))
        followed = None if issuers is None else frozenset(i.upper() for i in issuers)
        if followed is not None:
            found = found.only(
                [
                    h.layer is not HazardLayer.CONFLICT_ZONE or (h.issuer or "").upper() in followed
                    for h in found.hazards
                ]
            )
        # Records of one threat count once: the strongest where several apply.
        threats, keys = threat_numbers(found.hazards)
        scoring, raw = strongest_spans(
            found.spans, np.array(found.raw_scores, dtype=float), threats
        )
        segments = self._segments(plan, found, scoring, raw)
        prohibitions = sorted(
            {
                h.id
                for h, above in zip(found.hazards, found.above_ceiling, strict=True)
                if h.layer is HazardLayer.CONFLICT_ZONE and h.level == 1 and not above
                and binding(h, operator)
            }
        )  # fmt: skip
        exposures = threat_exposures(found.hazards, threats, keys, scoring, raw, plan.time_s)
        nearby = self._nearby(plan, densified, radius_nm, reached)
        valid_at = now if plan.time_s is None else None
        return RouteCheck(
            plan, tuple(segments), tuple(nearby), evaluated_at, radius_nm, valid_at,
            reference_time, as_of, tuple(exposures), operator, followed, tuple(prohibitions),
        )  # fmt: skip

    def _segments(
        self, plan: FlightPlan, applied: Applied, scoring: SpanSets, raw: FloatArray
    ) -> list[Segment]:
        """Cut the route wherever the set of applicable hazards changes; score each piece
        (`scoring`: where each threat's strongest record applies, and its raw score)."""
        swept = sweep(plan.path.length_m, applied.spans, scoring, log_remaining(raw))
        categories: dict[float, str] = {}
        segments = []
        for start, end, probe, score in zip(
            swept.start_m, swept.end_m, swept.probe_m, swept.score, strict=True
        ):
            category = categories.get(score)
            if category is None:
                category = categories[score] = self.model.category(score)
            segments.append(Segment(start, end, score, category, probe, applied, self.model))
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


def _was_hit(incident: Hazard) -> bool:
    """Whether an incident may mark where an aircraft was hit: not a crash or landing site (an
    incident of unknown kind counts)."""
    return dict(incident.details).get("kind") not in ("crash", "landing")


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
    sample it there (33 samples, one vectorised Geod call), twice more around the best sample
    (19.5 m, then 1.2 m apart for 5 km pieces), then measure at the vertex of the parabola
    through the best sample and its neighbours (tested against 1 m sampling: within 0.5 m,
    also where the route passes over the point and the distance is a V, not a parabola).
    """
    count = len(densified.lon)
    low = float(densified.distance_m[max(nearest - 1, 0)])
    high = float(densified.distance_m[min(nearest + 1, count - 1)])
    samples = 33
    for _ in range(3):
        along = np.linspace(low, high, samples)
        lon, lat = path.positions(along)
        _, _, distances = WGS84.inv(np.full(samples, point.x), np.full(samples, point.y), lon, lat)
        best = int(np.argmin(distances))
        step = float(along[1] - along[0])
        low = max(float(along[best]) - step, 0.0)
        high = min(float(along[best]) + step, path.length_m)
    best_m, best_distance = float(along[best]), float(distances[best])
    if 0 < best < samples - 1:
        before, here, after = (float(d) for d in distances[best - 1 : best + 2])
        curvature = before - 2.0 * here + after
        if curvature > 0.0:
            vertex_m = best_m + 0.5 * step * (before - after) / curvature
            lon0, lat0 = path.position(vertex_m)
            refined = float(WGS84.inv(point.x, point.y, lon0, lat0)[2])
            if refined <= best_distance:
                return refined, vertex_m
    return best_distance, best_m


def _joined(first: Applied, second: Applied) -> Applied:
    """Two sets of applications as one (the second's numbers follow the first's)."""
    offset = len(first.hazards)
    spans = SpanSets(
        np.concatenate([first.spans.owner, second.spans.owner + offset]),
        np.concatenate([first.spans.low, second.spans.low]),
        np.concatenate([first.spans.high, second.spans.high]),
    )
    return Applied(
        first.hazards + second.hazards,
        first.above_ceiling + second.above_ceiling,
        first.raw_scores + second.raw_scores,
        spans,
    )
