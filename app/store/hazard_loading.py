"""The hazards a route check runs against, read from PostGIS: as on record now, or as known
at an earlier time; and the times at which what is known changes."""

from datetime import datetime
from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from sqlalchemy import Connection, and_, or_, select, text

from app.core.layers.engagement import Envelope, ceiling_low, range_low, resolve_envelope
from app.core.layers.layer_file import LayerFileError, parse_feature
from app.core.layers.legacy import upgraded_properties
from app.core.layers.records import AirDefenceSystem, ConflictZone, EngagementArea, Incident
from app.core.layers.vocabulary import Layer
from app.core.risk.hazard_records import (
    HazardMaker,
    engagement_hazards,
    incident_hazard,
    incident_known,
    known_hazards,
    zone_hazard,
)
from app.core.risk.hazards import Hazard
from app.store.layer_writer import read_catalogue
from app.store.tables import LAYER_TABLES, feature_versions


def _fields(row: Any, model: type[Any]) -> dict[str, Any]:
    """The row's values for a record model's fields."""
    mapping = row._mapping
    return {name: mapping[name] for name in model.model_fields if name in mapping}


def _versions_as_of(
    connection: Connection, as_of: datetime
) -> dict[tuple[str, str], dict[str, Any]]:
    """The version of each written feature to read as of a time: its latest recorded by
    `as_of`; for a zone or engagement area first written later, its first version (edits made
    after `as_of`, such as a renewal recorded today, are undone). Incidents first written later
    have none: they are read as they are now (verified since), if reported by `as_of`."""
    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    rows = connection.execute(
        select(feature_versions)
        .where(
            or_(
                feature_versions.c.recorded_at <= as_of,
                and_(
                    feature_versions.c.version == 1,
                    feature_versions.c.layer != Layer.INCIDENTS.value,
                ),
            )
        )
        .order_by(
            feature_versions.c.layer, feature_versions.c.feature_id, feature_versions.c.version
        )
    ).mappings()
    for row in rows:
        # Ordered by version: a later row (recorded by as_of) replaces the first version.
        chosen[(row["layer"], row["feature_id"])] = {
            "change": row["change"],
            "recorded_at": row["recorded_at"],
            **row["feature"],
        }
    return chosen


Maker = tuple[ConflictZone | EngagementArea, HazardMaker] | Hazard | None


def _maker(
    record: ConflictZone | EngagementArea | Incident,
    geometry: Any,
    catalogue: dict[str, AirDefenceSystem],
    as_of: datetime | None,
    envelope: Envelope | None = None,
) -> Maker:
    """A record with the function that makes its hazard once its lifecycle is known; an
    incident's hazard at once (None when unverified or not yet reported at as_of)."""
    if isinstance(record, ConflictZone):
        zone = record
        return record, lambda known: [zone_hazard(zone, geometry, known)]
    if isinstance(record, EngagementArea):
        area = record
        assert isinstance(geometry, Point)
        site = geometry
        reach = envelope or resolve_envelope(area, site, catalogue)
        system = catalogue.get(area.system)
        return area, lambda known: engagement_hazards(area, site, reach, system, known)
    assert isinstance(geometry, Point)
    if record.status.value != "verified" or not incident_known(record, as_of):
        return None
    return incident_hazard(record, geometry, catalogue)


def _from_version(
    layer: Layer,
    version: dict[str, Any],
    catalogue: dict[str, AirDefenceSystem],
    as_of: datetime | None,
) -> Maker:
    """A record as a version recorded it (None when it was retired or unpublished then)."""
    if version["change"] == "retire" or version.get("state", {}).get("retired_at"):
        return None
    recorded_at = version["recorded_at"].isoformat().replace("+00:00", "Z")
    properties = upgraded_properties(layer, version["properties"], recorded_at)
    try:
        feature = parse_feature(
            layer, {"type": "Feature", "geometry": version["geometry"], "properties": properties}
        )
    except LayerFileError:
        return None
    return _maker(feature.record, feature.geometry, catalogue, as_of)


