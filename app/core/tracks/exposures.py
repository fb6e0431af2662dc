"""Where a flown flight was inside a hazard in 4D: inside its area, inside its altitude band and
inside its counting window, all at once. Between two reports the aircraft is taken to fly the
geodesic at a steady climb, when the reports are close enough in time; a longer silence is not
bridged: the exposure ends at the last report before it and is flagged. Nor is a stretch where
the positions cannot be trusted (suspected GNSS interference): a jump no aircraft could fly, or
a report whose NIC or NACp is degraded. Each entry and exit is found by bisection on the
segment to a second."""

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import shapely
from pyproj import Geod

from app.core.risk.hazards import Hazard, status_at
from app.core.tracks.flights import Flight
from app.core.units import METRES_PER_NM

GEOD = Geod(ellps="WGS84")
# Reports further apart than this are a gap: not bridged, flagged (ADS-B gives one every 5–10 s).
BRIDGE_LIMIT_S = 60.0
# Faster than this between two reports is a jump, not flight (airliners' ground speeds stay
# under about 700 kt even in the strongest jet stream).
JUMP_KT = 1000.0
# Checks inside each bridged segment, so that a corner cut between two reports is not missed.
SUBSTEPS = 4
BISECTION_S = 1.0


@dataclass(frozen=True)
class Exposure:
    """A stretch of a flight inside a hazard."""

    flight_id: str
    icao24: str
    callsign: str
    hazard_id: str
    layer: str
    # Who advised it (zones, engagement areas), as on record.
    issuer: str | None
    entry_t_s: float
    exit_t_s: float
    entry_lon: float
    entry_lat: float
    exit_lon: float
    exit_lat: float
    min_alt_ft: float
    max_alt_ft: float
    # The hazard's status at entry (zones, engagement areas), and whether it had been published.
    status: str | None
    published: bool
    # The stretch begins or ends at a gap in the reports: its true entry or exit is unknown.
    gap_flag: bool
    # That gap, or a report inside, is suspected GNSS interference (a jump, a degraded NIC or
    # NACp): where the aircraft really was is uncertain.
    gnss_flag: bool
    # Where it flew inside: entry, the reports between, exit (lon, lat).
    path: tuple[tuple[float, float], ...] = ()

    @property
    def duration_s(self) -> float:
        """How long the flight was inside."""
        return self.exit_t_s - self.entry_t_s


def _moment(t_s: float) -> datetime:
    """Seconds since 1970 as a UTC time."""
    return datetime.fromtimestamp(t_s, UTC)


class _Inside:
    """Whether a 4D point is inside one hazard (its area, band and counting window)."""

    def __init__(self, hazard: Hazard) -> None:
        self.hazard = hazard
        shapely.prepare(hazard.area)  # tested at every report and sub-step
        self.bounds = hazard.area.bounds
        self.lower = -np.inf if hazard.lower_ft is None else hazard.lower_ft
        self.upper = np.inf if hazard.upper_ft is None else hazard.upper_ft
        self.start = -np.inf if hazard.valid_from is None else hazard.valid_from.timestamp()
        self.end = np.inf if hazard.valid_to is None else hazard.valid_to.timestamp()

    def points(
        self, t_s: np.ndarray, lon: np.ndarray, lat: np.ndarray, alt_ft: np.ndarray
    ) -> np.ndarray:
        """Inside, point by point (an unknown altitude counts as inside the band: unknown
        never becomes safe)."""
        # Inside or on the edge, in one test, of the points inside the area's box (the others,
        # most, are ruled out by four comparisons).
        west, south, east, north = self.bounds
        boxed = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        lateral = np.zeros(lon.shape, dtype=bool)
        lateral[boxed] = shapely.intersects_xy(self.hazard.area, lon[boxed], lat[boxed])
        vertical = np.isnan(alt_ft) | ((alt_ft >= self.lower) & (alt_ft <= self.upper))
        timely = (t_s >= self.start) & (t_s < self.end)
        return lateral & vertical & timely  # type: ignore[no-any-return]


