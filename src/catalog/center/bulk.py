"""The bulk path: many resources registered (and published) in one transaction (loads, the
folder walk, benchmarks).

It writes exactly what the one-by-one workflow writes (resource, audit entry, change feed row),
only in batches, so what it loads travels through the federation like any other publication.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from catalog.center import published_sets, search_index
from catalog.center import repository as repo
from catalog.center.codes import format_code
from catalog.center.errors import ValidationFailed
from catalog.center.models import AuditEvent, Resource, ResourceDraft, resource_code_seq
from catalog.center.node import Node
from catalog.center.permissions import Actor, require_admin, require_editor
from catalog.center.registry import new_local_resource
from catalog.center.schemas import ResourceBody
from catalog.center.views import published_view
from catalog.center.vocab import Status


def publish_bulk(
    session: Session, *, bodies: list[ResourceBody], actor: Actor, node: Node
) -> list[uuid.UUID]:
    """Register and publish `bodies` at once (admin only); returns their ids."""
    require_admin(actor)
    now = datetime.now(UTC)
    records = []
    # The resources are built as the workflow builds them, only to be shown (views and search
    # rows): they are written as one set, never through the ORM.
    for resource, body in zip(_new_resources(session, bodies, node, now), bodies, strict=True):
        resource.status, resource.version = Status.PUBLISHED, 1
        resource.published, resource.published_on = body.to_document(), now.date()
        search_row = search_index.row_for(resource)
        assert search_row is not None
        records.append(
            published_sets.PublishedRecord(
                id=resource.id,
                view=published_view(resource),
                search_row=search_row,
                department_id=resource.department_id,
                secret=resource.secret,
            )
        )
    published_sets.write(session, records, actor=actor.name, action="approve", comment="bulk load")
    session.commit()
    return [r.id for r in records]


def add_drafts(
    session: Session, *, bodies: list[ResourceBody], actor: Actor, node: Node
) -> list[Resource]:
    """Create drafts for `bodies` in the caller's transaction (not committed): what
    `registry.register_resource` does for one, in a handful of statements for all (the folder
    walk)."""
    for code in {body.department_code for body in bodies}:
        require_editor(actor, code)
    now = datetime.now(UTC)
    resources = _new_resources(session, bodies, node, now)
    for resource, body in zip(resources, bodies, strict=True):
        resource.draft = ResourceDraft(
            status=Status.DRAFT, body=body.to_document(), updated_by=actor.name, updated_at=now
        )
    session.add_all(resources)
    session.flush()
    _audit(session, resources, actor, action="create", to=Status.DRAFT, version=0)
    search_index.upsert(session, [row for r in resources if (row := search_index.row_for(r))])
    return resources


def _new_resources(
    session: Session, bodies: list[ResourceBody], node: Node, now: datetime
) -> list[Resource]:
    """Local resources for the bodies, with their codes (one sequence call for all)."""
    departments = {}
    for index, body in enumerate(bodies):
        code = body.department_code
        if code not in departments:
            department = repo.department_by_code(session, code)
            if department is None:
                raise ValidationFailed.on(f"{index}.department_code", f"unknown department {code}")
            departments[code] = department
    numbers = session.scalars(
        select(resource_code_seq.next_value()).select_from(func.generate_series(1, len(bodies)))
    ).all()
    resources = []
    for body, number in zip(bodies, numbers, strict=True):
        resource = new_local_resource(
            node=node,
            department=departments[body.department_code],
            code=format_code(body.classification[0].code, node.code, number),
            body=body,
        )
        resource.created_at = resource.updated_at = now
        resources.append(resource)
    return resources


def _audit(
    session: Session, resources: list[Resource], actor: Actor, *, action: str, to: str, version: int
) -> None:
    session.execute(
        insert(AuditEvent),
        [
            {
                "resource_id": r.id,
                "actor": actor.name,
                "action": action,
                "from_status": None,
                "to_status": to,
                "comment": "bulk load" if action == "approve" else None,
                "version": version,
            }
            for r in resources
        ],
    )
