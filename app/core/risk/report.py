"""The route check as the documented JSON contract (segments, incidents_nearby, summary)."""

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from app.core.geodesy.antimeridian import split_line
from app.core.risk.applicability import Operator, binding, binding_words
from app.core.risk.check import AppliedHazard, RouteCheck, Segment
from app.core.risk.explain import explain
from app.core.risk.exposure import NOMINAL_SPEED_KT, minutes_between, route_index
from app.core.risk.hazards import Hazard, HazardLayer, status_at
from app.core.risk.model import DEFAULT_MODEL, MODEL_NAME
from app.core.risk.sweep import round_score
from app.core.risk.warnings import lapse_warnings, status_time
from app.core.units import METRES_PER_NM

CATEGORIES = ("none", "low", "moderate", "high", "critical")
GEOMETRY_STEP_M = 10_000.0


def _iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, or None."""
    if moment is None:
        return None
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _nm(metres: float) -> float:
    """Metres as NM, to 0.01 NM (18.5 m)."""
    return round(metres / METRES_PER_NM, 3)


def _point(check: RouteCheck, distance_m: float, lon: float, lat: float) -> dict[str, Any]:
    """A position along the route with its planned altitude and time."""
    return {
        "lon": round(lon, 6),
        "lat": round(lat, 6),
        "alt_ft": round(check.plan.altitude_ft.at(distance_m)),
        "time": _iso(check.plan.time_at(distance_m)),
    }


def _lifecycle(hazard: Hazard, at: datetime | None) -> dict[str, Any]:
    """Who issued a zone or engagement area, when it was published, its window and status."""
    lifecycle = hazard.lifecycle
    status = status_at(hazard, at) if at is not None else None
    return {
        "status": status.value if status is not None else None,
        "published_at": _iso(hazard.published_at),
        "valid_from": _iso(lifecycle.valid_from) if lifecycle else None,
        "valid_to": _iso(lifecycle.valid_to) if lifecycle else None,
        "end_basis": lifecycle.end_basis.value if lifecycle else None,
        "issuer": hazard.issuer,
        "instrument": hazard.instrument,
        "reference": hazard.reference,
        "binding_for": list(hazard.binding_for),
        "threat": hazard.threat,
    }


def _hazard(
    applied: AppliedHazard,
    start_ft: float,
    end_ft: float,
    distances: dict[str, float],
    at: datetime | None,
    departure: datetime,
    operator: Operator | None = None,
) -> dict[str, Any]:
    """One hazard of a segment (flown from start_ft to end_ft, status taken at `at`), its
    contribution and reason."""
    hazard = applied.hazard
    distance_nm = distances.get(hazard.id)
    entry: dict[str, Any] = {
        "layer": hazard.layer.value,
        "id": hazard.id,
        "name": hazard.name,
        "position": "above_ceiling" if applied.above_ceiling else "inside",
        "lower_ft": hazard.lower_ft,
        "upper_ft": hazard.upper_ft,
        "raw_score": round(applied.raw_score, 1),
        "contribution": round(applied.contribution, 1),
        "counted": applied.counted,
        "certainty": hazard.certainty,
        "sources": list(hazard.sources),
    }
    if hazard.layer is HazardLayer.INCIDENT:
        entry.update(
            occurred_at=_iso(hazard.occurred_at),
            published_at=_iso(hazard.published_at),
            after_departure=bool(hazard.occurred_at and hazard.occurred_at > departure),
            threat=hazard.threat,
            ring_nm=hazard.ring_nm,
            distance_nm=distance_nm,
            **dict(hazard.details),
        )
        entry["explanation"] = explain(applied, start_ft, end_ft, distance_nm)
        return entry
    entry.update(_lifecycle(hazard, at))
    status = entry["status"]
    entry["binding"] = binding(hazard, operator)
    entry["explanation"] = explain(applied, start_ft, end_ft, distance_nm, status) + binding_words(
        hazard, operator
    )
    if hazard.layer is HazardLayer.CONFLICT_ZONE:
        entry.update(level=hazard.level)
    else:
        entry.update(
            system=hazard.system,
            system_name=hazard.system_name,
            site_basis=hazard.site_basis,
            operator=hazard.operator,
            radius_nm=hazard.ring_nm,
            range_band_nm=list(hazard.range_band_nm) if hazard.range_band_nm else None,
            range_factor=hazard.range_factor,
            range_fade_nm=list(hazard.range_fade_nm) if hazard.range_fade_nm else None,
        )
    return entry


def segment_lines(check: RouteCheck, segment: Segment) -> list[list[tuple[float, float]]]:
    """The segment's path as lon/lat lines (more than one where it crosses 180°)."""
    count = max(2, math.ceil((segment.end_m - segment.start_m) / GEOMETRY_STEP_M) + 1)
    lons, lats = check.plan.path.positions(np.linspace(segment.start_m, segment.end_m, count))
    rounded_lons = [round(float(x), 6) for x in lons]
    rounded_lats = [round(float(y), 6) for y in lats]
    return split_line(rounded_lons, rounded_lats)