def _along(flight: Flight, i: int, fraction: np.ndarray) -> tuple[np.ndarray, ...]:
    """Points a fraction of the way from report i to i + 1: on the geodesic, altitude and time
    linear."""
    azimuth, _, distance = GEOD.inv(
        flight.lon[i], flight.lat[i], flight.lon[i + 1], flight.lat[i + 1]
    )
    lon, lat, _ = GEOD.fwd(
        np.full(fraction.shape, flight.lon[i]), np.full(fraction.shape, flight.lat[i]),
        np.full(fraction.shape, azimuth), distance * fraction,
    )  # fmt: skip
    t_s = flight.t_s[i] + (flight.t_s[i + 1] - flight.t_s[i]) * fraction
    alt = flight.alt_ft[i] + (flight.alt_ft[i + 1] - flight.alt_ft[i]) * fraction
    return t_s, np.asarray(lon), np.asarray(lat), alt


def _substeps(
    flight: Flight, fractions: np.ndarray, azimuth: np.ndarray, distance_m: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Times, positions and altitudes at the fractions of every segment (rows: segments); the
    ends are the reports themselves, only the points between are computed on the geodesic."""
    starts_lon, starts_lat = flight.lon[:-1], flight.lat[:-1]
    between = fractions[1:-1]
    inner = (len(starts_lon), len(between))
    lon, lat, _ = GEOD.fwd(
        np.broadcast_to(starts_lon[:, None], inner).ravel(),
        np.broadcast_to(starts_lat[:, None], inner).ravel(),
        np.broadcast_to(azimuth[:, None], inner).ravel(),
        (distance_m[:, None] * between[None, :]).ravel(),
    )
    lon = np.column_stack([starts_lon, np.asarray(lon).reshape(inner), flight.lon[1:]])
    lat = np.column_stack([starts_lat, np.asarray(lat).reshape(inner), flight.lat[1:]])
    span_t = (flight.t_s[1:] - flight.t_s[:-1])[:, None]
    t_s = flight.t_s[:-1, None] + span_t * fractions[None, :]
    alt = flight.alt_ft[:-1, None] + (flight.alt_ft[1:] - flight.alt_ft[:-1])[:, None] * fractions
    return t_s, lon, lat, alt


def _crossing(flight: Flight, i: int, low: float, high: float, inside: _Inside, was: bool) -> float:
    """The fraction of segment i where the state changes from `was`, by bisection to a second."""
    span_s = flight.t_s[i + 1] - flight.t_s[i]
    while (high - low) * span_s > BISECTION_S:
        middle = (low + high) / 2
        point = _along(flight, i, np.array([middle]))
        if bool(inside.points(*point)[0]) == was:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@dataclass(frozen=True)
class Samples:
    """A flight's points along each segment (rows: segments; FRACTIONS of the way), and which
    segments are bridged: the same for every hazard, so computed once per flight."""

    t_s: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    alt_ft: np.ndarray
    bridged: np.ndarray
    suspect: np.ndarray


# Where each segment is sampled: its ends and SUBSTEPS points between.
FRACTIONS = np.linspace(0.0, 1.0, SUBSTEPS + 2)


def flight_samples(flight: Flight) -> Samples:
    """The flight's samples (one pyproj call for every segment's length and one for all the
    points between reports)."""
    azimuth, _, distance = GEOD.inv(
        flight.lon[:-1], flight.lat[:-1], flight.lon[1:], flight.lat[1:]
    )
    azimuth, distance_m = np.asarray(azimuth), np.asarray(distance)
    t_s, lon, lat, alt_ft = _substeps(flight, FRACTIONS, azimuth, distance_m)
    span_s = flight.t_s[1:] - flight.t_s[:-1]
    speed_kt = distance_m / METRES_PER_NM / np.maximum(span_s, 1e-9) * 3600.0
    # Not bridged for suspected GNSS interference: a jump, or a degraded report at either end.
    suspect = (speed_kt > JUMP_KT) | flight.degraded[:-1] | flight.degraded[1:]
    bridged = (span_s <= BRIDGE_LIMIT_S) & ~suspect
    return Samples(t_s, lon, lat, alt_ft, bridged, suspect)


def flight_exposures(
    flight: Flight, hazard: Hazard, samples: Samples | None = None
) -> list[Exposure]:
    """Every stretch of the flight inside the hazard, in time order (samples: the flight's,
    when already computed for another hazard)."""
    inside = _Inside(hazard)
    west, south, east, north = hazard.area.bounds
    apart = (
        flight.lon.max() < west
        or flight.lon.min() > east
        or flight.lat.max() < south
        or flight.lat.min() > north
    )
    # A flight across 180° has both signs of longitude: its box says nothing; it is checked.
    across = flight.lon.min() < -170 and flight.lon.max() > 170
    if apart and not across:
        return []
    states = inside.points(flight.t_s, flight.lon, flight.lat, flight.alt_ft)
    samples = samples or flight_samples(flight)
    fractions = FRACTIONS
    sub_t, sub_lon, sub_lat, sub_alt = samples.t_s, samples.lon, samples.lat, samples.alt_ft
    # Every segment's sub-steps against the hazard at once (one shapely call for the flight).
    subs = inside.points(sub_t.ravel(), sub_lon.ravel(), sub_lat.ravel(), sub_alt.ravel())
    subs = subs.reshape(sub_t.shape)
    subs[:, 0], subs[:, -1] = states[:-1], states[1:]
    if not states.any() and not subs.any():
        return []
    bridged, suspect = samples.bridged, samples.suspect
    stretches: list[Exposure] = []
    entry: tuple[float, float, float, bool, bool] | None = None  # t, lon, lat, after a gap, GNSS
    altitudes: list[float] = []
    points: list[tuple[float, float]] = []

    def close(t_s: float, lon: float, lat: float, gap: bool, gnss: bool = False) -> None:
        nonlocal entry
        assert entry is not None
        known = [a for a in altitudes if not np.isnan(a)]
        entered = _moment(entry[0])
        status = status_at(hazard, entered)
        stretches.append(
            Exposure(
                flight_id=flight.flight_id, icao24=flight.icao24, callsign=flight.callsign,
                hazard_id=hazard.id, layer=hazard.layer.value, issuer=hazard.issuer,
                entry_t_s=entry[0], exit_t_s=t_s,
                entry_lon=entry[1], entry_lat=entry[2], exit_lon=lon, exit_lat=lat,
                min_alt_ft=min(known) if known else float("nan"),
                max_alt_ft=max(known) if known else float("nan"),
                status=status.value if status is not None else None,
                published=hazard.published_at is None or hazard.published_at <= entered,
                gap_flag=entry[3] or gap, gnss_flag=entry[4] or gnss, path=(*points, (lon, lat)),
            )
        )  # fmt: skip
        entry = None
        altitudes.clear()
        points.clear()

    if states[0]:
        # Inside from the first report.
        entry = (flight.t_s[0], flight.lon[0], flight.lat[0], True, bool(flight.degraded[0]))
        altitudes.append(flight.alt_ft[0])
        points.append((flight.lon[0], flight.lat[0]))
    # Only segments with a sample inside, or not bridged, can open or close a stretch.
    for i in np.flatnonzero(subs.any(axis=1) | ~bridged).tolist():
        if not bridged[i]:
            if entry is not None:
                close(flight.t_s[i], flight.lon[i], flight.lat[i], True, bool(suspect[i]))
            if states[i + 1]:
                after = (flight.t_s[i + 1], flight.lon[i + 1], flight.lat[i + 1])
                entry = (*after, True, bool(suspect[i]))
                altitudes.append(flight.alt_ft[i + 1])
                points.append((flight.lon[i + 1], flight.lat[i + 1]))
            continue
        sub, lon, lat, alt = subs[i], sub_lon[i], sub_lat[i], sub_alt[i]
        if not sub.any():
            continue  # outside throughout: nothing to do
        for k in range(len(fractions) - 1):
            if sub[k] != sub[k + 1]:
                at = _crossing(
                    flight, i, float(fractions[k]), float(fractions[k + 1]), inside, bool(sub[k])
                )
                ct, clon, clat, calt = (float(v[0]) for v in _along(flight, i, np.array([at])))
                if sub[k + 1]:
                    entry = (ct, clon, clat, False, False)
                    altitudes.append(calt)
                    points.append((clon, clat))
                else:
                    altitudes.append(calt)
                    close(ct, clon, clat, False)
            elif sub[k + 1]:
                altitudes.append(float(alt[k + 1]))
                if k + 1 == len(fractions) - 1:
                    points.append((float(lon[k + 1]), float(lat[k + 1])))  # a report inside
    if entry is not None:
        close(flight.t_s[-1], flight.lon[-1], flight.lat[-1], True)  # still inside at the end
    return stretches
