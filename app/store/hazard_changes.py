"""What changed since a data version, as hazards: which keys a checker must drop and the
hazards that replace them, read from the features the version log names (migration 0006)."""

from dataclasses import dataclass

from sqlalchemy import Connection, Text, cast, select
from sqlalchemy.dialects import postgresql

from app.core.layers.records import ConflictZone, EngagementArea
from app.core.layers.vocabulary import Layer
from app.core.risk.hazard_records import HazardMaker, known_hazards
from app.core.risk.hazard_set import HazardKey
from app.core.risk.hazards import Hazard, HazardLayer
from app.store.hazard_loading import maker_from_row
from app.store.layer_writer import read_catalogue
from app.store.tables import LAYER_TABLES, dataset_state, layer_changes

# Beyond this many changed features a whole rebuild is as quick and leaves no masked copies.
MAX_CHANGED_FEATURES = 2_000
# The layers whose features become hazards (named as their tables); any other change (the
# systems catalogue) needs a whole build.
HAZARD_LAYERS = frozenset(layer.value for layer in HazardLayer)


@dataclass(frozen=True)
class HazardChanges:
    """From one data version to another: the keys to drop and the hazards to add."""

    version: int
    removed: frozenset[HazardKey]
    hazards: list[Hazard]
    incidents: list[Hazard]


def changes_since(connection: Connection, since_version: int) -> HazardChanges | None:
    """The changes after `since_version` up to now; None when only a whole rebuild will do
    (the log does not reach back that far, the catalogue changed, or too much changed)."""
    state = connection.execute(select(dataset_state.c.data_version, dataset_state.c.logged_from))
    version, logged_from = state.one()
    if since_version < logged_from:
        return None
    rows = connection.execute(
        select(layer_changes.c.layer, layer_changes.c.feature_id)
        .where(layer_changes.c.data_version > since_version)
        .distinct()
    ).all()
    if len(rows) > MAX_CHANGED_FEATURES or any(r.layer not in HAZARD_LAYERS for r in rows):
        return None
    changed: dict[str, set[str]] = {}
    for row in rows:
        changed.setdefault(row.layer, set()).add(row.feature_id)
    catalogue = read_catalogue(connection) if changed else {}
    hazards: list[Hazard] = []
    incidents: list[Hazard] = []
    removed: set[HazardKey] = set()
    for layer_name, ids in changed.items():
        layer = Layer(layer_name)
        removed |= {(HazardLayer(layer_name), feature_id) for feature_id in ids}
        table = LAYER_TABLES[layer_name]
        pending: list[tuple[ConflictZone | EngagementArea, HazardMaker]] = []
        for row in connection.execute(select(table).where(table.c.id.in_(ids))):
            made = maker_from_row(layer, row, catalogue, None)
            if isinstance(made, Hazard):
                incidents.append(made)
            elif made is not None:
                pending.append(made)
        if layer is Layer.INCIDENTS:
            continue
        # A hazard's end depends on the records that supersede it: read them too.
        successors: list[ConflictZone | EngagementArea] = []
        overlaps = table.c.supersedes.op("&&")(cast(sorted(ids), postgresql.ARRAY(Text)))
        query = select(table).where(overlaps, ~table.c.id.in_(ids))
        for row in connection.execute(query):
            made = maker_from_row(layer, row, catalogue, None)
            if isinstance(made, tuple):
                successors.append(made[0])
        hazards += known_hazards(pending, None, successors)
    return HazardChanges(version, frozenset(removed), hazards, incidents)
