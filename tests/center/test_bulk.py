"""The bulk path publishes like the workflow does: codes, versions, audit and change feed."""

from __future__ import annotations

from sqlalchemy import func, select

from catalog.center.bulk import publish_bulk
from catalog.center.models import AuditEvent, Change, Resource
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
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