def segment_feature(segment: dict[str, Any]) -> dict[str, Any]:
    """A reported segment (built with its geometry) as a GeoJSON feature."""
    properties = {k: v for k, v in segment.items() if k != "geometry"}
    return {
        "type": "Feature",
        "id": segment["index"],
        "geometry": segment["geometry"],
        "properties": properties,
    }


@dataclass(frozen=True)
class ReportParts:
    """The answer as `head` (every member but the segments) and the segments, built one at a
    time as they are read: at 100,000 zones the segments are tens of MB of objects, and built
    all at once they kept the garbage collector walking them for up to 0.6 s at a time."""

    head: dict[str, Any]
    segments: Iterator[dict[str, Any]] | None
    # Members that come before the segments (the request's own id).
    lead: dict[str, Any] = field(default_factory=dict)

    def whole(self) -> dict[str, Any]:
        """Everything as one object (segments first, as the contract lists them)."""
        if self.segments is None:
            return {**self.lead, **self.head}
        return {**self.lead, "segments": list(self.segments), **self.head}


def report(
    check: RouteCheck, data_version: int, geometry: bool = False, detail: str = "full"
) -> dict[str, Any]:
    """The whole result as plain JSON-ready data (with each segment's GeoJSON geometry if asked).

    With detail "summary" the segments are left out but for the worst one (`worst_segment`),
    for screening many flights at once.
    """
    return report_parts(check, data_version, geometry, detail).whole()


def report_parts(
    check: RouteCheck, data_version: int, geometry: bool = False, detail: str = "full"
) -> ReportParts:
    """The result as `report` gives it, with the segments left to be built as they are read."""
    plan = check.plan
    summary = _summary(check, data_version)
    wanted = [summary["worst_segment"]] if detail == "summary" else list(range(len(check.segments)))
    # Positions only where a reported segment starts or ends (bound i is segment i's start).
    bounds = sorted({i for index in wanted for i in (index, index + 1)})
    along = [
        check.segments[i].start_m if i < len(check.segments) else check.segments[-1].end_m
        for i in bounds
    ]
    lons, lats = plan.path.positions(np.array(along))
    points = {
        i: _point(check, d, float(x), float(y))
        for i, d, x, y in zip(bounds, along, lons, lats, strict=True)
    }
    distances = {
        n.incident.id: round(n.distance_m / METRES_PER_NM, 1) for n in check.incidents_nearby
    }
    entries = (_segment(check, index, points, distances, geometry) for index in wanted)
    departure = check.departure
    head: dict[str, Any] = {"worst_segment": next(entries)} if detail == "summary" else {}
    head.update(
        {
            "incidents_nearby": [
                _nearby(n.incident, n.distance_m, n.along_m, departure)
                for n in check.incidents_nearby
            ],
            "summary": summary,
            "route": {
                "length_nm": _nm(plan.path.length_m),
                "waypoints": [
                    {
                        "name": w.name,
                        **({"source": w.source} if w.source else {}),
                        "lon": w.lon,
                        "lat": w.lat,
                        "along_nm": _nm(d),
                        "alt_ft": round(plan.altitude_ft.at(d)),
                        "time": _iso(plan.time_at(d)),
                    }
                    for w, d in zip(plan.waypoints, plan.path.waypoint_distance_m, strict=True)
                ],
            },
        }
    )
    return ReportParts(head, None if detail == "summary" else entries)


