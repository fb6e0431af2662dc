"""Upserting checked records into the layer tables, by id, in the caller's transaction."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import ColumnElement, Connection, Table, and_, exists, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert

from app.core.layers.engagement import UnknownSystem, resolve_envelope
from app.core.layers.layer_file import Feature, FeatureProblem, LayerFileError
from app.core.layers.records import AirDefenceSystem, EngagementArea
from app.core.layers.vocabulary import Layer
from app.store.tables import LAYER_TABLES, air_defence_systems, feature_versions

SERVER_KEPT = frozenset({"id", "created_at", "updated_at"})
EDITABLE_TABLES = frozenset(LAYER_TABLES)


@dataclass(frozen=True)
class WriteResult:
    """How many rows a write inserted, changed and left as they were."""

    inserted: int
    updated: int
    unchanged: int


def _upsert(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> WriteResult:
    """Insert rows, or update them by id where anything differs; count what happened."""
    if not rows:
        return WriteResult(0, 0, 0)
    inserting = insert(table).values(list(rows))
    # Only the columns the rows carry: a load must not reset retirement or review columns.
    columns = [name for name in rows[0] if name not in SERVER_KEPT]
    excluded = inserting.excluded
    changed = or_(*(table.c[name].is_distinct_from(excluded[name]) for name in columns))
    if table.name in EDITABLE_TABLES:
        # A feature edited through the API is the editors' now: a file never overwrites it.
        # The row being updated, named as SQL text: a Column would give the subquery a FROM of
        # its own (an INSERT's target does not correlate), and then one edited feature would
        # stop every other row from being updated.
        this_row_id: ColumnElement[str] = literal_column(f"{table.name}.id")
        edited = exists().where(
            feature_versions.c.layer == table.name,
            feature_versions.c.feature_id == this_row_id,
            feature_versions.c.key_id.is_not(None),
        )
        changed = and_(changed, ~edited)
    upserting = inserting.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={name: excluded[name] for name in columns},
        # Skip identical rows so that a repeated load leaves updated_at and data_version alone.
        where=changed,
    )
    # xmax = 0 only on a freshly inserted row version: it tells inserts from updates.
    statement: Any = upserting.returning(literal_column("(xmax = 0)").label("inserted"))
    flags = [bool(row.inserted) for row in connection.execute(statement)]
    inserted = sum(flags)
    updated = len(flags) - inserted
    return WriteResult(inserted, updated, len(rows) - len(flags))


def read_catalogue(connection: Connection) -> dict[str, AirDefenceSystem]:
    """The air-defence systems catalogue as stored."""
    rows = connection.execute(select(air_defence_systems)).mappings()
    fields = set(AirDefenceSystem.model_fields)
    return {
        row["id"]: AirDefenceSystem.model_validate({k: v for k, v in row.items() if k in fields})
        for row in rows
    }


def write_systems(connection: Connection, systems: Sequence[AirDefenceSystem]) -> WriteResult:
    """Upsert catalogue entries."""
    return _upsert(connection, air_defence_systems, [s.model_dump(mode="python") for s in systems])


def write_rows(
    connection: Connection, layer: Layer, rows: Sequence[Mapping[str, Any]]
) -> WriteResult:
    """Upsert prepared rows (see feature_rows) into a layer's table."""
    return _upsert(connection, LAYER_TABLES[layer.value], rows)


def feature_rows(
    layer: Layer, features: Sequence[Feature], catalogue: Mapping[str, AirDefenceSystem]
) -> list[dict[str, Any]]:
    """Table rows for checked features; engagement areas get their geodesic circle here."""
    rows: list[dict[str, Any]] = []
    problems: list[FeatureProblem] = []
    for index, feature in enumerate(features):
        row = feature.record.model_dump(mode="python")
        if isinstance(feature.record, EngagementArea):
            assert isinstance(feature.geometry, Point)
            try:
                envelope = resolve_envelope(feature.record, feature.geometry, catalogue)
            except UnknownSystem as error:
                problems.append(FeatureProblem(index, feature.record.id, "system", str(error)))
                continue
            except ValueError as error:
                problems.append(FeatureProblem(index, feature.record.id, "lower_ft", str(error)))
                continue
            row.update(
                radius_nm=envelope.radius_nm,
                upper_ft=envelope.upper_ft,
                site=from_shape(feature.geometry, srid=4326),
                geom=from_shape(envelope.circle, srid=4326),
            )
        else:
            row["geom"] = from_shape(feature.geometry, srid=4326)
        if layer is Layer.CONFLICT_ZONES:
            row["level"] = int(row["level"])
        rows.append(row)
    if problems:
        raise LayerFileError(problems)
    return rows
