"""Applying and inspecting the Alembic migrations in migrations/."""

import functools

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from app.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    """The project's Alembic configuration, pointed at a database."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate a database up to a revision."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Migrate a database down to a revision."""
    command.downgrade(alembic_config(database_url), revision)


@functools.cache
def head_revision() -> str | None:
    """The newest revision the code knows (read from the scripts once: /readyz asks often)."""
    script = ScriptDirectory.from_config(alembic_config(""))
    return script.get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision a database is at (None when never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()
