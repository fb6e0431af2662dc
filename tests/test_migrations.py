"""Migrations go from empty to head, back to base, and up again."""

from sqlalchemy import create_engine, inspect, text

from app.store import migrations
from app.store.provisioning import drop_database
from tests.conftest import new_database

TABLES = {
    "conflict_zones",
    "engagement_areas",
    "incidents",
    "air_defence_systems",
    "dataset_state",
    "api_keys",
    "audit_log",
    "feature_versions",
    "idempotency_keys",
}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"spatial_ref_sys"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade() -> None:
    url = new_database("migrations")
    try:
        assert _tables(url) == set()
        migrations.upgrade(url)
        assert _tables(url) == TABLES | {"alembic_version"}
        migrations.downgrade(url, "base")
        assert _tables(url) == {"alembic_version"}
        migrations.upgrade(url)
        assert _tables(url) == TABLES | {"alembic_version"}
        engine = create_engine(url)
        with engine.connect() as connection:
            assert migrations.current_revision(connection) == migrations.head_revision()
            gist = connection.execute(
                text("SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")
            ).scalar_one()
        engine.dispose()
        assert gist == 3
    finally:
        drop_database(url)
