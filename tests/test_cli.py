"""The `catalog` command's administration: departments and users from the console."""

from __future__ import annotations

import gc
import json
import weakref

import pytest
from lxml import etree
from sqlalchemy import delete, select

from catalog.center import gbt21063
from catalog.center.bulk import publish_bulk
from catalog.center.models import Resource, SearchDoc
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.db import make_engine, make_sessionmaker
from tests.factories import resource_body


def test_users_create_prints_the_token_as_the_last_line(run):
    assert run("departments", "create", "D01", "赤峰市统计局").exit_code == 0
    result = run("users", "create", "liu", "--role", "cataloguer", "--department", "D01")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("ct_")


def test_a_cataloguer_without_department_is_refused_with_the_field(run):
    result = run("users", "create", "liu", "--role", "cataloguer")
    assert result.exit_code == 1
    assert "department_code" in result.output


def test_an_unknown_role_is_refused(run):
    result = run("users", "create", "liu", "--role", "boss")
    assert result.exit_code != 0


def test_a_duplicate_department_is_refused(run):
    run("departments", "create", "D01", "赤峰市统计局")
    result = run("departments", "create", "D01", "赤峰市统计局")
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_users_revoke_revokes_every_token(run):
    run("users", "create", "wang", "--role", "reader")
    run("users", "token", "wang")
    result = run("users", "revoke", "wang")
    assert result.exit_code == 0
    assert "2 token(s)" in result.output


def test_migrate_is_idempotent(run):
    assert run("migrate").exit_code == 0
    assert run("migrate").exit_code == 0


def test_a_command_frees_the_garbage_it_found_before_freezing_what_lives(run):
    class Cycle:
        pass

    gc.disable()  # no collection of its own on the way: only the command's can free it
    try:
        garbage = Cycle()
        garbage.me = garbage  # type: ignore[attr-defined]
        alive = weakref.ref(garbage)
        del garbage
        assert run("migrate").exit_code == 0
    finally:
        gc.enable()
    gc.collect()

    assert alive() is None  # frozen, it would never have been freed


def test_reindex_rebuilds_the_directory_from_the_records(run, env):
    assert run("departments", "create", "D01", "统计局").exit_code == 0
    engine = make_engine(env["CATALOG_DATABASE_URL"])
    with make_sessionmaker(engine)() as session:
        body = ResourceBody.model_validate(resource_body(name="林地资源分布图"))
        node = Node(code="150400", name="赤峰市", url="http://chifeng.test")
        publish_bulk(session, bodies=[body], actor=Actor.operator(), node=node)
        session.execute(delete(SearchDoc))
        session.commit()
    result = run("reindex")
    assert result.exit_code == 0, result.output
    assert "indexed 1 resources" in result.output
    with make_sessionmaker(engine)() as session:
        [name] = session.scalars(select(SearchDoc.name_text)).all()
    engine.dispose()
    assert name == "林地资源分布图"


def _publish(env, *names: str) -> None:
    engine = make_engine(env["CATALOG_DATABASE_URL"])
    with make_sessionmaker(engine)() as session:
        bodies = [ResourceBody.model_validate(resource_body(name=name)) for name in names]
        node = Node(code="150400", name="赤峰市", url="http://chifeng.test")
        publish_bulk(session, bodies=bodies, actor=Actor.operator(), node=node)
    engine.dispose()


def test_export_writes_a_metadata_set_that_validates(run, env, tmp_path):
    run("departments", "create", "D01", "统计局")
    _publish(env, "林地资源分布图", "草原监测数据")
    target = tmp_path / "catalogue.xml"
    result = run("export", str(target))
    assert result.exit_code == 0, result.output
    root = etree.parse(str(target)).getroot()
    gbt21063.schema().assertValid(root)
    assert sorted(r.findtext(f"{{{gbt21063.CORE}}}resTitle") for r in root) == [
        "林地资源分布图",
        "草原监测数据",
    ]


@pytest.mark.parametrize("format", ["xml", "jsonl"])
def test_an_export_imports_again_as_drafts(run, env, tmp_path, format):
    run("departments", "create", "D01", "统计局")
    _publish(env, "林地资源分布图")
    target = tmp_path / f"catalogue.{format}"
    assert run("export", str(target), "--format", format).exit_code == 0
    result = run("import", str(target), "--format", format)
    assert result.exit_code == 0, result.output
    assert "imported 1 records, refused 0" in result.output
    engine = make_engine(env["CATALOG_DATABASE_URL"])
    with make_sessionmaker(engine)() as session:
        statuses = sorted(session.scalars(select(Resource.status)).all())
    engine.dispose()
    assert statuses == ["draft", "published"]


def test_import_reports_each_refused_record_and_fails(run, env, tmp_path):
    run("departments", "create", "D01", "统计局")
    source = tmp_path / "records.jsonl"
    good = json.dumps(resource_body(name="地下水监测"))
    bad = json.dumps(resource_body(update_cycle="hourly"))
    source.write_text(f"{good}\n{bad}\n")
    result = run("import", str(source))
    assert result.exit_code == 1
    assert "record 1: validation_error: update_cycle" in result.output
    assert "imported 1 records, refused 1" in result.output
