"""Flown tracks against hazards in 4D (app/core/tracks). The truth is computed independently in
the test: the true path is walked every 0.1 s along its geodesic (pyproj's Geod.fwd from the
start, at a constant ground speed) and tested point by point with shapely; the screening sees
only reports every 7 s. Entries and exits must agree within 30 s and 300 m."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas
import pytest
from pyproj import Geod
from shapely.geometry import Point, box

from app.core.risk.hazards import Hazard, HazardLayer
from app.core.tracks.exposures import flight_exposures
from app.core.tracks.flights import COLUMNS, Flight, split_flights
from app.core.tracks.screen import screening_hazards
from app.core.tracks.selection import Selection, SelectionError, bbox_from_text
from app.core.units import METRES_PER_NM

GEOD = Geod(ellps="WGS84")
START = datetime(2024, 12, 25, 3, 0, tzinfo=UTC)
SPEED_M_S = 230.0
# Baku towards Grozny-ish: a geodesic from 40.4N 49.9E heading 315°, 90 minutes.
ORIGIN = (49.9, 40.4)
AZIMUTH = 315.0
DURATION_S = 5400.0
AREA = box(47.0, 41.6, 48.0, 42.6)


def _true_path(
    step_s: float, climb: tuple[float, float, float] | None = None
) -> tuple[np.ndarray, ...]:
    """Times, lon, lat and altitude along the true path every step_s (climb: from ft, to ft,
    over seconds; else FL350 throughout)."""
    t = np.arange(0.0, DURATION_S, step_s)
    lon, lat, _ = GEOD.fwd(
        np.full(t.shape, ORIGIN[0]), np.full(t.shape, ORIGIN[1]), np.full(t.shape, AZIMUTH),
        SPEED_M_S * t,
    )  # fmt: skip
    if climb is None:
        alt = np.full(t.shape, 35_000.0)
    else:
        low, high, over_s = climb
        alt = low + (high - low) * np.clip(t / over_s, 0.0, 1.0)
    return t + START.timestamp(), np.asarray(lon), np.asarray(lat), alt


def _flight(reports: tuple[np.ndarray, ...], keep: np.ndarray | None = None) -> Flight:
    t, lon, lat, alt = reports
    if keep is not None:
        t, lon, lat, alt = t[keep], lon[keep], lat[keep], alt[keep]
    return Flight("a1-TEST1-0", "a1", "TEST1", t, lon, lat, alt, np.zeros(t.shape, dtype=bool))


def _hazard(**changes: object) -> Hazard:
    values: dict[str, object] = {
        "layer": HazardLayer.CONFLICT_ZONE, "id": "box", "name": "box", "area": AREA,
        "published_at": START - timedelta(days=1),
    }  # fmt: skip
    return Hazard(**(values | changes))  # type: ignore[arg-type]


def _truth(inside: np.ndarray, path: tuple[np.ndarray, ...]) -> list[tuple[int, int]]:
    """The runs of inside samples (first and last index of each)."""
    edges = [int(e) for e in np.flatnonzero(np.diff(inside.astype(int)))]
    starts = [0] if inside[0] else []
    starts += [e + 1 for e in edges if not inside[e]]
    ends = [e for e in edges if inside[e]] + ([len(inside) - 1] if inside[-1] else [])
    return list(zip(starts, ends, strict=True))


def _laterally(path: tuple[np.ndarray, ...]) -> np.ndarray:
    return np.array([AREA.intersects(Point(x, y)) for x, y in zip(path[1], path[2], strict=True)])


def _close(
    got_t: float, got_lon: float, got_lat: float, path: tuple[np.ndarray, ...], i: int
) -> None:
    """Within 30 s and 300 m of the true sample i."""
    assert abs(got_t - path[0][i]) <= 30.0
    _, _, metres = GEOD.inv(got_lon, got_lat, path[1][i], path[2][i])
    assert metres <= 300.0


def test_entry_and_exit_agree_with_the_true_path() -> None:
    truth_path = _true_path(0.1)
    ((first, last),) = _truth(_laterally(truth_path), truth_path)
    reports = _true_path(7.0)
    (exposure,) = flight_exposures(_flight(reports), _hazard())
    _close(exposure.entry_t_s, exposure.entry_lon, exposure.entry_lat, truth_path, first)
    _close(exposure.exit_t_s, exposure.exit_lon, exposure.exit_lat, truth_path, last)
    assert exposure.gap_flag is False
    assert exposure.published is True
    assert (exposure.min_alt_ft, exposure.max_alt_ft) == (35_000.0, 35_000.0)


def test_a_gap_is_flagged_not_bridged() -> None:
    truth_path = _true_path(0.1)
    ((first, last),) = _truth(_laterally(truth_path), truth_path)
    reports = _true_path(7.0)
    # Five minutes without reports in the middle of the crossing.
    middle = (truth_path[0][first] + truth_path[0][last]) / 2
    keep = np.abs(reports[0] - middle) > 150.0
    before, after = flight_exposures(_flight(reports, keep), _hazard())
    _close(before.entry_t_s, before.entry_lon, before.entry_lat, truth_path, first)
    assert before.gap_flag is True  # its exit is the last report before the silence
    assert before.exit_t_s < middle - 150.0
    assert after.gap_flag is True
    assert after.entry_t_s > middle + 150.0
    _close(after.exit_t_s, after.exit_lon, after.exit_lat, truth_path, last)


def test_the_altitude_band_is_honoured_on_a_climb() -> None:
    # Climbing from 10,000 to 40,000 ft over the first hour: below FL320 only part of the way
    # across the area. Truth: inside laterally and below 32,000 ft, sample by sample.
    climb = (10_000.0, 40_000.0, 3600.0)
    truth_path = _true_path(0.1, climb)
    inside = _laterally(truth_path) & (truth_path[3] <= 32_000.0)
    runs = _truth(inside, truth_path)
    assert runs, "the climb must pass FL320 inside the area for this test to mean anything"
    exposures = flight_exposures(_flight(_true_path(7.0, climb)), _hazard(upper_ft=32_000.0))
    assert len(exposures) == len(runs)
    for exposure, (first, last) in zip(exposures, runs, strict=True):
        _close(exposure.entry_t_s, exposure.entry_lon, exposure.entry_lat, truth_path, first)
        _close(exposure.exit_t_s, exposure.exit_lon, exposure.exit_lat, truth_path, last)
        assert exposure.max_alt_ft <= 32_000.0 + 1.0


def test_validity_and_publication_are_honoured() -> None:
    truth_path = _true_path(0.1)
    ((first, last),) = _truth(_laterally(truth_path), truth_path)
    ends = datetime.fromtimestamp((truth_path[0][first] + truth_path[0][last]) / 2, UTC)
    published = datetime.fromtimestamp(truth_path[0][first] + 60.0, UTC)
    hazard = _hazard(valid_to=ends, published_at=published)
    (exposure,) = flight_exposures(_flight(_true_path(7.0)), hazard)
    assert abs(exposure.exit_t_s - ends.timestamp()) <= 30.0
    assert exposure.published is False  # it entered before the advisory was published


def test_a_flight_elsewhere_meets_nothing() -> None:
    far = _hazard(area=box(10.0, 10.0, 11.0, 11.0))
    assert flight_exposures(_flight(_true_path(7.0)), far) == []


def test_state_vectors_become_flights() -> None:
    # Two aircraft; the first silent for two hours (two flights); ground reports dropped;
    # OpenSky's metres become feet (10,668 m = 35,000 ft).
    rows: list[tuple[object, ...]] = []
    for t in range(0, 600, 10):
        rows.append((t, "a1", "ABC123  ", 45.0, 30.0 + t / 1000, 10_668.0, 10_700.0, False))
        rows.append((t, "b2", None, 46.0, 31.0, None, 3048.0, False))
    for t in range(7800, 8400, 10):
        rows.append((t, "a1", "ABC123", 45.5, 31.0, 10_668.0, None, False))
    rows.append((8400, "a1", "ABC123", 45.5, 31.0, 0.0, 0.0, True))
    frame = pandas.DataFrame(
        rows,
        columns=list(COLUMNS),
    )
    flights = split_flights(frame)
    assert [(f.icao24, f.callsign, len(f.t_s)) for f in flights] == [
        ("a1", "ABC123", 60), ("a1", "ABC123", 60), ("b2", "", 60),
    ]  # fmt: skip
    assert flights[0].alt_ft[0] == pytest.approx(35_000.0)
    assert flights[2].alt_ft[0] == pytest.approx(10_000.0)  # the geometric one when no baro
    with pytest.raises(ValueError, match="onground"):
        split_flights(frame.drop(columns=["onground"]))


def _crossing() -> tuple[tuple[np.ndarray, ...], int, int]:
    """The true path every 0.1 s and its one run inside AREA (first and last sample)."""
    truth_path = _true_path(0.1)
    ((first, last),) = _truth(_laterally(truth_path), truth_path)
    return truth_path, first, last


def test_a_position_jump_is_suspected_interference_not_flown() -> None:
    # One report in the middle of the crossing moved 1° north (a spoofed fix: 60 NM in 7 s).
    # The two segments to it are not bridged; the exposure breaks there and says why, while
    # its true entry and exit are still found.
    truth_path, first, last = _crossing()
    reports = [r.copy() for r in _true_path(7.0)]
    middle = (truth_path[0][first] + truth_path[0][last]) / 2
    jumped = int(np.argmin(np.abs(reports[0] - middle)))
    reports[2][jumped] += 1.0
    before, after = flight_exposures(_flight(tuple(reports)), _hazard())
    _close(before.entry_t_s, before.entry_lon, before.entry_lat, truth_path, first)
    _close(after.exit_t_s, after.exit_lon, after.exit_lat, truth_path, last)
    assert (before.gap_flag, before.gnss_flag) == (True, True)
    assert (after.gap_flag, after.gnss_flag) == (True, True)
    assert before.exit_t_s == reports[0][jumped - 1]
    assert after.entry_t_s == reports[0][jumped + 1]


def test_degraded_nic_or_nacp_is_not_bridged_and_flagged() -> None:
    # State vectors with NIC and NACp: reports inside the area with NIC 0 for a minute (as
    # under jamming) split the exposure; a NACp of 9 and a missing NIC are trusted.
    truth_path, first, last = _crossing()
    t, lon, lat, alt = _true_path(7.0)
    middle = (truth_path[0][first] + truth_path[0][last]) / 2
    nic = np.where(np.abs(t - middle) < 30.0, 0.0, 8.0)
    nic[0] = np.nan
    frame = pandas.DataFrame(
        {"time": t, "icao24": "a1", "callsign": "TEST1", "lat": lat, "lon": lon,
         "baroaltitude": alt * 0.3048, "geoaltitude": np.nan, "onground": False,
         "nic": nic, "nacp": 9.0}
    )  # fmt: skip
    (flight,) = split_flights(frame)
    assert int(flight.degraded.sum()) == int((nic < 7).sum()) > 0
    exposures = flight_exposures(flight, _hazard())
    assert all(e.gnss_flag and e.gap_flag for e in exposures)
    assert len(exposures) >= 2
    _close(exposures[0].entry_t_s, exposures[0].entry_lon, exposures[0].entry_lat, truth_path,
           first)  # fmt: skip
    _close(exposures[-1].exit_t_s, exposures[-1].exit_lon, exposures[-1].exit_lat, truth_path,
           last)  # fmt: skip
    # No exposure spans a degraded report: each one starts after or ends before the minute.
    for exposure in exposures:
        assert not (exposure.entry_t_s < middle - 30.0 and exposure.exit_t_s > middle + 30.0)


def test_an_incident_is_screened_as_a_ring_from_when_it_happened() -> None:
    # An incident 10 NM off the path: its 25 NM ring is crossed. Truth: the true path's
    # samples within 25 NM of the point by Geod.inv (not the ring's polygon), after the event.
    truth_path = _true_path(0.1)
    at_lon, at_lat, _ = GEOD.fwd(truth_path[1][30_000], truth_path[2][30_000], AZIMUTH + 90,
                                 10 * METRES_PER_NM)  # fmt: skip
    occurred = datetime.fromtimestamp(truth_path[0][0] + 600.0, UTC)
    incident = Hazard(
        layer=HazardLayer.INCIDENT, id="hit", name="hit", area=Point(at_lon, at_lat),
        valid_from=occurred, occurred_at=occurred, published_at=occurred,
    )  # fmt: skip
    (ring,) = screening_hazards([], [incident], 25.0)
    assert ring.ring_nm == 25.0
    _, _, metres = GEOD.inv(truth_path[1], truth_path[2], np.full(truth_path[1].shape, at_lon),
                            np.full(truth_path[1].shape, at_lat))  # fmt: skip
    ((first, last),) = _truth(np.asarray(metres) <= 25 * METRES_PER_NM, truth_path)
    (exposure,) = flight_exposures(_flight(_true_path(7.0)), ring)
    _close(exposure.entry_t_s, exposure.entry_lon, exposure.entry_lat, truth_path, first)
    _close(exposure.exit_t_s, exposure.exit_lon, exposure.exit_lat, truth_path, last)
    assert (exposure.layer, exposure.status, exposure.published) == ("incidents", None, True)
    # Before it happened, the same path past the point is no exposure.
    later = replace(ring, valid_from=occurred + timedelta(hours=3))
    assert flight_exposures(_flight(_true_path(7.0)), later) == []
    assert screening_hazards([], [incident], 0.0) == []


def test_a_selection_box_across_180_picks_hazards_on_both_sides() -> None:
    # Boxes east and west of 180° and one in the middle of the Pacific's other side.
    east = _hazard(id="east", area=box(175.0, -10.0, 179.0, -5.0))
    west = _hazard(id="west", area=box(-179.0, -10.0, -175.0, -5.0))
    away = _hazard(id="away", area=box(-150.0, -10.0, -145.0, -5.0))
    chosen = Selection(bbox=bbox_from_text("170,-20,-170,0")).hazards([east, west, away])
    assert [h.id for h in chosen] == ["east", "west"]
    assert bbox_from_text("170,-20,0,-170,0,1") == (170.0, -20.0, -170.0, 0.0)
    with pytest.raises(SelectionError, match="southern edge"):
        Selection(bbox=(0.0, 10.0, 5.0, 0.0))
    with pytest.raises(SelectionError, match="time zone"):
        Selection(start=datetime(2024, 12, 25))  # noqa: DTZ001 (the fault under test)


def test_a_band_reaches_the_highest_published_ceiling() -> None:
    # A MANPADS-like incident whose catalogue gives ceilings of 9,800 and 15,000 ft: a flight
    # at 12,000 ft through its ring was within reach (12,000 <= 15,000), though the route
    # check's full score stops at the lower one; at FL350 it was not.
    truth_path = _true_path(0.1)
    point = Point(truth_path[1][30_000], truth_path[2][30_000])
    incident = Hazard(
        layer=HazardLayer.INCIDENT, id="manpads", name="manpads", area=point, upper_ft=9_800.0,
        ceiling_spread_ft=15_000.0, occurred_at=START - timedelta(days=1),
    )  # fmt: skip
    (ring,) = screening_hazards([], [incident], 10.0)
    assert (ring.upper_ft, ring.ceiling_spread_ft) == (15_000.0, None)
    t, lon, lat, _ = _true_path(7.0)
    low = (t, lon, lat, np.full(t.shape, 12_000.0))
    (exposure,) = flight_exposures(_flight(low), ring)
    assert exposure.max_alt_ft == 12_000.0
    assert flight_exposures(_flight(_true_path(7.0)), ring) == []


def test_a_missing_callsign_stays_with_its_flight_and_a_new_one_starts_another() -> None:
    # One aircraft, no silence: 5 reports without a callsign, 10 as XYZ9, 3 without again,
    # then 5 as XYZ10 (its next flight number); another aircraft never names itself.
    calls = [None] * 5 + ["XYZ9"] * 10 + [""] * 3 + ["XYZ10"] * 5
    rows = [(t * 10, "c3", c, 45.0, 30.0, 10_000.0, None, False) for t, c in enumerate(calls)]
    rows += [(t * 10, "d4", None, 46.0, 31.0, 10_000.0, None, False) for t in range(4)]
    flights = split_flights(pandas.DataFrame(rows, columns=list(COLUMNS)))
    assert [(f.icao24, f.callsign, len(f.t_s)) for f in flights] == [
        ("c3", "XYZ9", 18), ("c3", "XYZ10", 5), ("d4", "", 4),
    ]  # fmt: skip
    assert [f.flight_id for f in flights] == ["c3-XYZ9-0", "c3-XYZ10-180", "d4-none-0"]