def _segment(
    check: RouteCheck,
    index: int,
    points: dict[int, dict[str, Any]],
    distances: dict[str, float],
    geometry: bool,
) -> dict[str, Any]:
    """One segment: where it starts and ends, its score, and the hazards behind it."""
    segment = check.segments[index]
    start_ft = check.plan.altitude_ft.at(segment.start_m)
    end_ft = check.plan.altitude_ft.at(segment.end_m)
    at = status_time(check, segment.start_m, segment.end_m)
    entry = {
        "index": index,
        "start": points[index],
        "end": points[index + 1],
        "start_nm": _nm(segment.start_m),
        "end_nm": _nm(segment.end_m),
        "length_nm": _nm(segment.end_m - segment.start_m),
        "score": segment.score,
        "category": segment.category,
        "hazards": [
            _hazard(a, start_ft, end_ft, distances, at, check.departure, check.operator)
            for a in segment.hazards
        ],
    }
    if geometry:
        lines = segment_lines(check, segment)
        entry["geometry"] = (
            {"type": "LineString", "coordinates": lines[0]}
            if len(lines) == 1
            else {"type": "MultiLineString", "coordinates": lines}
        )
    return entry


def _nearby(
    incident: Hazard, distance_m: float, along_m: float, departure: datetime
) -> dict[str, Any]:
    """An incident near the route; one after departure is flagged (and never scores)."""
    return {
        "id": incident.id,
        "flight": incident.name,
        "occurred_at": _iso(incident.occurred_at),
        "published_at": _iso(incident.published_at),
        "after_departure": bool(incident.occurred_at and incident.occurred_at > departure),
        "distance_nm": round(distance_m / METRES_PER_NM, 2),
        "along_nm": _nm(along_m),
        "summary": incident.summary,
        "certainty": incident.certainty,
        "sources": list(incident.sources),
        **dict(incident.details),
    }


def _summary(check: RouteCheck, data_version: int) -> dict[str, Any]:
    """Overall score, the worst segment, and distance and time flown per category."""
    worst = max(range(len(check.segments)), key=lambda i: (check.segments[i].score, -i))
    score = check.segments[worst].score
    starts = np.array([s.start_m for s in check.segments])
    ends = np.array([s.end_m for s in check.segments])
    minutes = minutes_between(check.plan.time_s, starts, ends).tolist()
    exposed: dict[str, dict[str, float]] = {c: {"nm": 0.0, "minutes": 0.0} for c in CATEGORIES}
    for segment, segment_minutes in zip(check.segments, minutes, strict=True):
        exposed[segment.category]["nm"] += (segment.end_m - segment.start_m) / METRES_PER_NM
        exposed[segment.category]["minutes"] += segment_minutes
    return {
        "score": score,
        "category": DEFAULT_MODEL.category(score),
        "worst_segment": worst,
        "nm_by_category": {k: round(v["nm"], 2) for k, v in exposed.items()},
        # Planned minutes only: without times there are none (exposure counts them at 450 kt).
        "minutes_by_category": (
            {k: round(v["minutes"], 1) for k, v in exposed.items()}
            if check.plan.time_s is not None
            else None
        ),
        "incident_radius_nm": check.incident_radius_nm,
        "data_version": data_version,
        "evaluated_at": _iso(check.evaluated_at),
        "valid_at": _iso(check.valid_at),
        "as_of": _iso(check.as_of),
        "warnings": lapse_warnings(check),
        "exposure": {
            "basis": "planned times"
            if check.plan.time_s is not None
            else f"no times given: minutes at {NOMINAL_SPEED_KT:.0f} kt",
            "by_threat": [
                {
                    "threat": e.threat,
                    "nm": round(e.nm, 2),
                    "minutes": round(e.minutes, 1),
                    "max_raw_score": round(e.max_raw_score, 1),
                    "category": DEFAULT_MODEL.category(round_score(e.max_raw_score)),
                    "records": list(e.hazard_ids),
                }
                for e in check.exposures
            ],
            "by_category": {
                c: {"nm": round(v["nm"], 2), "minutes": round(v["minutes"], 1)}
                for c, v in exposed.items()
            },
        },
        "route_index": round(route_index([s.score for s in check.segments], minutes), 1),
        "operator": (
            {"state": check.operator.state, "designator": check.operator.designator}
            if check.operator is not None
            else None
        ),
        "issuers": sorted(check.issuers) if check.issuers is not None else None,
        "binding_prohibitions": list(check.binding_prohibitions),
        "model": MODEL_NAME,
    }
