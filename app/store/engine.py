"""Database engines: a bounded pool, a statement timeout, UTC sessions, and least privilege:
every session acts as the service role (migration 0004) once the database has granted it."""

from typing import Any

from sqlalchemy import Engine, create_engine, event

from app.settings import Settings

# Act as the role once this database has granted it its rights (migration 0004: before it,
# nothing needs protecting; the role itself is cluster-wide and may exist from another
# database). Set for the session and committed, so that the pool's rollbacks keep it.
ASSUME_ROLE = """
    SELECT set_config('role', rolname, false) FROM pg_roles
    WHERE rolname = %(role)s
      AND CASE WHEN to_regclass('public.dataset_state') IS NULL THEN false
               ELSE has_table_privilege(rolname, 'public.dataset_state', 'UPDATE') END
"""


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
