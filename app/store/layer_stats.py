"""Counts and time ranges of each layer, for the stats command and for operators."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from app.store.tables import LAYER_TABLES, dataset_state


@dataclass(frozen=True)
class LayerStats:
    """How many features a layer holds and over which times they apply."""

    layer: str
    count: int
    earliest: datetime | None
    latest: datetime | None
    open_ended: int


def layer_stats(connection: Connection) -> list[LayerStats]:
    """Count and time span of every layer (validity, or occurred_at for incidents)."""
    result = []
    for name, table in LAYER_TABLES.items():
        if name == "incidents":
            start, end = table.c.occurred_at, table.c.occurred_at
            open_ended = func.count().filter(table.c.status == "pending")
        else:
            start, end = table.c.valid_from, table.c.valid_to
            open_ended = func.count().filter(table.c.valid_to.is_(None))
        row = connection.execute(
            select(func.count(), func.min(start), func.max(end), open_ended).select_from(table)
        ).one()
        result.append(LayerStats(name, row[0], row[1], row[2], row[3]))
    return result


def data_version(connection: Connection) -> int:
    """The counter that changes with every write to the layers."""
    return int(connection.execute(select(dataset_state.c.data_version)).scalar_one())
