"""Generated flown tracks for the screening tests: straight flights over the Caucasus in
OpenSky's state-vector columns, and each one's true entry into test areas, found from its path
walked every second (pyproj Geod.fwd, shapely point by point)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas
from pyproj import Geod
from shapely.geometry import Point, box

from app.core.risk.hazards import Hazard, HazardLayer
from app.core.tracks.flights import COLUMNS

GEOD = Geod(ellps="WGS84")
START = datetime(2024, 12, 25, 3, 0, tzinfo=UTC)
# The folder of track files, all their state vectors, and each aircraft's true entry per area.
Generated = tuple[Path, pandas.DataFrame, dict[str, dict[str, float]]]
AREAS = {"north": box(44.0, 43.0, 46.0, 44.0), "south": box(46.0, 40.0, 48.0, 41.5)}


def area_hazards() -> list[Hazard]:
    return [
        Hazard(layer=HazardLayer.CONFLICT_ZONE, id=name, name=name, area=area,
               published_at=START - timedelta(days=1))
        for name, area in AREAS.items()
    ]  # fmt: skip


def generated_tracks(count: int, seed: int) -> tuple[pandas.DataFrame, dict[str, dict[str, float]]]:
    """`count` straight flights over the Caucasus reporting every 6–9 s, and for each the true
    entry time into each area (from its path walked every second)."""
    pick = np.random.default_rng(seed)
    rows: list[tuple[object, ...]] = []
    truth: dict[str, dict[str, float]] = {}
    for n in range(count):
        icao24 = f"{n:06x}"
        lon0, lat0 = pick.uniform(41.0, 43.0), pick.uniform(39.5, 44.5)
        azimuth, speed, t0 = pick.uniform(60, 120), pick.uniform(200, 250), pick.uniform(0, 3600)
        dense = np.arange(0.0, 2400.0, 1.0)
        lon, lat, _ = GEOD.fwd(np.full(dense.shape, lon0), np.full(dense.shape, lat0),
                               np.full(dense.shape, azimuth), speed * dense)  # fmt: skip
        for name, area in AREAS.items():
            inside = [area.intersects(Point(x, y)) for x, y in zip(lon, lat, strict=True)]
            if any(inside):
                truth.setdefault(icao24, {})[name] = START.timestamp() + t0 + inside.index(True)
        t = 0.0
        while t < 2400.0:
            x, y, _ = GEOD.fwd(lon0, lat0, azimuth, speed * t)
            rows.append((START.timestamp() + t0 + t, icao24, f"TST{n:03d}", y, x, 10_668.0,
                         10_700.0, False))  # fmt: skip
            t += pick.uniform(6.0, 9.0)
    return pandas.DataFrame(rows, columns=list(COLUMNS)), truth
