"""Screening a batch of state vectors against hazards: flights split, each flight checked only
against the hazards whose box its track meets (an STR tree), every exposure one row; and which
aircraft come near any hazard at all, so that only their reports are gathered."""

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas
import shapely
from shapely.strtree import STRtree

from app.core.geodesy.circle import geodesic_circle
from app.core.risk.hazards import Hazard, HazardLayer
from app.core.tracks.exposures import (
    BRIDGE_LIMIT_S,
    JUMP_KT,
    Exposure,
    flight_exposures,
    flight_samples,
)
from app.core.tracks.flights import split_flights

# How far from the straight line between reports the geodesic may stray (0.05° ≈ 5 km, more
# than it does over the 1–3 km between ADS-B reports).
NEAR_DEG = 0.05
# A bridged segment is at most this long (JUMP_KT for BRIDGE_LIMIT_S): an aircraft with no
# report this close to a hazard's box, within its counting window, cannot have been inside.
REACH_NM = JUMP_KT * BRIDGE_LIMIT_S / 3600.0 + 1.0
EXPOSURE_COLUMNS = (
    *(name for name in Exposure.__dataclass_fields__ if name != "path"),
    "duration_s",
    "geometry",
)


def path_wkb(path: Sequence[tuple[float, float]]) -> bytes:
    """Where an exposure flew, as WKB: a line, or a point if it never moved."""
    distinct = [p for i, p in enumerate(path) if i == 0 or p != path[i - 1]]
    shape = shapely.LineString(distinct) if len(distinct) > 1 else shapely.Point(distinct[0])
    return shapely.to_wkb(shape)  # type: ignore[no-any-return]


def screening_hazards(
    hazards: Sequence[Hazard], incidents: Sequence[Hazard] = (), incident_radius_nm: float = 0.0
) -> list[Hazard]:
    """One hazard per record: an engagement area's fade rings (each a hazard of the same record
    for scoring) joined back into its whole reach, so a flight through it is one exposure; and
    each incident as the disc of incident_radius_nm around it (from when it happened, at the
    altitudes its weapon reaches, as the route check counts it; none with a radius of 0).
    Where a system's published ceilings differ, the highest bounds the band: the route check
    fades its score between them, but a flight between them was within reach."""
    by_record: dict[tuple[str, str], list[Hazard]] = {}
    for hazard in hazards:
        by_record.setdefault((hazard.layer.value, hazard.id), []).append(hazard)
    joined = []
    for parts in by_record.values():
        if len(parts) == 1:
            joined.append(parts[0])
        else:
            area = shapely.union_all([part.area for part in parts])
            joined.append(replace(parts[0], area=area, range_band_nm=None, range_factor=1.0))
    if incident_radius_nm > 0:
        for incident in incidents:
            if incident.layer is HazardLayer.INCIDENT and isinstance(incident.area, shapely.Point):
                ring = geodesic_circle(incident.area.x, incident.area.y, incident_radius_nm)
                joined.append(replace(incident, area=ring, ring_nm=incident_radius_nm))
    return [_highest_ceiling(h) for h in joined]


def _highest_ceiling(hazard: Hazard) -> Hazard:
    """The hazard up to the highest of its published ceilings."""
    if hazard.ceiling_spread_ft is None:
        return hazard
    return replace(hazard, upper_ft=hazard.ceiling_spread_ft, ceiling_spread_ft=None)


def _reach_box(hazard: Hazard) -> shapely.Polygon:
    """A hazard's box grown by REACH_NM (longitude by the cosine of its furthest latitude;
    the whole circle of longitude near a pole)."""
    west, south, east, north = hazard.area.bounds
    grow_lat = REACH_NM / 60.0
    south, north = max(south - grow_lat, -90.0), min(north + grow_lat, 90.0)
    cosine = np.cos(np.radians(max(abs(south), abs(north))))
    grow_lon = 360.0 if cosine < 0.05 else grow_lat / cosine
    return shapely.box(max(west - grow_lon, -180.0), south, min(east + grow_lon, 180.0), north)


