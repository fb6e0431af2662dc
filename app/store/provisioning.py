"""Creating the service's database and its PostGIS extension when they are missing."""

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


class ProvisioningError(RuntimeError):
    """The database or PostGIS could not be made ready; the message says what to do."""


def _libpq_url(url: str, database: str | None = None) -> str:
    """A libpq URL (no SQLAlchemy driver suffix), optionally for another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def ensure_database(url: str) -> bool:
    """Create the database named in url if it does not exist; True when it was created."""
    name = make_url(url).database
    if not name:
        raise ProvisioningError(f"the database URL names no database: {make_url(url)!r}")
    try:
        with psycopg.connect(_libpq_url(url, "postgres"), autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if exists:
                return False
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    except psycopg.OperationalError as error:
        raise ProvisioningError(f"cannot reach PostgreSQL at {make_url(url)!r}: {error}") from error


def ensure_postgis(url: str) -> str:
    """Create the PostGIS extension in the database if needed; return its version."""
    try:
        with psycopg.connect(_libpq_url(url), autocommit=True) as connection:
            available = connection.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
            ).fetchone()
            if not available:
                raise ProvisioningError(
                    "PostGIS is not installed on the PostgreSQL server; install "
                    "postgresql-15-postgis-3 (make run does this when it runs as root)"
                )
            connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            row = connection.execute("SELECT postgis_lib_version()").fetchone()
            return str(row[0]) if row else "unknown"
    except psycopg.OperationalError as error:
        raise ProvisioningError(f"cannot reach PostgreSQL at {make_url(url)!r}: {error}") from error


def drop_database(url: str) -> None:
    """Drop a database (used for throw-away test databases)."""
    name = make_url(url).database
    with psycopg.connect(_libpq_url(url, "postgres"), autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name or ""))
        )
