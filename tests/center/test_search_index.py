"""Search rows are written in the caller's transaction, as often as it asks."""

from __future__ import annotations

from sqlalchemy import select

from catalog.center import search_index
from catalog.center.bulk import publish_bulk
from catalog.center.models import Resource, SearchDoc
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from tests.factories import make_department, resource_body

NODE = Node(code="150400", name="赤峰市", url="http://chifeng.test")


def test_a_row_written_twice_in_one_transaction_keeps_the_second(session):
    make_department(session, "D01")
    body = ResourceBody.model_validate(resource_body(name="人口基础信息库"))
    [rid] = publish_bulk(session, bodies=[body], actor=Actor.operator(), node=NODE)
    row = search_index.row_for(session.get_one(Resource, rid))
    assert row is not None
    search_index.upsert(session, [{**row, "name_text": "第一次"}])
    search_index.upsert(session, [{**row, "name_text": "第二次"}])
    held = session.scalars(select(SearchDoc.name_text).where(SearchDoc.resource_id == rid)).all()
    assert held == ["第二次"]