class HazardIndex:
    """Hazards and a tree of their areas' boxes (built once, shipped once to each worker)."""

    def __init__(self, hazards: Sequence[Hazard]) -> None:
        self.hazards = list(hazards)
        self.tree = STRtree([shapely.box(*h.area.bounds) for h in self.hazards])
        self.reach = STRtree([_reach_box(h) for h in self.hazards])
        # When each can have a flight inside, widened by a bridged segment's length in time.
        self.start_s = (
            np.array(
                [
                    -np.inf if h.valid_from is None else h.valid_from.timestamp()
                    for h in self.hazards
                ]
            )
            - BRIDGE_LIMIT_S
        )
        self.end_s = (
            np.array(
                [np.inf if h.valid_to is None else h.valid_to.timestamp() for h in self.hazards]
            )
            + BRIDGE_LIMIT_S
        )

    def reaching(self, t_s: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Which reports are near enough a hazard, while it counts, to matter (REACH_NM)."""
        report, hazard = self.reach.query(shapely.points(lon, lat), predicate="intersects")
        timely = (t_s[report] >= self.start_s[hazard]) & (t_s[report] <= self.end_s[hazard])
        near = np.zeros(len(t_s), dtype=bool)
        near[report[timely]] = True
        return near

    def near(self, west: float, south: float, east: float, north: float) -> list[Hazard]:
        """The hazards whose box meets this box."""
        found = self.tree.query(shapely.box(west, south, east, north))
        return [self.hazards[int(i)] for i in sorted(found)]

    def along(self, lon: np.ndarray, lat: np.ndarray) -> list[Hazard]:
        """The hazards whose box meets the track (its reports joined, widened by NEAR_DEG so
        the geodesic between two reports, a little off the straight line, is covered)."""
        line = shapely.LineString(np.column_stack([lon, lat])) if len(lon) > 1 else shapely.Point(
            lon[0], lat[0]
        )  # fmt: skip
        found = self.tree.query(line.buffer(NEAR_DEG), predicate="intersects")
        return [self.hazards[int(i)] for i in sorted(found)]


def screen_frame(frame: pandas.DataFrame, index: HazardIndex) -> pandas.DataFrame:
    """Every exposure of the flights in a frame of state vectors, ordered by flight, entry and
    hazard (a flight must be whole in the frame: partition by aircraft)."""
    rows = []
    for flight in split_flights(frame):
        across = flight.lon.min() < -170 and flight.lon.max() > 170
        # Across 180° the joined reports would wrap the world: the latitude band instead.
        nearby = (
            index.near(-180.0, flight.lat.min(), 180.0, flight.lat.max())
            if across
            else index.along(flight.lon, flight.lat)
        )
        samples = flight_samples(flight) if nearby else None
        for hazard in nearby:
            for exposure in flight_exposures(flight, hazard, samples):
                row = {k: v for k, v in vars(exposure).items() if k != "path"}
                rows.append(
                    {**row, "duration_s": exposure.duration_s, "geometry": path_wkb(exposure.path)}
                )
    result = pandas.DataFrame(rows, columns=list(EXPOSURE_COLUMNS))
    return result.sort_values(["flight_id", "entry_t_s", "hazard_id"], ignore_index=True)


def aircraft_near(frame: pandas.DataFrame, index: HazardIndex) -> pandas.Series:
    """The aircraft (icao24) with a report near a hazard while it counts: only their reports
    need screening (every report of theirs, so their flights are split as in the whole)."""
    placed = frame.loc[frame["lat"].notna() & frame["lon"].notna()]
    near = index.reaching(
        placed["time"].to_numpy(dtype="float64"),
        placed["lon"].to_numpy(dtype="float64"),
        placed["lat"].to_numpy(dtype="float64"),
    )
    return pandas.Series(placed["icao24"].to_numpy()[near], dtype="object").drop_duplicates()


def of_aircraft(frame: pandas.DataFrame, aircraft: frozenset[str]) -> pandas.DataFrame:
    """The reports of these aircraft."""
    return frame.loc[frame["icao24"].isin(aircraft)]
