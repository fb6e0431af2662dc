"""Synthetic flown tracks in OpenSky's state-vector columns, for the screening benchmarks.

    .venv/bin/python -m bench.tracks_generate --positions 1000000 --out bench/data/tracks_1e6
    (also 10000000 and 100000000; one Parquet file per million positions)

Flights between large airports (those with an IATA code) of Europe, the Middle East and the
Caucasus, on 25 Dec 2024: each flies the great circle (pyproj Geod) at 250 m/s in cruise and
150 m/s below 10,000 ft, climbs at 2,000 ft/min to FL300–FL390 and descends on a 3° path
(318 ft/NM), and reports every 5–10 s; one flight in fifty falls silent for 5–15 minutes once
(a gap the screening must flag). Seeded: the same files every run. These are made-up flights,
not traffic.
"""

import argparse
from pathlib import Path

import airportsdata
import numpy as np
import pandas
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
COUNTRIES = ("UA", "RU", "AZ", "GE", "AM", "TR", "IR", "IQ", "SY", "IL", "PL", "DE", "NL", "GB",
             "KZ", "AE", "SA", "EG", "FR", "IT", "AT", "RO", "BG", "GR")  # fmt: skip
DAY_START_S = 1_735_084_800.0  # 2024-12-25T00:00:00Z
FT_PER_NM_DESCENT = 318.0
CLIMB_FT_PER_S = 2000.0 / 60.0
FILE_POSITIONS = 1_000_000


def _airports() -> np.ndarray:
    """(lon, lat) of the large airports of the covered countries, in a fixed order."""
    table = airportsdata.load("ICAO")
    rows = sorted(
        (code, row["lon"], row["lat"])
        for code, row in table.items()
        if row["country"] in COUNTRIES and row["iata"] and len(code) == 4
    )
    return np.array([(lon, lat) for _, lon, lat in rows], dtype="float64")


def _flight(pick: np.random.Generator, airports: np.ndarray, number: int) -> pandas.DataFrame:
    """One flight's reports."""
    a, b = pick.choice(len(airports), 2, replace=False)
    (lon0, lat0), (lon1, lat1) = airports[a], airports[b]
    azimuth, _, length_m = GEOD.inv(lon0, lat0, lon1, lat1)
    cruise_ft = float(pick.choice(np.arange(30_000, 40_000, 1_000)))
    start_s = DAY_START_S + pick.uniform(0.0, 86_400.0)
    # Enough report intervals to arrive at the slowest speed, then cut at arrival.
    steps = pick.uniform(5.0, 10.0, int(length_m / 150.0 / 5.0) + 2)
    t = np.concatenate([[0.0], np.cumsum(steps)])
    along = _distance_m(t)
    t, along = t[along < length_m], along[along < length_m]
    lon, lat, _ = GEOD.fwd(
        np.full(t.shape, lon0), np.full(t.shape, lat0), np.full(t.shape, azimuth), along
    )
    climb = np.minimum(t * CLIMB_FT_PER_S, cruise_ft)
    descent = (length_m - along) / 1852.0 * FT_PER_NM_DESCENT
    alt_ft = np.minimum(climb, descent)
    keep = np.ones(t.shape, dtype=bool)
    if pick.uniform() < 0.02 and len(t) > 400:
        gap_at = pick.uniform(t[100], t[-300])
        keep &= ~((t > gap_at) & (t < gap_at + pick.uniform(300.0, 900.0)))
    icao24 = f"{0x400000 + number:06x}"
    return pandas.DataFrame({
        "time": (start_s + t[keep]).round(0), "icao24": icao24, "callsign": f"SYN{number:05d}",
        "lat": lat[keep], "lon": lon[keep], "baroaltitude": alt_ft[keep] * 0.3048,
        "geoaltitude": alt_ft[keep] * 0.3048 + 30.0, "onground": False,
    })  # fmt: skip


def _distance_m(t_s: np.ndarray) -> np.ndarray:
    """Distance flown after t_s: 150 m/s for the first 10,000 ft of the climb, then 250 m/s."""
    slow_s = 10_000.0 / CLIMB_FT_PER_S
    return 150.0 * np.minimum(t_s, slow_s) + 250.0 * np.maximum(t_s - slow_s, 0.0)  # type: ignore[no-any-return]


def generate(positions: int, out: Path, seed: int = 20241225) -> tuple[int, int]:
    """Write at least `positions` reports as Parquet files in `out`; (flights, positions)."""
    out.mkdir(parents=True, exist_ok=True)
    pick = np.random.default_rng(seed)
    airports = _airports()
    written = flights = part = 0
    batch: list[pandas.DataFrame] = []
    batch_rows = 0
    while written < positions:
        frame = _flight(pick, airports, flights)
        flights += 1
        batch.append(frame)
        batch_rows += len(frame)
        written += len(frame)
        if batch_rows >= FILE_POSITIONS or written >= positions:
            pandas.concat(batch, ignore_index=True).to_parquet(out / f"part-{part:04d}.parquet")
            part += 1
            batch, batch_rows = [], 0
    return flights, written


def main() -> None:
    """Generate and say how much."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    flights, written = generate(args.positions, args.out)
    print(f"{written} positions of {flights} flights in {args.out}")


if __name__ == "__main__":
    main()
