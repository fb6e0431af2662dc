"""Importing layer files: good files are upserted by id; a bad file is refused whole, with the
feature and the field named, and leaves the database exactly as it was."""

from typing import Any

import pytest
from sqlalchemy import Connection, func, select, text

from app.core.layers.layer_file import LayerFileError
from app.core.layers.records import AirDefenceSystem
from app.core.layers.vocabulary import Layer
from app.store.layer_import import import_layer
from app.store.layer_stats import data_version
from app.store.layer_writer import write_systems
from app.store.tables import LAYER_TABLES
from tests import features as f

BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[40.0, 40.0], [42.0, 42.0], [42.0, 40.0], [40.0, 42.0], [40.0, 40.0]]],
}


def _snapshot(connection: Connection) -> tuple[int, ...]:
    """Row counts of every layer and the data version."""
    counts = [
        connection.execute(select(func.count()).select_from(t)).scalar_one()
        for t in LAYER_TABLES.values()
    ]
    return (*counts, data_version(connection))


def test_import_inserts_then_updates_by_id(connection: Connection) -> None:
    result = import_layer(connection, Layer.CONFLICT_ZONES, f.collection(f.zone()))
    assert (result.inserted, result.updated, result.unchanged) == (1, 0, 0)
    version = data_version(connection)

    again = import_layer(connection, Layer.CONFLICT_ZONES, f.collection(f.zone()))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    assert data_version(connection) == version

    changed = import_layer(connection, Layer.CONFLICT_ZONES, f.collection(f.zone(level=1)))
    assert (changed.inserted, changed.updated) == (0, 1)
    assert data_version(connection) == version + 1
    row = connection.execute(
        text(
            "SELECT level, ST_GeometryType(geom) AS kind FROM conflict_zones WHERE id = 'test-zone'"
        )
    ).one()
    assert (row.level, row.kind) == (1, "ST_MultiPolygon")


def test_engagement_area_takes_range_and_ceiling_from_the_catalogue(connection: Connection) -> None:
    write_systems(connection, [AirDefenceSystem.model_validate(f.system())])
    import_layer(connection, Layer.ENGAGEMENT_AREAS, f.collection(f.engagement_area()))
    row = connection.execute(
        text(
            "SELECT radius_nm, upper_ft, ST_GeometryType(geom) AS kind, "
            "ST_Distance(site::geography, ST_ExteriorRing(ST_GeometryN(geom, 1))::geography) "
            "AS edge_m FROM engagement_areas WHERE id = 'test-area'"
        )
    ).one()
    assert (row.radius_nm, row.upper_ft, row.kind) == (20.0, 40000, "ST_MultiPolygon")
    # PostGIS's own geodesic distance from the site to the nearest point of the ring: the
    # ring is 20 NM away within 0.1 % (straight edges may cut 0.02 % inside).
    assert row.edge_m == pytest.approx(20.0 * 1852.0, rel=1e-3)


BAD_FILES: list[Any] = [
    pytest.param(Layer.CONFLICT_ZONES, "{not json", None, "not valid JSON", id="broken-json"),
    pytest.param(
        Layer.CONFLICT_ZONES, '{"type": "Feature"}', "type", "FeatureCollection", id="not-fc"
    ),
    pytest.param(
        Layer.CONFLICT_ZONES,
        f.collection(f.zone(), f.zone(id="bowtie", geometry=BOWTIE)),
        "geometry",
        "self-intersection at lon 41.000000, lat 41.000000",
        id="self-intersecting",
    ),
    pytest.param(
        Layer.CONFLICT_ZONES,
        f.collection(f.zone(geometry={"type": "Point", "coordinates": [40.0, 40.0]})),
        "geometry",
        "'Point' is not one of",
        id="wrong-geometry-type",
    ),
    pytest.param(
        Layer.CONFLICT_ZONES,
        f.collection(
            f.zone(
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[40, 40], [200, 40], [40, 41], [40, 40]]],
                }
            )
        ),
        "geometry",
        "longitude 200",
        id="longitude-out-of-range",
    ),
    pytest.param(
        Layer.CONFLICT_ZONES,
        f.collection(f.zone(level=7)),
        "level",
        "Input should be 1",
        id="level",
    ),
    pytest.param(
        Layer.CONFLICT_ZONES,
        f.collection(f.zone(lower_ft=30000, upper_ft=20000)),
        "properties",
        "lower_ft (30000) must be below upper_ft (20000)",
        id="lower-above-upper",
    ),
    pytest.param(
        Layer.CONFLICT_ZONES,
        f.collection(f.zone(valid_from="2025-02-01T00:00:00Z", valid_to="2025-01-01T00:00:00Z")),
        "properties",
        "valid_from",
        id="ends-before-it-starts",
    ),
    pytest.param(
        Layer.CONFLICT_ZONES,
        f.collection(f.zone(sources=[])),
        "sources",
        "at least 1",
        id="no-sources",
    ),
    pytest.param(
        Layer.CONFLICT_ZONES,
        f.collection(f.zone(sources=["see the bulletin"])),
        "sources.0",
        "absolute http(s) URL",
        id="source-not-a-url",
    ),
    pytest.param(
        Layer.CONFLICT_ZONES,
        f.collection(f.zone(valid_from="2025-01-01T00:00:00")),
        "valid_from",
        "timezone",
        id="naive-time",
    ),
    pytest.param(
        Layer.CONFLICT_ZONES,
        f.collection(f.zone(colour="red")),
        "colour",
        "Extra inputs",
        id="unknown-field",
    ),
    pytest.param(
        Layer.INCIDENTS,
        f.collection(f.incident(occurred_at="2150-01-01T00:00:00Z")),
        "properties",
        "in the future",
        id="incident-in-future",
    ),
    pytest.param(
        Layer.ENGAGEMENT_AREAS,
        f.collection(f.engagement_area(system="s-900")),
        "system",
        "unknown system 's-900'",
        id="unknown-system",
    ),
]


@pytest.mark.parametrize(("layer", "document", "field", "reason"), BAD_FILES)
def test_bad_file_is_refused_and_writes_nothing(
    connection: Connection, layer: Layer, document: str, field: str | None, reason: str
) -> None:
    import_layer(connection, Layer.CONFLICT_ZONES, f.collection(f.zone(id="already-there")))
    before = _snapshot(connection)
    with pytest.raises(LayerFileError) as refused:
        import_layer(connection, layer, document)
    problems = refused.value.problems
    assert any(p.field == field and reason in p.reason for p in problems), problems
    assert _snapshot(connection) == before


def test_refusal_names_the_feature(connection: Connection) -> None:
    document = f.collection(f.zone(id="good"), f.zone(id="bad-one", level=0))
    with pytest.raises(LayerFileError) as refused:
        import_layer(connection, Layer.CONFLICT_ZONES, document)
    assert "feature 1 (id 'bad-one') field 'level'" in str(refused.value)
    assert connection.execute(text("SELECT count(*) FROM conflict_zones")).scalar_one() == 0


def test_duplicate_ids_in_one_file_are_refused(connection: Connection) -> None:
    with pytest.raises(LayerFileError, match="the same id appears twice"):
        import_layer(connection, Layer.CONFLICT_ZONES, f.collection(f.zone(), f.zone()))
