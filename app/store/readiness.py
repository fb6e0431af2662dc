"""Whether the database can serve: reachable, PostGIS present, migrations at head."""

from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.store.migrations import head_revision


@dataclass
class Readiness:
    """The outcome of each check; ready only when all pass."""

    checks: dict[str, str] = field(default_factory=dict)
    ready: bool = False


def check_readiness(engine: Engine) -> Readiness:
    """Run the readiness checks against the database; a check that could not run says why."""
    result = Readiness()
    step = "database"
    try:
        with engine.connect() as connection:
            # Few round trips: under load each one waits for the GIL again.
            postgis, migrated = connection.execute(
                text(
                    "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'postgis'),"
                    " to_regclass('alembic_version') IS NOT NULL"
                )
            ).one()
            result.checks["database"] = "ok"
            step = "postgis"
            result.checks["postgis"] = f"ok ({postgis})" if postgis else "missing"
            step = "migrations"
            current = (
                connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if migrated
                else None
            )
            head = head_revision()
            result.checks["migrations"] = (
                f"ok ({current})" if current == head else f"at {current}, expected {head}"
            )
    except SQLAlchemyError as error:
        # The class name says enough; the message may carry the connection string.
        cause = type(error.__cause__ or error).__name__
        result.checks[step] = (
            f"unreachable ({cause})" if step == "database" else f"failed ({cause})"
        )
        for later in ("database", "postgis", "migrations"):
            result.checks.setdefault(later, "not checked (the database stopped answering)")
    result.ready = (
        all(value.startswith("ok") for value in result.checks.values()) and len(result.checks) == 3
    )
    return result
