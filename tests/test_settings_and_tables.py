"""Settings precedence, and the Core tables agreeing with what the migrations build."""

import pytest
from sqlalchemy import Engine, inspect

from app.settings import Settings
from app.store.tables import metadata


def test_database_url_wins_over_the_prefixed_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRSPACE_RISK_DATABASE_URL", "postgresql://prefixed@127.0.0.1/a")
    monkeypatch.setenv("DATABASE_URL", "postgresql://plain@127.0.0.1/b")
    assert Settings().database_url == "postgresql://plain@127.0.0.1/b"
    monkeypatch.delenv("DATABASE_URL")
    assert Settings().database_url == "postgresql://prefixed@127.0.0.1/a"
    assert Settings().sqlalchemy_url.startswith("postgresql+psycopg://prefixed@")


def test_prefixed_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRSPACE_RISK_PORT", "8123")
    monkeypatch.setenv("AIRSPACE_RISK_MAX_BODY_BYTES", "2048")
    settings = Settings()
    assert (settings.port, settings.max_body_bytes) == (8123, 2048)


def test_non_postgres_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    with pytest.raises(ValueError, match=r"postgresql://"):
        Settings()


def test_core_tables_match_the_migrated_schema(engine: Engine) -> None:
    inspector = inspect(engine)
    for table in metadata.sorted_tables:
        migrated = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
        declared = {c.name: c.nullable or False for c in table.columns}
        # Primary keys are NOT NULL in the database whatever the Core declaration says.
        declared.update({c.name: False for c in table.primary_key.columns})
        assert migrated == declared, table.name
