"""Hazards made from the layers' records (as stored, or as read from a layer file), as known at
a time: records not yet published then are left out, the rest count over their lifecycle's
counting window (`layers.lifecycle`)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from app.core.geodesy.circle import geodesic_circle
from app.core.layers.engagement import Envelope
from app.core.layers.lifecycle import Lifecycle, lifecycles, replacements
from app.core.layers.records import AirDefenceSystem, ConflictZone, EngagementArea, Incident
from app.core.layers.vocabulary import WeaponClass
from app.core.risk.hazards import Hazard, HazardLayer
from app.core.risk.model import DEFAULT_MODEL, ScoringModel


@dataclass(frozen=True)
class Known:
    """What is known of a record at as_of: its lifecycle and when a successor replaces it."""

    lifecycle: Lifecycle
    replaced_at: datetime | None
    as_of: datetime | None


def knowledge(
    records: Sequence[ConflictZone | EngagementArea], as_of: datetime | None
) -> dict[str, Known]:
    """For each record of one layer published by `as_of` (None: all on record), what is known."""
    by_id = lifecycles(records)
    replaced = replacements(by_id, as_of)
    return {
        record_id: Known(lifecycle, replaced.get(record_id), as_of)
        for record_id, (lifecycle, _) in by_id.items()
        if lifecycle.known(as_of)
    }


def _lifecycle_fields(record: ConflictZone | EngagementArea, known: Known) -> dict[str, object]:
    """The Hazard fields that say when it counts and who issued it."""
    valid_from, valid_to = known.lifecycle.counting_window(known.as_of, known.replaced_at)
    return {
        "valid_from": valid_from,
        "valid_to": valid_to,
        "issuer": record.issuer,
        "instrument": record.instrument,
        "reference": record.reference,
        "binding_for": tuple(record.binding_for),
        "threat": record.threat,
        "published_at": record.published_at,
        "lifecycle": known.lifecycle,
        "replaced_at": known.replaced_at,
        "as_of": known.as_of,
    }


def zone_hazard(zone: ConflictZone, area: BaseGeometry, known: Known) -> Hazard:
    """A conflict zone as a hazard."""
    return Hazard(
        layer=HazardLayer.CONFLICT_ZONE,
        id=zone.id,
        name=zone.name,
        area=area,
        lower_ft=zone.lower_ft,
        upper_ft=zone.upper_ft,
        upper_sharp=zone.permits_above,
        level=int(zone.level),
        certainty=zone.certainty.value,
        sources=tuple(zone.sources),
        summary=zone.summary,
        **_lifecycle_fields(zone, known),  # type: ignore[arg-type]
    )


def engagement_hazards(
    area: EngagementArea,
    site: Point,
    reach: Envelope,
    system: AirDefenceSystem | None,
    known: Known,
    model: ScoringModel = DEFAULT_MODEL,
) -> list[Hazard]:
    """An engagement area as hazards: a disc around its site and the rings where its score fades
    outwards (`ScoringModel.range_rings`), each up to its ceiling, fading above it across the
    spread of the published ceilings."""
    # Across a spread of published ceilings the score fades from the lowest to the highest.
    low_ft = reach.ceiling_low_ft
    upper_ft, spread_ft = (reach.upper_ft, None) if low_ft is None else (low_ft, reach.upper_ft)
    fade_nm = model.range_fade(reach.radius_nm, reach.radius_low_nm)
    fields = _lifecycle_fields(area, known)
    hazards = []
    inner_circle: BaseGeometry | None = None
    for inner_nm, outer_nm, factor in model.range_rings(reach.radius_nm, reach.radius_low_nm):
        circle = geodesic_circle(site.x, site.y, outer_nm)
        ring = circle if inner_circle is None else circle.difference(inner_circle)
        inner_circle = circle
        hazards.append(
            Hazard(
                layer=HazardLayer.ENGAGEMENT_AREA,
                id=area.id,
                name=area.name,
                area=ring,
                lower_ft=area.lower_ft,
                upper_ft=upper_ft,
                ceiling_spread_ft=spread_ft,
                range_band_nm=(inner_nm, outer_nm),
                range_factor=factor,
                range_fade_nm=fade_nm,
                system=area.system,
                system_name=system.name if system else area.system,
                site_basis=area.site_basis.value,
                operator=area.operator,
                certainty=area.certainty.value,
                sources=tuple(area.sources),
                ring_nm=reach.radius_nm,
                summary=area.summary,
                **fields,  # type: ignore[arg-type]
            )
        )
    return hazards


def weapon_reach(
    incident: Incident, catalogue: Mapping[str, AirDefenceSystem]
) -> tuple[int | None, int | None]:
    """The ceiling up to which an incident is evidence, and the highest published one where
    the figures differ; (None, None): every altitude.

    MANPADS and guns reach low: both are bounded by the catalogue's MANPADS ceiling (it holds no
    figure for guns, whose reach is lower). A SAM reaches as its system does; a SAM the
    catalogue does not hold, an air-to-air weapon or an unknown one, every altitude.
    """
    system: AirDefenceSystem | None = None
    if incident.weapon_class in (WeaponClass.MANPADS, WeaponClass.AAA):
        system = catalogue.get("manpads")
    elif incident.weapon_class is WeaponClass.SAM and incident.weapon_system:
        system = catalogue.get(incident.weapon_system)
    if system is None:
        return None, None
    low = system.ceiling_ft_low
    if low is not None and low < system.ceiling_ft:
        return low, system.ceiling_ft
    return system.ceiling_ft, None


def incident_hazard(
    incident: Incident, point: Point, catalogue: Mapping[str, AirDefenceSystem] | None = None
) -> Hazard:
    """A verified incident as a hazard: it counts from when it happened, at the altitudes its
    weapon could reach (`weapon_reach`; every altitude without a catalogue)."""
    upper_ft, spread_ft = weapon_reach(incident, catalogue or {})
    return Hazard(
        layer=HazardLayer.INCIDENT,
        id=incident.id,
        name=incident.flight or incident.id,
        area=point,
        upper_ft=upper_ft,
        ceiling_spread_ft=spread_ft,
        valid_from=incident.occurred_at,
        operator=incident.operator,
        certainty=incident.certainty.value,
        sources=tuple(incident.sources),
        occurred_at=incident.occurred_at,
        published_at=incident.published_at,
        threat=incident.threat,
        summary=incident.summary,
        details=(
            ("event", incident.event),
            ("kind", incident.kind.value),
            ("flight", incident.flight),
            ("fatalities", incident.fatalities),
            ("weapon", incident.weapon),
            ("weapon_class", incident.weapon_class.value),
            ("weapon_system", incident.weapon_system),
            ("altitude_ft", incident.altitude_ft),
        ),
    )


def incident_known(incident: Incident, as_of: datetime | None) -> bool:
    """Whether a verified incident had been reported by `as_of` (None: all on record).

    Nothing is reported before it happens: a report dated only by its day counts from the
    time of the event, not from the start of that day.
    """
    return as_of is None or max(incident.published_at, incident.occurred_at) <= as_of


HazardMaker = Callable[[Known], list[Hazard]]


def known_hazards(
    records: Sequence[tuple[ConflictZone | EngagementArea, HazardMaker]],
    as_of: datetime | None,
    successors: Sequence[ConflictZone | EngagementArea] = (),
) -> list[Hazard]:
    """Hazards of the records of one layer that were published by `as_of`, in the given order
    (`successors`: other records of the layer that may supersede them; no hazards of theirs)."""
    known = knowledge([record for record, _ in records] + list(successors), as_of)
    return [
        hazard
        for record, make in records
        if record.id in known
        for hazard in make(known[record.id])
    ]
