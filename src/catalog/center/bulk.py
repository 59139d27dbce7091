"""The bulk path: many resources registered and published in one transaction (loads, benchmarks).

It writes exactly what the one-by-one workflow writes (resource, audit entry, change feed row),
only in batches, so what it loads travels through the federation like any other publication.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from catalog.center import feed, search_index
from catalog.center import repository as repo
from catalog.center.codes import format_code
from catalog.center.errors import ValidationFailed
from catalog.center.models import AuditEvent, resource_code_seq
from catalog.center.node import Node
from catalog.center.permissions import Actor, require_admin
from catalog.center.registry import new_local_resource
from catalog.center.schemas import ResourceBody
from catalog.center.vocab import Status


def publish_bulk(
    session: Session, *, bodies: list[ResourceBody], actor: Actor, node: Node
) -> list[uuid.UUID]:
    """Register and publish `bodies` at once (admin only); returns their ids."""
    require_admin(actor)
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
    now = datetime.now(UTC)
    resources = []
    for body, number in zip(bodies, numbers, strict=True):
        resource = new_local_resource(
            node=node,
            department=departments[body.department_code],
            code=format_code(body.classification[0].code, node.code, number),
            body=body,
        )
        resource.status, resource.version = Status.PUBLISHED, 1
        resource.published, resource.published_on = body.to_document(), now.date()
        resource.created_at = resource.updated_at = now
        resources.append(resource)
    session.add_all(resources)
    session.flush()
    session.execute(
        insert(AuditEvent),
        [
            {
                "resource_id": r.id,
                "actor": actor.name,
                "action": "approve",
                "from_status": None,
                "to_status": Status.PUBLISHED,
                "comment": "bulk load",
                "version": 1,
            }
            for r in resources
        ],
    )
    search_index.upsert(session, [row for r in resources if (row := search_index.row_for(r))])
    # Last: the feed lock is held from here to the commit, so other writers wait only this long.
    feed.record_publications(session, [r for r in resources if not r.secret])
    session.commit()
    return [r.id for r in resources]
