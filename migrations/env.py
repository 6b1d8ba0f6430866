"""Alembic environment: runs revisions on the engine handed in by graph.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from migrations import target_metadata

config = context.config


def run_migrations_online() -> None:
    """Run the migrations on the engine from the config, or on its sqlalchemy.url."""
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata(),
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise NotImplementedError("offline (SQL script) migrations are not supported")
run_migrations_online()
