"""Watched flights and their alerts in PostgreSQL, and which watches a change can affect."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, text

from app.core.units import METRES_PER_NM

# A watch is named by its key and its id (ids are each key's own).
WatchKey = tuple[int, str]


@dataclass(frozen=True)
class WatchRow:
    """A watch as stored."""

    id: str
    key_id: int
    request: dict[str, Any]
    schedule: dict[str, Any]
    notify_at_least: str | None
    last_departure: datetime
    expires_at: datetime
    hazards: list[str]
    last_results: dict[str, Any]
    checked_version: int
    created_at: datetime
    updated_at: datetime


_COLUMNS = (
    "id, key_id, request, schedule, notify_at_least, last_departure, expires_at, hazards,"
    " last_results, checked_version, created_at, updated_at"
)


def _row(mapping: Any) -> WatchRow:
    """A result row as a WatchRow."""
    return WatchRow(**{k: mapping[k] for k in WatchRow.__dataclass_fields__})


def _json(value: Any) -> str:
    """JSON text for a jsonb parameter."""
    return orjson.dumps(value).decode()


def insert_watch(
    connection: Connection, row: WatchRow, corridor_wkt: str, margin_nm: float
) -> bool:
    """Store a new watch; False when its id is taken."""
    inserted = connection.execute(
        text(
            f"INSERT INTO watches ({_COLUMNS}, corridor, corridor_margin_nm) VALUES (:id, :key_id,"  # noqa: S608 (constants only)
            " CAST(:request AS jsonb), CAST(:schedule AS jsonb), :notify_at_least,"
            " :last_departure, :expires_at, :hazards, CAST(:last_results AS jsonb),"
            " :checked_version, now(), now(), ST_Multi(ST_GeomFromText(:corridor, 4326)), :margin)"
            " ON CONFLICT (key_id, id) DO NOTHING RETURNING id"
        ),
        {**_values(row), "corridor": corridor_wkt, "margin": margin_nm},
    ).first()
    return inserted is not None


def _values(row: WatchRow) -> dict[str, Any]:
    """A row's columns as statement parameters."""
    return {
        "id": row.id, "key_id": row.key_id, "request": _json(row.request),
        "schedule": _json(row.schedule), "notify_at_least": row.notify_at_least,
        "last_departure": row.last_departure, "expires_at": row.expires_at,
        "hazards": row.hazards, "last_results": _json(row.last_results),
        "checked_version": row.checked_version,
    }  # fmt: skip


def replace_watch(
    connection: Connection, row: WatchRow, corridor_wkt: str, margin_nm: float
) -> bool:
    """Write a watch's new definition and results (a PATCH); False if it is gone."""
    return (
        connection.execute(
            text(
                "UPDATE watches SET request = CAST(:request AS jsonb),"
                " schedule = CAST(:schedule AS jsonb), notify_at_least = :notify_at_least,"
                " last_departure = :last_departure, expires_at = :expires_at, hazards = :hazards,"
                " last_results = CAST(:last_results AS jsonb), checked_version = :checked_version,"
                " corridor = ST_Multi(ST_GeomFromText(:corridor, 4326)),"
                " corridor_margin_nm = :margin, updated_at = now()"
                " WHERE id = :id AND key_id = :key_id RETURNING id"
            ),
            {**_values(row), "corridor": corridor_wkt, "margin": margin_nm},
        ).first()
        is not None
    )


def save_results(
    connection: Connection,
    key: WatchKey,
    hazards: list[str],
    results: dict[str, Any],
    version: int,
) -> None:
    """A watch's newest results (after a re-check), unless it was checked with a newer
    checker meanwhile."""
    connection.execute(
        text(
            "UPDATE watches SET hazards = :hazards, last_results = CAST(:results AS jsonb),"
            " checked_version = :version WHERE key_id = :key_id AND id = :id"
            " AND checked_version <= :version"
        ),
        {"key_id": key[0], "id": key[1], "hazards": hazards, "results": _json(results),
         "version": version},
    )  # fmt: skip


def get_watch(
    connection: Connection, key_id: int, watch_id: str, lock: bool = False
) -> WatchRow | None:
    """One key's watch (locked for update if asked), or None."""
    statement = f"SELECT {_COLUMNS} FROM watches WHERE key_id = :key_id AND id = :id"  # noqa: S608 (constants only)
    found = (
        connection.execute(
            text(statement + (" FOR UPDATE" if lock else "")), {"key_id": key_id, "id": watch_id}
        )
        .mappings()
        .first()
    )
    return _row(found) if found is not None else None


def watches_named(connection: Connection, watch_id: str) -> list[WatchRow]:
    """Every key's watch of this id (the command line looks watches up by id alone)."""
    statement = f"SELECT {_COLUMNS} FROM watches WHERE id = :id ORDER BY key_id"  # noqa: S608 (constants only)
    return [_row(r) for r in connection.execute(text(statement), {"id": watch_id}).mappings()]


def list_watches(connection: Connection, key_id: int | None, limit: int) -> list[WatchRow]:
    """Watches of one key (all keys' when None), newest first."""
    rows = connection.execute(
        text(
            f"SELECT {_COLUMNS} FROM watches WHERE (CAST(:key_id AS bigint) IS NULL"  # noqa: S608 (constants only)
            " OR key_id = :key_id) ORDER BY created_at DESC, id LIMIT :limit"
        ),
        {"key_id": key_id, "limit": limit},
    ).mappings()
    return [_row(r) for r in rows]


