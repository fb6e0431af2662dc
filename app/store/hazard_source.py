"""The hazards a route check runs against, read from PostGIS and kept until the data change;
or, for a check made as of an earlier time, the layers as they were then."""

import threading
from datetime import datetime
from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from sqlalchemy import Connection, Engine, select

from app.core.layers.engagement import resolve_envelope
from app.core.layers.layer_file import LayerFileError, parse_feature
from app.core.layers.records import AirDefenceSystem, ConflictZone, EngagementArea, Incident
from app.core.layers.vocabulary import Layer
from app.core.risk.check import RouteChecker
from app.core.risk.hazard_records import engagement_hazard, incident_hazard, zone_hazard
from app.core.risk.hazards import Hazard
from app.store.layer_stats import data_version
from app.store.layer_writer import read_catalogue
from app.store.tables import LAYER_TABLES, feature_versions
from app.store.version_probe import VersionProbe

AS_OF_CACHE = 4


def _fields(row: Any, model: type[Any]) -> dict[str, Any]:
    """The row's values for a record model's fields."""
    mapping = row._mapping
    return {name: mapping[name] for name in model.model_fields if name in mapping}


def _versions_as_of(
    connection: Connection, as_of: datetime
) -> tuple[set[tuple[str, str]], dict[tuple[str, str], dict[str, Any]]]:
    """Features with any recorded version, and each one's latest version at `as_of`."""
    versioned = {
        (row[0], row[1])
        for row in connection.execute(
            select(feature_versions.c.layer, feature_versions.c.feature_id).distinct()
        )
    }
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    rows = connection.execute(
        select(feature_versions)
        .where(feature_versions.c.recorded_at <= as_of)
        .order_by(
            feature_versions.c.layer, feature_versions.c.feature_id, feature_versions.c.version
        )
    ).mappings()
    for row in rows:
        latest[(row["layer"], row["feature_id"])] = {"change": row["change"], **row["feature"]}
    return versioned, latest


def _from_version(
    layer: Layer, version: dict[str, Any], catalogue: dict[str, AirDefenceSystem]
) -> Hazard | None:
    """A hazard as a version recorded it (None when it was retired or unpublished then)."""
    if version["change"] == "retire" or version.get("state", {}).get("retired_at"):
        return None
    try:
        feature = parse_feature(
            layer,
            {
                "type": "Feature",
                "geometry": version["geometry"],
                "properties": version["properties"],
            },
        )
    except LayerFileError:
        return None
    record = feature.record
    if isinstance(record, ConflictZone):
        return zone_hazard(record, feature.geometry)
    if isinstance(record, EngagementArea):
        assert isinstance(feature.geometry, Point)
        envelope = resolve_envelope(record, feature.geometry, catalogue)
        return engagement_hazard(
            record,
            envelope.circle,
            envelope.radius_nm,
            envelope.upper_ft,
            catalogue.get(record.system),
        )
    assert isinstance(record, Incident)
    assert isinstance(feature.geometry, Point)
    return incident_hazard(record, feature.geometry) if record.status.value == "verified" else None


def load_hazards(
    connection: Connection, as_of: datetime | None = None
) -> tuple[list[Hazard], list[Hazard]]:
    """Zones and engagement areas in force, and verified incidents: now, or as known at as_of.

    As of a time, a feature changed through the API is taken from its latest version then
    (absent if created later, present if retired later); a feature never changed through the
    API is taken as it is now.
    """
    catalogue = read_catalogue(connection)
    versioned, latest = _versions_as_of(connection, as_of) if as_of else (set(), {})
    hazards: list[Hazard] = []
    points: list[Hazard] = []
    for layer in (Layer.CONFLICT_ZONES, Layer.ENGAGEMENT_AREAS, Layer.INCIDENTS):
        table = LAYER_TABLES[layer.value]
        for row in connection.execute(select(table).order_by(table.c.id)):
            key = (layer.value, row.id)
            if key in versioned:
                version = latest.get(key)
                hazard = _from_version(layer, version, catalogue) if version else None
                if hazard is not None:
                    (points if layer is Layer.INCIDENTS else hazards).append(hazard)
                continue
            hazard = _from_row(layer, row, catalogue)
            if hazard is not None:
                (points if layer is Layer.INCIDENTS else hazards).append(hazard)
    return hazards, points


def _from_row(layer: Layer, row: Any, catalogue: dict[str, AirDefenceSystem]) -> Hazard | None:
    """A hazard from a current row (None when retired or unpublished)."""
    if getattr(row, "retired_at", None) is not None:
        return None
    if layer is Layer.CONFLICT_ZONES:
        return zone_hazard(
            ConflictZone.model_validate(_fields(row, ConflictZone)), to_shape(row.geom)
        )
    if layer is Layer.ENGAGEMENT_AREAS:
        area = EngagementArea.model_validate(_fields(row, EngagementArea))
        return engagement_hazard(
            area, to_shape(row.geom), row.radius_nm, row.upper_ft, catalogue.get(row.system)
        )
    if row.status != "verified":
        return None
    point = to_shape(row.geom)
    assert isinstance(point, Point)
    return incident_hazard(Incident.model_validate(_fields(row, Incident)), point)


class HazardSource:
    """Keeps one RouteChecker per data_version (and a few for checks as of earlier times)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._checker: RouteChecker | None = None
        self._as_of: dict[tuple[int, datetime], RouteChecker] = {}
        self._probe: tuple[Engine, VersionProbe] | None = None

    def checker_for(
        self, engine: Engine, as_of: datetime | None = None
    ) -> tuple[int, RouteChecker]:
        """As `checker`, but when the data have not changed no pooled connection is taken:
        the version is read on the probe's own connection and the cached checker returned."""
        with self._lock:
            if self._probe is None or self._probe[0] is not engine:
                if self._probe is not None:
                    self._probe[1].close()
                self._probe = (engine, VersionProbe(engine))
            probe = self._probe[1]
        version = probe.read()
        if version is not None:
            cached = self._cached(version, as_of)
            if cached is not None:
                return version, cached
        with engine.connect() as connection:
            return self.checker(connection, as_of)

    def close(self) -> None:
        """Close the probe's connection."""
        with self._lock:
            probe, self._probe = self._probe, None
        if probe is not None:
            probe[1].close()

    def _cached(self, version: int, as_of: datetime | None) -> RouteChecker | None:
        """The checker already built for this version (and as_of), if any."""
        with self._lock:
            if as_of is not None:
                return self._as_of.get((version, as_of))
            return self._checker if version == self._version else None

    def checker(
        self, connection: Connection, as_of: datetime | None = None
    ) -> tuple[int, RouteChecker]:
        """The current data_version and a checker built from that state of the data."""
        version = data_version(connection)
        if as_of is not None:
            # Built outside the lock: a check as of another time must not stall current ones.
            key = (version, as_of)
            checker = self._as_of.get(key)
            if checker is None:
                checker = RouteChecker(*load_hazards(connection, as_of))
                with self._lock:
                    if len(self._as_of) >= AS_OF_CACHE:
                        self._as_of = {}
                    self._as_of[key] = checker
            return version, checker
        with self._lock:
            if self._checker is None or version != self._version:
                self._checker = RouteChecker(*load_hazards(connection))
                self._version = version
            return version, self._checker
