"""Alembic environment: migrations run on the service's own engine settings."""

from alembic import context
from sqlalchemy import create_engine, pool

from app.settings import get_settings

config = context.config
url = config.attributes.get("database_url") or get_settings().sqlalchemy_url


def run_migrations_online() -> None:
    """Run the migrations in one transaction on a dedicated connection."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
