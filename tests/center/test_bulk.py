"""The bulk path publishes like the workflow does: codes, versions, audit and change feed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog.center import registry
from catalog.center.bulk import add_drafts, publish_bulk
from catalog.center.errors import Forbidden
from catalog.center.models import AuditEvent, Change, Resource, SearchDoc
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.center.vocab import Role
from tests.factories import make_department, resource_body

NODE = Node(code="150400", name="赤峰市", url="http://chifeng.test")


def test_bulk_publication_writes_resources_audit_and_feed(session):
    make_department(session, "D01")
    bodies = [ResourceBody.model_validate(resource_body(name=f"资源{i}")) for i in range(5)]
    bodies.append(ResourceBody.model_validate(resource_body(name="涉密", secret=True)))
    ids = publish_bulk(session, bodies=bodies, actor=Actor.operator(), node=NODE)
    rows = session.scalars(select(Resource).where(Resource.id.in_(ids))).unique().all()
    assert {r.status for r in rows} == {"published"}
    assert {r.version for r in rows} == {1}
    assert len({r.code for r in rows}) == 6
    feed_ids = set(session.scalars(select(Change.resource_id).where(Change.resource_id.in_(ids))))
    assert len(feed_ids) == 5
    audits = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.resource_id.in_(ids))
    )
    assert audits == 6


def test_bulk_publication_stores_and_feeds_the_face_the_workflow_shows(session):
    make_department(session, "D01", "统计局")
    body = ResourceBody.model_validate(resource_body(name="人口基础信息库"))
    [rid] = publish_bulk(session, bodies=[body], actor=Actor.operator(), node=NODE)
    session.expire_all()
    resource = session.get(Resource, rid)
    assert resource.department_id is not None
    assert resource.path == ["150400"] and resource.published_on is not None
    shown = registry.face(session, resource)
    assert shown["department"] == {"code": "D01", "name": "统计局"}
    assert shown["name"] == "人口基础信息库" and shown["status"] == "published"
    payload = session.scalar(select(Change.payload).where(Change.resource_id == rid))
    assert payload == shown
    assert session.get(SearchDoc, rid).name_text == "人口基础信息库"


def test_a_secret_bulk_publication_is_indexed_as_secret_and_never_fed(session):
    make_department(session, "D01")
    body = ResourceBody.model_validate(resource_body(name="涉密", secret=True))
    [rid] = publish_bulk(session, bodies=[body], actor=Actor.operator(), node=NODE)
    assert session.get(SearchDoc, rid).secret is True
    assert session.scalar(select(func.count()).where(Change.resource_id == rid)) == 0


def test_bulk_drafts_are_what_registration_makes_and_never_enter_the_feed(session):
    make_department(session, "D01")
    bodies = [ResourceBody.model_validate(resource_body(name=f"草稿{i}")) for i in range(3)]
    resources = add_drafts(session, bodies=bodies, actor=Actor.operator(), node=NODE)
    session.flush()
    ids = [r.id for r in resources]
    assert {(r.status, r.version, r.draft.status) for r in resources} == {("draft", 0, "draft")}
    assert len({r.code for r in resources}) == 3
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.resource_id.in_(ids)))
    assert list(actions) == ["create"] * 3
    indexed = session.scalars(select(SearchDoc.status).where(SearchDoc.resource_id.in_(ids)))
    assert list(indexed) == ["draft"] * 3
    fed = session.scalar(
        select(func.count()).select_from(Change).where(Change.resource_id.in_(ids))
    )
    assert fed == 0


def test_bulk_drafts_keep_to_the_cataloguers_department(session):
    make_department(session, "D01")
    make_department(session, "D02")
    cataloguer = Actor(username="liu", role=Role.CATALOGUER, department_code="D02")
    body = ResourceBody.model_validate(resource_body(department_code="D01"))
    with pytest.raises(Forbidden):
        add_drafts(session, bodies=[body], actor=cataloguer, node=NODE)
