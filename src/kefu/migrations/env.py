"""Alembic environment: the engine comes from kefu's bootstrap (settings), never from an ini file."""

from __future__ import annotations

from alembic import context

from kefu.adapters.db.tables import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
