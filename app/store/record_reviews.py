"""Recording an editor's review of a zone or engagement area: the record's new state, a version
and an audit row (and the successor's `supersedes`, when superseded), in the caller's
transaction."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from app.core.layers.layer_file import Feature
from app.core.layers.review import ReviewError, reviewed_properties, supersession_problem
from app.core.layers.vocabulary import Layer, ReviewOutcome
from app.store import feature_writes
from app.store.layer_writer import read_catalogue
from app.store.tables import LAYER_TABLES


def _current(connection: Connection, layer: Layer, feature_id: str) -> dict[str, Any]:
    """The stored feature, locked until the transaction ends; FeatureMissing if retired."""
    current = feature_writes.snapshot(connection, layer, feature_id, lock=True)
    if current is None or current["state"].get("retired_at"):
        raise feature_writes.FeatureMissing(f"no current {layer.value} {feature_id!r}")
    return current


def record(
    connection: Connection,
    layer: Layer,
    feature_id: str,
    key_id: int,
    now: datetime,
    outcome: ReviewOutcome,
    comment: str,
    sources: list[str],
    check: Callable[[dict[str, Any]], Feature],
    valid_to: datetime | None = None,
    withdrawn_at: datetime | None = None,
    reference: str | None = None,
    superseded_by: str | None = None,
) -> dict[str, Any]:
    """The reviewed feature; `check` turns a GeoJSON feature into a checked one (or refuses)."""
    current = _current(connection, layer, feature_id)
    catalogue = read_catalogue(connection)
    properties = reviewed_properties(
        current["properties"], outcome, now, sources, valid_to, withdrawn_at, reference
    )
    feature = check({"type": "Feature", "geometry": current["geometry"], "properties": properties})
    if superseded_by is not None:
        if superseded_by == feature_id:
            raise ReviewError("superseded_by", "a record cannot supersede itself")
        try:
            successor = _current(connection, layer, superseded_by)
        except feature_writes.FeatureMissing:
            raise ReviewError(
                "superseded_by", f"no current {layer.value} {superseded_by!r}"
            ) from None
        table = LAYER_TABLES[layer.value]
        chains = {
            row.id: list(row.supersedes)
            for row in connection.execute(select(table.c.id, table.c.supersedes))
        }
        problem = supersession_problem(
            feature_id, superseded_by, chains,
            datetime.fromisoformat(current["properties"]["published_at"]),
            datetime.fromisoformat(successor["properties"]["published_at"]),
        )  # fmt: skip
        if problem is not None:
            raise ReviewError("superseded_by", problem)
        listed = successor["properties"].get("supersedes") or []
        if feature_id not in listed:
            changed = {**successor["properties"], "supersedes": [*listed, feature_id]}
            checked = check(
                {"type": "Feature", "geometry": successor["geometry"], "properties": changed}
            )
            feature_writes.update(connection, layer, superseded_by, checked, key_id, catalogue)
    review_state = {
        "last_reviewed_at": now,
        "last_review_outcome": outcome.value,
        "last_review_comment": comment,
    }
    return feature_writes.update(
        connection, layer, feature_id, feature, key_id, catalogue, change="review",
        extra=review_state,
    )  # fmt: skip
