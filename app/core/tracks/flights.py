"""State vectors (OpenSky's columns: time, icao24, callsign, lat, lon, baroaltitude, geoaltitude,
onground; NIC and NACp where a source gives them) split into flights: one aircraft, reports in
time order, a new flight after a long silence or a new callsign. Altitudes in feet (OpenSky
gives metres); the barometric altitude, else the geometric one."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas

from app.core.units import METRES_PER_FOOT

# A silence this long ends a flight (the aircraft landed, or left coverage for good).
FLIGHT_BREAK_S = 1800.0
COLUMNS = ("time", "icao24", "callsign", "lat", "lon", "baroaltitude", "geoaltitude", "onground")
# ADS-B's own trust in a position, where the source gives it (OpenSky's state vectors do not).
OPTIONAL_COLUMNS = ("nic", "nacp")
# Below these a position is suspect: NIC 7 is a containment radius under 0.2 NM and NACp 8 an
# estimated error under 0.05 NM, what a healthy airliner's GNSS reports; interference maps of
# ADS-B (GPSJam, Flightradar24's) count reports below such values as degraded.
NIC_TRUSTED = 7
NACP_TRUSTED = 8

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Flight:
    """One flight's airborne reports, in time order (times UTC, seconds since 1970)."""

    flight_id: str
    icao24: str
    callsign: str
    t_s: Floats
    lon: Floats
    lat: Floats
    alt_ft: Floats  # NaN where neither altitude was reported
    # The report's NIC or NACp (where given) says its position cannot be trusted.
    degraded: Flags


def _callsign(value: object) -> str:
    """A callsign as broadcast, without its padding ('' when none)."""
    return (
        ""
        if value is None or (isinstance(value, float) and np.isnan(value))
        else str(value).strip()
    )


def _degraded(reports: pandas.DataFrame) -> pandas.Series:
    """Reports whose NIC or NACp is below what a healthy GNSS gives (unknown: not flagged)."""
    low = pandas.Series(False, index=reports.index)
    for column, trusted in (("nic", NIC_TRUSTED), ("nacp", NACP_TRUSTED)):
        if column in reports.columns:
            value = pandas.to_numeric(reports[column], errors="coerce")
            low |= value.notna() & (value < trusted)
    return low


def _flight_numbers(reports: pandas.DataFrame, break_s: float) -> pandas.Series:
    """Per report (sorted by aircraft and time), which flight it belongs to: a new one for each
    aircraft, after a silence longer than break_s, and where the aircraft starts broadcasting
    another callsign. A report without a callsign (common at the start of a flight, and now and
    then in OpenSky's data) stays with the flight around it."""
    aircraft = reports["icao24"]
    silence = (aircraft != aircraft.shift()) | (reports["time"].diff() > break_s)
    stretch = silence.cumsum()
    named = reports["callsign"].where(reports["callsign"] != "")
    # The callsign last heard in the stretch, at each report.
    heard = named.groupby(stretch).ffill()
    renamed = heard.notna() & heard.shift().notna() & (heard != heard.shift()) & ~silence
    return (silence | renamed).cumsum()


def split_flights(frame: pandas.DataFrame, break_s: float = FLIGHT_BREAK_S) -> list[Flight]:
    """The airborne reports with a position, grouped into flights by aircraft (see
    `_flight_numbers`); each flight named icao24-callsign-first time, its callsign the one it
    broadcast ('' when none)."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"state vectors lack the columns {', '.join(missing)}")
    reports = frame.loc[
        frame["lat"].notna() & frame["lon"].notna() & ~frame["onground"].fillna(False).astype(bool)
    ].copy()
    reports["callsign"] = reports["callsign"].map(_callsign)
    altitude_m = reports["baroaltitude"].where(
        reports["baroaltitude"].notna(), reports["geoaltitude"]
    )
    reports["alt_ft"] = altitude_m.astype("float64") / METRES_PER_FOOT
    reports["degraded"] = _degraded(reports)
    reports = reports.sort_values(["icao24", "time"], kind="stable", ignore_index=True)
    numbers = _flight_numbers(reports, break_s)
    flights: list[Flight] = []
    for _, group in reports.groupby(numbers, sort=True):
        t_s = group["time"].to_numpy(dtype="float64")
        icao24 = str(group["icao24"].iloc[0])
        named = group["callsign"][group["callsign"] != ""]
        callsign = str(named.iloc[0]) if len(named) else ""
        flights.append(
            Flight(
                flight_id=f"{icao24}-{callsign or 'none'}-{int(t_s[0])}",
                icao24=icao24,
                callsign=callsign,
                t_s=t_s,
                lon=group["lon"].to_numpy(dtype="float64"),
                lat=group["lat"].to_numpy(dtype="float64"),
                alt_ft=group["alt_ft"].to_numpy(dtype="float64"),
                degraded=group["degraded"].to_numpy(dtype=bool),
            )
        )
    return flights