def delete_watch(connection: Connection, key_id: int, watch_id: str) -> bool:
    """Remove a key's watch and its alerts; False when there was none."""
    deleted = connection.execute(
        text("DELETE FROM watches WHERE key_id = :key_id AND id = :id RETURNING id"),
        {"key_id": key_id, "id": watch_id},
    ).first()
    return deleted is not None


# A changed feature can affect a watch whose last results hold it, or whose corridor passes
# within the watch's margin of the feature's geometry now, unless the feature takes effect only
# after the watch's last flight has landed. The box test (&&, on the index)
# comes first; it is widened by the margin in degrees (longitude degrees shrink towards the
# poles, so the widening grows; beyond 85° every longitude) and tried shifted by ±360° where it
# crosses the antimeridian. ST_DWithin on geography then decides, in metres on the spheroid.
_AFFECTED = """
WITH changed AS (
    SELECT c.layer, c.feature_id,
        coalesce(z.geom, e.geom, i.geom) AS geom,
        coalesce(z.valid_from, e.valid_from) AS valid_from
    FROM unnest(CAST(:layers AS text[]), CAST(:ids AS text[])) AS c (layer, feature_id)
    LEFT JOIN conflict_zones z ON c.layer = 'conflict_zones' AND z.id = c.feature_id
    LEFT JOIN engagement_areas e ON c.layer = 'engagement_areas' AND e.id = c.feature_id
    LEFT JOIN incidents i ON c.layer = 'incidents' AND i.id = c.feature_id
), boxes AS (
    SELECT geom, valid_from, ST_Expand(geom::box2d,
        CASE WHEN greatest(abs(ST_YMin(geom)), abs(ST_YMax(geom))) + :margin_deg >= 85 THEN 360
             ELSE :margin_deg / cos(radians(greatest(abs(ST_YMin(geom)), abs(ST_YMax(geom)))
                 + :margin_deg)) END,
        :margin_deg) AS box
    FROM changed WHERE geom IS NOT NULL
)
SELECT w.key_id, w.id FROM watches w JOIN api_keys k ON k.id = w.key_id AND k.revoked_at IS NULL
WHERE w.expires_at > :now AND (
    w.hazards && CAST(:keys AS text[])
    OR EXISTS (
        SELECT 1 FROM boxes b
        WHERE (b.valid_from IS NULL OR b.valid_from <= w.expires_at)
          AND (w.corridor && b.box
               OR w.corridor && ST_Translate(b.box::geometry, 360, 0)
               OR w.corridor && ST_Translate(b.box::geometry, -360, 0))
          AND ST_DWithin(w.corridor::geography, b.geom::geography,
                         w.corridor_margin_nm * :metres_per_nm)
    )
)
ORDER BY w.key_id, w.id
"""


def affected_watch_ids(
    connection: Connection, changed: list[tuple[str, str]], now: datetime, max_margin_nm: float
) -> list[WatchKey]:
    """Live watches that a change of these (layer, id) features can affect."""
    if not changed:
        return []
    return [
        (int(key_id), str(watch_id))
        for key_id, watch_id in connection.execute(
            text(_AFFECTED),
            {
                "layers": [layer for layer, _ in changed],
                "ids": [feature_id for _, feature_id in changed],
                "keys": [f"{layer}/{feature_id}" for layer, feature_id in changed],
                "margin_deg": max_margin_nm / 60.0,
                "now": now,
                "metres_per_nm": METRES_PER_NM,
            },
        )
    ]


def live_watches(connection: Connection, now: datetime) -> list[tuple[WatchKey, int, bool]]:
    """Every watch of a live key that has not expired: its key, the version it was last
    checked at, and whether it flies daily (a new day brings a new flight into its horizon)."""
    rows = connection.execute(
        text(
            "SELECT w.key_id, w.id, w.checked_version, w.schedule ? 'daily' FROM watches w"
            " JOIN api_keys k ON k.id = w.key_id AND k.revoked_at IS NULL"
            " WHERE w.expires_at > :now ORDER BY w.key_id, w.id"
        ),
        {"now": now},
    )
    return [((int(k), str(i)), int(v), bool(daily)) for k, i, v, daily in rows]


def mark_checked(
    connection: Connection, keys: list[WatchKey], version: int, pass_started: datetime
) -> None:
    """Watches a pass found unaffected are current up to its version (not those redefined
    meanwhile: their new definition was not considered)."""
    connection.execute(
        text(
            "UPDATE watches SET checked_version = :version WHERE (key_id, id) IN"
            " (SELECT * FROM unnest(CAST(:key_ids AS bigint[]), CAST(:ids AS text[])))"
            " AND checked_version < :version AND updated_at < :started"
        ),
        {
            "key_ids": [k for k, _ in keys],
            "ids": [i for _, i in keys],
            "version": version,
            "started": pass_started,
        },
    )


def stale_watches(connection: Connection, version: int, now: datetime) -> bool:
    """Whether a live watch was last checked before `version` (registered with an older checker
    while a pass moved the cursor on)."""
    return bool(
        connection.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM watches WHERE expires_at > :now"
                " AND checked_version < :version)"
            ),
            {"now": now, "version": version},
        ).scalar_one()
    )
