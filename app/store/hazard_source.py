"""The hazards a route check runs against, read from PostGIS and kept until the data change."""

import threading
from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from sqlalchemy import Connection, select

from app.core.layers.records import ConflictZone, EngagementArea, Incident
from app.core.risk.check import RouteChecker
from app.core.risk.hazard_records import engagement_hazard, incident_hazard, zone_hazard
from app.core.risk.hazards import Hazard
from app.store.layer_stats import data_version
from app.store.layer_writer import read_catalogue
from app.store.tables import conflict_zones, engagement_areas, incidents


def _fields(row: Any, model: type[Any]) -> dict[str, Any]:
    """The row's values for a record model's fields."""
    mapping = row._mapping
    return {name: mapping[name] for name in model.model_fields if name in mapping}


def load_hazards(connection: Connection) -> tuple[list[Hazard], list[Hazard]]:
    """Every conflict zone and engagement area, and the verified incidents."""
    catalogue = read_catalogue(connection)
    hazards: list[Hazard] = []
    for row in connection.execute(select(conflict_zones).order_by(conflict_zones.c.id)):
        zone = ConflictZone.model_validate(_fields(row, ConflictZone))
        hazards.append(zone_hazard(zone, to_shape(row.geom)))
    for row in connection.execute(select(engagement_areas).order_by(engagement_areas.c.id)):
        area = EngagementArea.model_validate(_fields(row, EngagementArea))
        hazards.append(
            engagement_hazard(
                area, to_shape(row.geom), row.radius_nm, row.upper_ft, catalogue.get(row.system)
            )
        )
    verified = select(incidents).where(incidents.c.status == "verified").order_by(incidents.c.id)
    points: list[Hazard] = []
    for row in connection.execute(verified):
        incident = Incident.model_validate(_fields(row, Incident))
        point = to_shape(row.geom)
        assert isinstance(point, Point)
        points.append(incident_hazard(incident, point))
    return hazards, points


class HazardSource:
    """Keeps one RouteChecker per data_version; rebuilds it when a write changed the layers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._checker: RouteChecker | None = None

    def checker(self, connection: Connection) -> tuple[int, RouteChecker]:
        """The current data_version and a checker built from that state of the data."""
        version = data_version(connection)
        with self._lock:
            if self._checker is None or version != self._version:
                hazards, points = load_hazards(connection)
                self._checker = RouteChecker(hazards, points)
                self._version = version
            return version, self._checker
