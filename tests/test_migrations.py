"""Migrations: the schema they build matches the models, and they go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from catalog.center import service_models  # noqa: F401 - its tables are in Base.metadata too
from catalog.center.bulk import publish_bulk
from catalog.center.models import Base
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.center.search_grid import record_cells
from catalog.db import downgrade, make_engine, make_sessionmaker, migrate
from tests.factories import make_department, resource_body


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


def test_boxes_indexed_before_the_grid_gain_its_cells_and_lose_them_going_down(fresh_database):
    engine = make_engine(fresh_database())
    box = [116.2, 41.3, 116.7, 41.8]
    with make_sessionmaker(engine)() as session:
        make_department(session, "D01")
        body = ResourceBody.model_validate(resource_body(name="图", spatial={"bbox": box}))
        node = Node(code="150000", name="内蒙古自治区", url="http://region.test")
        publish_bulk(session, bodies=[body], actor=Actor.operator(), node=node)
        session.commit()

    def cells() -> list[str]:
        with engine.connect() as connection:
            return sorted(
                connection.scalars(
                    text(
                        "SELECT e FROM search_doc, unnest(tsvector_to_array(lexemes)) AS e "
                        "WHERE e LIKE '#g%'"
                    )
                )
            )

    assert cells() == sorted(record_cells(*box))
    downgrade(engine, "0008")
    assert cells() == []
    migrate(engine)
    assert cells() == sorted(record_cells(*box))
    engine.dispose()


def test_feeds_written_before_one_row_per_resource_keep_only_each_resource_s_newest(
    fresh_database,
):
    engine = make_engine(fresh_database())
    downgrade(engine, "0011")
    rows = [("0b1c0e4e-0000-4000-8000-000000000001", v) for v in (1, 2, 3)]
    rows.append(("0b1c0e4e-0000-4000-8000-000000000002", 1))
    with engine.begin() as connection:
        for rid, version in rows:
            connection.execute(
                text(
                    "INSERT INTO change (resource_id, version, op, origin, path, payload) "
                    "VALUES (:rid, :version, 'upsert', '150400', '[\"150400\"]', '{}')"
                ),
                {"rid": rid, "version": version},
            )
    migrate(engine)
    with engine.connect() as connection:
        kept = connection.execute(
            text("SELECT CAST(resource_id AS text), version FROM change ORDER BY seq")
        ).all()
    assert kept == [rows[2], rows[3]]
    engine.dispose()


def test_resources_made_secret_before_the_withdrawn_flag_are_found_by_their_tombstones(
    fresh_database,
):
    engine = make_engine(fresh_database())
    with make_sessionmaker(engine)() as session:
        make_department(session, "D01")
        bodies = [ResourceBody.model_validate(resource_body(name=f"资源{n}")) for n in range(3)]
        node = Node(code="150000", name="内蒙古自治区", url="http://region.test")
        shared, never_shared, public = publish_bulk(
            session, bodies=bodies, actor=Actor.operator(), node=node
        )
        session.commit()
    downgrade(engine, "0012")
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE resource SET secret = true WHERE id IN (:a, :b)"),
            {"a": shared, "b": never_shared},
        )
        connection.execute(
            text(
                "INSERT INTO change (resource_id, version, op, origin, path, payload) "
                "VALUES (:id, 2, 'retire', '150000', '[\"150000\"]', NULL)"
            ),
            {"id": shared},
        )
    migrate(engine)
    with engine.connect() as connection:
        withdrawn = dict(connection.execute(text("SELECT id, withdrawn FROM resource")).all())
    assert withdrawn == {shared: True, never_shared: False, public: False}
    engine.dispose()
