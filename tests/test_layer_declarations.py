"""One declaration per layer: the record models in core/layers/records.py. The published
collections derive from them; the tables, the migrated database and the map's popups are
checked against them here, so a new field is one edit plus what these tests ask for."""

import re

import pytest
from sqlalchemy import Connection, text

from app.core.layers.collections import COLLECTIONS
from app.core.layers.records import AirDefenceSystem, ConflictZone, EngagementArea, Incident
from app.settings import PROJECT_ROOT
from app.store.tables import LAYER_TABLES, air_defence_systems

MODELS: dict[str, type[ConflictZone | EngagementArea | Incident]] = {
    "conflict_zones": ConflictZone, "engagement_areas": EngagementArea, "incidents": Incident,
}  # fmt: skip
# Columns a table has beyond its record: the geometry, timestamps, and state kept by the service.
STATE = {"geom", "site", "created_at", "updated_at", "retired_at", "last_reviewed_at",
         "last_review_outcome", "last_review_comment", "submitted_by", "reviewed_by",
         "reviewed_at", "review_comment"}  # fmt: skip
# Published properties that are not record fields: derived or kept by the service.
DERIVED = {"status", "site_lon", "site_lat", "created_at", "updated_at", "last_reviewed_at",
           "last_review_outcome"}  # fmt: skip


@pytest.mark.parametrize("layer", list(MODELS))
def test_every_record_field_has_a_column_and_no_column_is_unexplained(layer: str) -> None:
    fields = set(MODELS[layer].model_fields)
    columns = set(LAYER_TABLES[layer].c.keys())
    assert fields - columns == set()
    assert columns - fields - STATE == set()


def test_the_catalogue_table_matches_its_record() -> None:
    columns = set(air_defence_systems.c.keys()) - {"created_at", "updated_at"}
    assert columns == set(AirDefenceSystem.model_fields)


@pytest.mark.parametrize("table", [*LAYER_TABLES.values(), air_defence_systems])
def test_the_migrated_database_has_exactly_the_declared_columns(
    connection: Connection, table: object
) -> None:
    name = table.name  # type: ignore[attr-defined]
    found = set(
        connection.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
            {"t": name},
        ).scalars()
    )
    assert found == set(table.c.keys())  # type: ignore[attr-defined]


@pytest.mark.parametrize("layer", list(MODELS))
def test_collections_publish_every_record_field(layer: str) -> None:
    published = [p.name for p in COLLECTIONS[layer].properties]
    assert len(published) == len(set(published))
    assert set(published) >= set(MODELS[layer].model_fields) - {"id"}
    assert set(published) - set(MODELS[layer].model_fields) <= DERIVED


def test_the_map_reads_only_published_properties() -> None:
    script = (PROJECT_ROOT / "app" / "web" / "static" / "js" / "layers.js").read_text(
        encoding="utf-8"
    )
    # The layer popups: what a feature of the tiles shows (its properties, as p.<name>).
    popups = script[script.index("function popupContent(") : script.index("function popup(map")]
    used = set(re.findall(r"\bp\.([a-z_]+)", popups))
    # The id too: a tile's features carry it as an attribute (tests/test_tiles.py reads it).
    published = {p.name for c in COLLECTIONS.values() for p in c.properties} | {"id"}
    assert used, "the popups read feature properties as p.<name>"
    assert used - published == set()
