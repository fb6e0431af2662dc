"""Migrations go from empty to head, back to base, and up again."""

from datetime import timedelta

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
    "write_rate_buckets",
    "layer_changes",
    "watches",
    "watch_alerts",
    "watch_state",
    "webhook_subscriptions",
    "webhook_deliveries",
    "webhook_attempts",
    "navdata_cycles",
    "navdata_fixes",
    "navdata_airway_legs",
    "navdata_procedures",
    "screenings",
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
        assert gist == 4  # the three layers' geometries and the watches' corridors
    finally:
        drop_database(url)


def test_rows_from_before_the_lifecycle_get_honest_fill_ins() -> None:
    # A zone and an engagement area stored under 0002: the known end becomes "unconfirmed"
    # (it keeps counting once passed), publication is the start of validity, and the
    # engagement area's status becomes its site basis.
    url = new_database("lifecycle_upgrade")
    try:
        migrations.upgrade(url, "0002_writes")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO conflict_zones (id, name, level, valid_from, valid_to, authority,"
                    " sources, certainty, geom) VALUES ('old', 'Old', 1, '2025-01-09Z',"
                    " '2025-07-31Z', 'EASA', ARRAY['https://www.easa.europa.eu/'], 'high',"
                    " ST_GeomFromText('MULTIPOLYGON(((40 40, 42 40, 42 42, 40 40)))', 4326));"
                    "INSERT INTO conflict_zones (id, name, level, valid_to, authority,"
                    " sources, certainty, geom) VALUES ('ended', 'Ended', 1,"
                    " '2025-07-31Z', 'EASA', ARRAY['https://www.easa.europa.eu/'], 'high',"
                    " ST_GeomFromText('MULTIPOLYGON(((40 40, 42 40, 42 42, 40 40)))', 4326));"
                    "INSERT INTO air_defence_systems (id, name, range_nm, ceiling_ft, sources,"
                    " certainty) VALUES ('sam', 'SAM', 10, 40000, ARRAY['https://x.org/'], 'low');"
                    "INSERT INTO engagement_areas (id, name, system, site, radius_nm, status,"
                    " sources, certainty, geom) VALUES ('ea', 'EA', 'sam',"
                    " ST_SetSRID(ST_MakePoint(41, 41), 4326), 10, 'reported',"
                    " ARRAY['https://x.org/'], 'low',"
                    " ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(41, 41), 4326), 0.1)))"
                )
            )
        migrations.upgrade(url)
        with engine.connect() as connection:
            zone = (
                connection.execute(text("SELECT * FROM conflict_zones WHERE id = 'old'"))
                .mappings()
                .one()
            )
            ended = (
                connection.execute(text("SELECT * FROM conflict_zones WHERE id = 'ended'"))
                .mappings()
                .one()
            )
            area = connection.execute(text("SELECT * FROM engagement_areas")).mappings().one()
        engine.dispose()
        assert (zone["issuer"], zone["end_basis"], zone["instrument"]) == (
            "EASA", "unconfirmed", "not recorded"
        )  # fmt: skip
        assert zone["published_at"] == zone["valid_from"]
        assert area["site_basis"] == "reported"
        assert area["end_basis"] == "until_further_notice"
        assert area["published_at"] == area["created_at"] == area["valid_from"]
        # No start and an end before it was stored: it starts a second before its end.
        assert ended["valid_from"] == ended["valid_to"] - timedelta(seconds=1)
        assert ended["end_basis"] == "unconfirmed"
        # Down to 0002 and up again: the migration undoes itself cleanly.
        migrations.downgrade(url, "0002_writes")
        migrations.upgrade(url)
    finally:
        drop_database(url)
