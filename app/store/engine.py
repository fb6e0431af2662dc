"""Database engines: a bounded pool, a statement timeout, UTC sessions, and least privilege:
every session runs as the service role (migration 0004) once it exists."""

from typing import Any

from sqlalchemy import Engine, create_engine, event

from app.settings import Settings

# Run as the role, if the database has it (before the migrations nothing needs protecting);
# set for the session and committed, so that the pool's rollbacks keep it.
ASSUME_ROLE = "SELECT set_config('role', rolname, false) FROM pg_roles WHERE rolname = %(role)s"


def make_engine(settings: Settings) -> Engine:
    """An engine whose pool is bounded and whose sessions run in UTC with a statement timeout."""
    engine = create_engine(
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
    if settings.db_service_role:
        role = settings.db_service_role

        @event.listens_for(engine, "connect")
        def _assume_role(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(ASSUME_ROLE, {"role": role})
            dbapi_connection.commit()

    return engine
