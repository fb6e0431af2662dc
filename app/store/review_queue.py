"""The records editors must look at (rules in core/layers/review.py), read from the layers."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from app.core.layers.lifecycle import Lifecycle, replacements
from app.core.layers.review import attention
from app.core.layers.vocabulary import EndBasis, Layer
from app.store.tables import LAYER_TABLES

REVIEWED_LAYERS = (Layer.CONFLICT_ZONES, Layer.ENGAGEMENT_AREAS)


def _iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z."""
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def review_queue(connection: Connection, now: datetime) -> list[dict[str, Any]]:
    """Current zones and engagement areas that are lapsed, end within 30 days or have not been
    looked at for 90 days, most urgent first (lapsed, then by end, then by last look)."""
    items: list[dict[str, Any]] = []
    for layer in REVIEWED_LAYERS:
        table = LAYER_TABLES[layer.value]
        rows = connection.execute(
            select(table).where(table.c.retired_at.is_(None)).order_by(table.c.id)
        ).all()
        known = {
            row.id: (
                Lifecycle(
                    row.published_at, row.valid_from, row.valid_to, EndBasis(row.end_basis),
                    row.withdrawn_at, layer is Layer.CONFLICT_ZONES,
                ),
                tuple(row.supersedes),
            )
            for row in rows
        }  # fmt: skip
        replaced = replacements(known, None)
        for row in rows:
            lifecycle = known[row.id][0]
            looked_at = row.last_reviewed_at or row.updated_at
            found = attention(lifecycle, replaced.get(row.id), looked_at, now)
            if found is None:
                continue
            items.append(
                {
                    "layer": layer.value,
                    "id": row.id,
                    "name": row.name,
                    "issuer": row.issuer,
                    "reference": row.reference,
                    "status": found.status.value,
                    "reasons": list(found.reasons),
                    "valid_to": _iso(row.valid_to),
                    "end_basis": row.end_basis,
                    "last_reviewed_at": _iso(row.last_reviewed_at),
                    "last_review_outcome": row.last_review_outcome,
                    "updated_at": _iso(row.updated_at),
                }
            )
    items.sort(
        key=lambda i: (i["status"] != "lapsed_unconfirmed", i["valid_to"] or "9999", i["id"])
    )
    return items
