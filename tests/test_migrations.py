"""Migrations: the schema they build matches the models, and they go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from catalog.center import service_models  # noqa: F401 - its tables are in Base.metadata too
from catalog.center.models import Base
from catalog.db import downgrade, make_engine, migrate


def test_the_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(fresh_database):
    engine = make_engine(fresh_database())
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert "resource" in inspect(engine).get_table_names()
    engine.dispose()


def test_index_storage_parameters_match_the_models(engine):
    # compare_metadata does not look at WITH (...) parameters of indexes.
    with engine.connect() as connection:
        migrated = {
            name: sorted(options or [])
            for name, options in connection.execute(
                text("SELECT relname, reloptions FROM pg_class WHERE relkind = 'i'")
            )
        }
    for table in Base.metadata.tables.values():
        for index in table.indexes:
            wanted = index.dialect_options["postgresql"]["with"] or {}
            assert migrated[index.name] == sorted(f"{k}={v}" for k, v in wanted.items())
