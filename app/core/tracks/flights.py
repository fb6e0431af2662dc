"""State vectors (OpenSky's columns: time, icao24, callsign, lat, lon, baroaltitude, geoaltitude,
onground; NIC and NACp where a source gives them) split into flights: one aircraft and
callsign, reports in time order, a new flight after a long silence. Altitudes in feet (OpenSky
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


def split_flights(frame: pandas.DataFrame, break_s: float = FLIGHT_BREAK_S) -> list[Flight]:
    """The airborne reports with a position, grouped by aircraft and callsign, split where the
    reports stop for longer than break_s; each flight named icao24-callsign-first time."""
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
    flights: list[Flight] = []
    for (icao24, callsign), group in reports.sort_values("time").groupby(
        ["icao24", "callsign"], sort=True
    ):
        t_s = group["time"].to_numpy(dtype="float64")
        breaks = np.flatnonzero(np.diff(t_s) > break_s) + 1
        for part in np.split(np.arange(len(t_s)), breaks):
            rows = group.iloc[part]
            first = int(t_s[part[0]])
            flights.append(
                Flight(
                    flight_id=f"{icao24}-{callsign or 'none'}-{first}",
                    icao24=str(icao24),
                    callsign=str(callsign),
                    t_s=t_s[part],
                    lon=rows["lon"].to_numpy(dtype="float64"),
                    lat=rows["lat"].to_numpy(dtype="float64"),
                    alt_ft=rows["alt_ft"].to_numpy(dtype="float64"),
                    degraded=rows["degraded"].to_numpy(dtype=bool),
                )
            )
    return flights
