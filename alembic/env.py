"""Alembic environment: migrations run on a connection handed over by catalog.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from catalog.center import service_models  # noqa: F401 - its tables are in Base.metadata too
from catalog.center.models import Base
from catalog.config import load_settings
from catalog.db import database_url, make_engine

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    # Run from the `alembic` command line: use the node's own settings.
    engine = make_engine(database_url(load_settings()))
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
