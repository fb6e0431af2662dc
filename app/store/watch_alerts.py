"""Alerts of watched flights, and how far changes and the clock have been re-checked."""

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, text


def claim_recheck_state(connection: Connection) -> tuple[int, datetime] | None:
    """The re-check cursor (version re-checked, clock checked), locked for this transaction;
    None while another process holds it (that one is re-checking)."""
    found = connection.execute(
        text("SELECT rechecked_version, clock_checked_at FROM watch_state FOR UPDATE SKIP LOCKED")
    ).first()
    return (int(found[0]), found[1]) if found is not None else None


def recheck_state(connection: Connection) -> tuple[int, datetime]:
    """The re-check cursor, without locking it."""
    found = connection.execute(
        text("SELECT rechecked_version, clock_checked_at FROM watch_state")
    ).one()
    return int(found[0]), found[1]


def advance_recheck_state(connection: Connection, version: int, clock: datetime) -> None:
    """Move the cursor (in the transaction that wrote the alerts up to it)."""
    connection.execute(
        text("UPDATE watch_state SET rechecked_version = :version, clock_checked_at = :clock"),
        {"version": version, "clock": clock},
    )


def changes_between(connection: Connection, after: int, upto: int) -> list[tuple[int, str, str]]:
    """(version, layer, feature id) logged for the versions after `after` up to `upto`."""
    rows = connection.execute(
        text(
            "SELECT DISTINCT data_version, layer, feature_id FROM layer_changes"
            " WHERE data_version > :after AND data_version <= :upto"
            " ORDER BY data_version, layer, feature_id"
        ),
        {"after": after, "upto": upto},
    )
    return [(int(v), str(layer), str(feature)) for v, layer, feature in rows]


def boundaries_between(
    connection: Connection, after: datetime, upto: datetime
) -> list[tuple[str, str]]:
    """Features with a time in (after, upto] at which what a check counts can change: a zone or
    engagement area published, taking effect, ending or withdrawn; an incident published. The
    clock passing one can change a check without any write."""
    columns = {
        "conflict_zones": ("published_at", "valid_from", "valid_to", "withdrawn_at"),
        "engagement_areas": ("published_at", "valid_from", "valid_to", "withdrawn_at"),
        "incidents": ("published_at",),
    }
    statement = " UNION ".join(
        f"SELECT '{table}', id FROM {table} WHERE "  # noqa: S608 (constants only)
        + " OR ".join(f"({c} > :after AND {c} <= :upto)" for c in times)
        for table, times in columns.items()
    )
    rows = connection.execute(text(statement), {"after": after, "upto": upto})
    return [(str(layer), str(feature)) for layer, feature in rows]


def feature_causes(connection: Connection, changed: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The records behind changes, with their sources, as an alert names them."""
    causes: list[dict[str, Any]] = []
    for table, name_column in (
        ("conflict_zones", "name"), ("engagement_areas", "name"), ("incidents", "flight"),
    ):  # fmt: skip
        ids = [feature_id for layer, feature_id in changed if layer == table]
        if not ids:
            continue
        rows = connection.execute(
            text(
                f"SELECT id, {name_column} AS name, sources, certainty, published_at"  # noqa: S608 (constants only)
                f" FROM {table} WHERE id = ANY(:ids) ORDER BY id"
            ),
            {"ids": ids},
        ).mappings()
        found = {row["id"]: row for row in rows}
        for feature_id in ids:
            row = found.get(feature_id)
            causes.append(
                {"layer": table, "id": feature_id, "present": row is not None}
                | (
                    {"name": row["name"], "sources": list(row["sources"] or []),
                     "certainty": row["certainty"],
                     "published_at": row["published_at"].isoformat().replace("+00:00", "Z")
                     if row["published_at"] else None}
                    if row is not None else {}
                )
            )  # fmt: skip
    return causes


def insert_alert(
    connection: Connection,
    key_id: int,
    watch_id: str,
    version: int,
    cause: list[dict[str, Any]],
    changes: list[dict[str, Any]],
    summary: dict[str, Any],
) -> tuple[int, datetime]:
    """Store an alert; its id and time."""
    row = connection.execute(
        text(
            "INSERT INTO watch_alerts (key_id, watch_id, data_version, cause, changes, summary)"
            " VALUES (:key_id, :watch_id, :version, CAST(:cause AS jsonb),"
            " CAST(:changes AS jsonb), CAST(:summary AS jsonb)) RETURNING id, created_at"
        ),
        {
            "key_id": key_id,
            "watch_id": watch_id,
            "version": version,
            "cause": orjson.dumps(cause).decode(),
            "changes": orjson.dumps(changes).decode(),
            "summary": orjson.dumps(summary).decode(),
        },
    ).one()
    return int(row[0]), row[1]


def list_alerts(
    connection: Connection, watch_id: str | None, key_id: int | None, after_id: int, limit: int
) -> list[dict[str, Any]]:
    """Alerts after an id, oldest first: of one key's watches (all keys' when None), of one
    watch id among them if given."""
    rows = connection.execute(
        text(
            "SELECT a.id, a.watch_id, a.created_at, a.data_version, a.cause, a.changes,"
            " a.summary FROM watch_alerts a"
            " WHERE a.id > :after AND (CAST(:watch_id AS text) IS NULL OR a.watch_id = :watch_id)"
            " AND (CAST(:key_id AS bigint) IS NULL OR a.key_id = :key_id)"
            " ORDER BY a.id LIMIT :limit"
        ),
        {"after": after_id, "watch_id": watch_id, "key_id": key_id, "limit": limit},
    ).mappings()
    return [dict(r) for r in rows]


def newest_alert_id(connection: Connection) -> int:
    """The newest alert's id (0 without any)."""
    return int(
        connection.execute(text("SELECT coalesce(max(id), 0) FROM watch_alerts")).scalar_one()
    )


def log_starts_at(connection: Connection) -> int:
    """The data version from which `layer_changes` is complete."""
    return int(connection.execute(text("SELECT logged_from FROM dataset_state")).scalar_one())
