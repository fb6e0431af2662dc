"""Screening a batch of state vectors against hazards: flights split, each flight checked only
against the hazards whose box its own box meets (an STR tree), every exposure one row."""

from collections.abc import Sequence
from dataclasses import asdict, replace

import numpy as np
import pandas
import shapely
from shapely.strtree import STRtree

from app.core.risk.hazards import Hazard
from app.core.tracks.exposures import Exposure, flight_exposures
from app.core.tracks.flights import split_flights

# How far from the straight line between reports the geodesic may stray (0.05° ≈ 5 km, more
# than it does over the 1–3 km between ADS-B reports).
NEAR_DEG = 0.05
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


def screening_hazards(hazards: Sequence[Hazard]) -> list[Hazard]:
    """One hazard per record: an engagement area's fade rings (each a hazard of the same record
    for scoring) joined back into its whole reach, so a flight through it is one exposure."""
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
    return joined


class HazardIndex:
    """Hazards and a tree of their areas' boxes (built once, shipped once to each worker)."""

    def __init__(self, hazards: Sequence[Hazard]) -> None:
        self.hazards = list(hazards)
        self.tree = STRtree([shapely.box(*h.area.bounds) for h in self.hazards])

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
        for hazard in nearby:
            for exposure in flight_exposures(flight, hazard):
                row = {k: v for k, v in asdict(exposure).items() if k != "path"}
                rows.append(
                    {**row, "duration_s": exposure.duration_s, "geometry": path_wkb(exposure.path)}
                )
    result = pandas.DataFrame(rows, columns=list(EXPOSURE_COLUMNS))
    return result.sort_values(["flight_id", "entry_t_s", "hazard_id"], ignore_index=True)