def load_hazards(
    connection: Connection, as_of: datetime | None = None
) -> tuple[list[Hazard], list[Hazard]]:
    """Zones and engagement areas, and verified incidents: as on record now, or as known at
    as_of.

    As of a time, a feature written through the API is taken from its version then (present if
    retired later; see `_versions_as_of` for features first written later); a feature never
    written through the API is taken as it is now. Either way it counts only if published by
    then, and over its counting window as known then (`layers.lifecycle`).
    """
    catalogue = read_catalogue(connection)
    latest = _versions_as_of(connection, as_of) if as_of else {}
    hazards: list[Hazard] = []
    points: list[Hazard] = []
    for layer in (Layer.CONFLICT_ZONES, Layer.ENGAGEMENT_AREAS, Layer.INCIDENTS):
        table = LAYER_TABLES[layer.value]
        pending: list[tuple[ConflictZone | EngagementArea, HazardMaker]] = []
        for row in connection.execute(select(table).order_by(table.c.id)):
            key = (layer.value, row.id)
            version = latest.get(key)
            if version is not None:
                made = _from_version(layer, version, catalogue, as_of)
            else:
                made = maker_from_row(layer, row, catalogue, as_of)
            if isinstance(made, Hazard):
                points.append(made)
            elif made is not None:
                pending.append(made)
        hazards += known_hazards(pending, as_of)
    return hazards, points


def maker_from_row(
    layer: Layer, row: Any, catalogue: dict[str, AirDefenceSystem], as_of: datetime | None
) -> Maker:
    """A record from a current row (None when retired or unpublished)."""
    if getattr(row, "retired_at", None) is not None:
        return None
    if layer is Layer.CONFLICT_ZONES:
        zone = ConflictZone.model_validate(_fields(row, ConflictZone))
        return _maker(zone, to_shape(row.geom), catalogue, as_of)
    if layer is Layer.ENGAGEMENT_AREAS:
        area = EngagementArea.model_validate(_fields(row, EngagementArea))
        system = catalogue.get(area.system)
        stored = Envelope(
            row.radius_nm,
            row.lower_ft,
            row.upper_ft,
            to_shape(row.geom),
            ceiling_low(row.upper_ft, system),
            range_low(row.radius_nm, system),
        )
        return _maker(area, to_shape(row.site), catalogue, as_of, stored)
    incident = Incident.model_validate(_fields(row, Incident))
    return _maker(incident, to_shape(row.geom), catalogue, as_of)


def knowledge_times(connection: Connection) -> list[float]:
    """Every instant (POSIX seconds, sorted) at which what is known of the layers may change: a
    record published or withdrawn, an incident reported (not before it happened), a version
    written, and the times the versions themselves carry. Two `as_of` times with none of these
    between them know the same (extra instants only make more checkers, never wrong ones)."""
    statements = [
        "SELECT extract(epoch FROM published_at) FROM conflict_zones",
        "SELECT extract(epoch FROM withdrawn_at) FROM conflict_zones"
        " WHERE withdrawn_at IS NOT NULL",
        "SELECT extract(epoch FROM published_at) FROM engagement_areas",
        "SELECT extract(epoch FROM withdrawn_at) FROM engagement_areas"
        " WHERE withdrawn_at IS NOT NULL",
        "SELECT extract(epoch FROM greatest(published_at, occurred_at)) FROM incidents",
        "SELECT extract(epoch FROM recorded_at) FROM feature_versions",
        # Versions hold the times as they were: an edit may have moved a publication. Every
        # time a version carries counts (valid_from too: older versions start there).
        "SELECT extract(epoch FROM (feature->'properties'->>k)::timestamptz)"
        " FROM feature_versions, unnest(ARRAY['published_at', 'withdrawn_at', 'valid_from',"
        " 'occurred_at']) AS k WHERE feature->'properties'->>k IS NOT NULL",
    ]
    # One round trip: this runs again after every data change.
    union = text(" UNION ".join(f"({statement})" for statement in statements))
    return sorted(float(t) for t in connection.execute(union).scalars())
