"""What PostGIS itself says a layer holds: the published records meeting an SQL condition, by
id — the independent answer GIS-client tests compare the service's answers with."""

from sqlalchemy import Engine, text

# What each collection publishes: current zones and areas, verified incidents.
PUBLISHED = {
    "conflict_zones": "retired_at IS NULL",
    "engagement_areas": "retired_at IS NULL",
    "incidents": "status = 'verified'",
}


def published_ids(engine: Engine, layer: str, condition: str) -> list[str]:
    """The ids of the layer's published records meeting the condition, sorted."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT id FROM {layer} WHERE {PUBLISHED[layer]} AND ({condition})")
        )
        return sorted(row[0] for row in rows)
