"""Hazards made from the layers' records (as stored, or as read from a layer file)."""

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from app.core.layers.records import AirDefenceSystem, ConflictZone, EngagementArea, Incident
from app.core.risk.hazards import Hazard, HazardLayer


def zone_hazard(zone: ConflictZone, area: BaseGeometry) -> Hazard:
    """A conflict zone as a hazard."""
    return Hazard(
        layer=HazardLayer.CONFLICT_ZONE,
        id=zone.id,
        name=zone.name,
        area=area,
        lower_ft=zone.lower_ft,
        upper_ft=zone.upper_ft,
        valid_from=zone.valid_from,
        valid_to=zone.valid_to,
        level=int(zone.level),
        authority=zone.authority,
        reference=zone.reference,
        certainty=zone.certainty.value,
        sources=tuple(zone.sources),
        summary=zone.summary,
    )


def engagement_hazard(
    area: EngagementArea,
    circle: BaseGeometry,
    radius_nm: float,
    upper_ft: int | None,
    system: AirDefenceSystem | None,
) -> Hazard:
    """An engagement area (with its computed circle and ceiling) as a hazard."""
    return Hazard(
        layer=HazardLayer.ENGAGEMENT_AREA,
        id=area.id,
        name=area.name,
        area=circle,
        lower_ft=area.lower_ft,
        upper_ft=upper_ft,
        valid_from=area.valid_from,
        valid_to=area.valid_to,
        system=area.system,
        system_name=system.name if system else area.system,
        status=area.status.value,
        operator=area.operator,
        certainty=area.certainty.value,
        sources=tuple(area.sources),
        ring_nm=radius_nm,
        summary=area.summary,
    )


def incident_hazard(incident: Incident, point: Point) -> Hazard:
    """A verified incident as a hazard: it counts from when it happened, at all altitudes."""
    return Hazard(
        layer=HazardLayer.INCIDENT,
        id=incident.id,
        name=incident.flight or incident.id,
        area=point,
        valid_from=incident.occurred_at,
        operator=incident.operator,
        certainty=incident.certainty.value,
        sources=tuple(incident.sources),
        occurred_at=incident.occurred_at,
        summary=incident.summary,
        details=(
            ("event", incident.event),
            ("kind", incident.kind.value),
            ("flight", incident.flight),
            ("fatalities", incident.fatalities),
            ("weapon", incident.weapon),
            ("altitude_ft", incident.altitude_ft),
        ),
    )
