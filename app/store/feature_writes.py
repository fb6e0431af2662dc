"""Writes through the API: create, update, retire and review, each with a new version of the
feature and an audit row, in the caller's transaction (so a failed write writes nothing)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import Connection, func, insert, select
from sqlalchemy import update as sql_update

from app.core.layers.layer_file import Feature
from app.core.layers.records import AirDefenceSystem, ConflictZone, EngagementArea, Incident
from app.core.layers.vocabulary import Layer
from app.store.layer_writer import feature_rows
from app.store.tables import LAYER_TABLES, audit_log, feature_versions

RECORDS: dict[Layer, type[ConflictZone | EngagementArea | Incident]] = {
    Layer.CONFLICT_ZONES: ConflictZone,
    Layer.ENGAGEMENT_AREAS: EngagementArea,
    Layer.INCIDENTS: Incident,
}
# What else a stored feature shows besides its record's fields.
STATE_COLUMNS = ("retired_at", "created_at", "updated_at", "submitted_by", "reviewed_by",
                 "reviewed_at", "review_comment", "last_reviewed_at", "last_review_outcome",
                 "last_review_comment")  # fmt: skip


class FeatureConflict(Exception):
    """The id is taken (create) or the feature cannot take this change."""


class FeatureMissing(Exception):
    """No such feature (or it is retired)."""


def _json(value: Any) -> Any:
    """Values as JSON: times as RFC 3339, enums by value."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return getattr(value, "value", value)


def snapshot(
    connection: Connection, layer: Layer, feature_id: str, lock: bool = False
) -> dict[str, Any] | None:
    """The stored feature as GeoJSON (engagement areas by their site), or None.

    With lock, the row stays locked until the transaction ends, so that two writers (an edit
    and a review, two reviews) are served one after the other, each seeing the other's result.
    """
    table = LAYER_TABLES[layer.value]
    query = select(table).where(table.c.id == feature_id)
    row = connection.execute(query.with_for_update() if lock else query).first()
    if row is None:
        return None
    values = row._mapping
    geometry_column = "site" if layer is Layer.ENGAGEMENT_AREAS else "geom"
    properties = {
        name: _json(values[name]) for name in RECORDS[layer].model_fields if name in values
    }
    state = {name: _json(values[name]) for name in STATE_COLUMNS if name in values}
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": orjson.loads(shapely.to_geojson(to_shape(values[geometry_column]))),
        "properties": properties,
        "state": state,
    }


def _next_version(connection: Connection, layer: Layer, feature_id: str) -> int:
    current = connection.execute(
        select(func.max(feature_versions.c.version)).where(
            feature_versions.c.layer == layer.value, feature_versions.c.feature_id == feature_id
        )
    ).scalar_one()
    return int(current or 0) + 1


def _record(
    connection: Connection,
    layer: Layer,
    feature_id: str,
    key_id: int | None,
    change: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> int:
    """Append a version (the state after the change) and an audit row; return the version."""
    version = _next_version(connection, layer, feature_id)
    if version == 1 and before is not None:
        # The feature predates the API (a bundled one): its first version is how it was.
        connection.execute(
            insert(feature_versions).values(
                layer=layer.value, feature_id=feature_id, version=1, key_id=None,
                change="create", feature=before,
                recorded_at=before["state"].get("created_at") or func.now(),
            )
        )  # fmt: skip
        version = 2
    connection.execute(
        insert(feature_versions).values(
            layer=layer.value, feature_id=feature_id, version=version, key_id=key_id,
            change=change, feature=after if after is not None else before,
        )
    )  # fmt: skip
    connection.execute(
        insert(audit_log).values(
            key_id=key_id, action=f"{layer.value}.{change}", layer=layer.value,
            feature_id=feature_id, before=before, after=after,
        )
    )  # fmt: skip
    return version


def create(
    connection: Connection,
    layer: Layer,
    feature: Feature,
    key_id: int,
    catalogue: Mapping[str, AirDefenceSystem],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Insert a new feature; FeatureConflict if its id exists (retired ones too)."""
    table = LAYER_TABLES[layer.value]
    exists = connection.execute(select(table.c.id).where(table.c.id == feature.record.id)).first()
    if exists:
        raise FeatureConflict(f"{layer.value} {feature.record.id!r} already exists")
    (row,) = feature_rows(layer, [feature], catalogue)
    connection.execute(insert(table).values({**row, **(extra or {})}))
    after = snapshot(connection, layer, feature.record.id)
    _record(connection, layer, feature.record.id, key_id, "create", None, after)
    assert after is not None
    return after


def update(
    connection: Connection,
    layer: Layer,
    feature_id: str,
    feature: Feature,
    key_id: int,
    catalogue: Mapping[str, AirDefenceSystem],
    change: str = "update",
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Replace a feature's record and geometry with a checked new one."""
    table = LAYER_TABLES[layer.value]
    before = snapshot(connection, layer, feature_id, lock=True)
    if before is None or before["state"].get("retired_at"):
        raise FeatureMissing(f"no current {layer.value} {feature_id!r}")
    (row,) = feature_rows(layer, [feature], catalogue)
    row.pop("id", None)
    connection.execute(
        sql_update(table).where(table.c.id == feature_id).values({**row, **(extra or {})})
    )
    after = snapshot(connection, layer, feature_id)
    _record(connection, layer, feature_id, key_id, change, before, after)
    assert after is not None
    return after


def set_state(
    connection: Connection,
    layer: Layer,
    feature_id: str,
    key_id: int,
    change: str,
    values: Mapping[str, Any],
) -> dict[str, Any]:
    """Change state columns only (retire, review), versioned and audited."""
    table = LAYER_TABLES[layer.value]
    before = snapshot(connection, layer, feature_id, lock=True)
    if before is None or before["state"].get("retired_at"):
        raise FeatureMissing(f"no current {layer.value} {feature_id!r}")
    connection.execute(sql_update(table).where(table.c.id == feature_id).values(**values))
    after = snapshot(connection, layer, feature_id)
    _record(connection, layer, feature_id, key_id, change, before, after)
    assert after is not None
    return after


def history(connection: Connection, layer: Layer, feature_id: str) -> list[dict[str, Any]]:
    """Every version of a feature, oldest first (with a first version made from the row for
    features that predate the API and were never changed through it)."""
    rows = connection.execute(
        select(feature_versions)
        .where(feature_versions.c.layer == layer.value, feature_versions.c.feature_id == feature_id)
        .order_by(feature_versions.c.version)
    ).mappings()
    versions = [
        {
            "version": row["version"],
            "recorded_at": _json(row["recorded_at"]),
            "change": row["change"],
            "key_id": row["key_id"],
            "feature": row["feature"],
        }
        for row in rows
    ]
    if not versions:
        current = snapshot(connection, layer, feature_id)
        if current is not None:
            versions.append(
                {"version": 1, "recorded_at": current["state"].get("created_at"),
                 "change": "create", "key_id": None, "feature": current}
            )  # fmt: skip
    return versions
