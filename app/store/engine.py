"""Database engines: a bounded pool, a statement timeout, and UTC sessions."""

from sqlalchemy import Engine, create_engine

from app.settings import Settings


def make_engine(settings: Settings) -> Engine:
    """An engine whose pool is bounded and whose sessions run in UTC with a statement timeout."""
    return create_engine(
        settings.sqlalchemy_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_pre_ping=True,
        connect_args={
            "options": f"-c timezone=UTC -c statement_timeout={settings.db_statement_timeout_ms}",
            "application_name": "airspace-risk",
        },
    )
