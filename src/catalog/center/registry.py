"""Registration workflow, with a working draft beside a published version ("one id, two faces").

draft -> submitted -> published | rejected; rejected -> draft by editing; published -> retired.

Every function checks who may act, locks the resource for a transition, writes the audit log and
commits once, as its last step.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from catalog.center import feed, search_index
from catalog.center import repository as repo
from catalog.center.codes import allocate_code
from catalog.center.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from catalog.center.models import AuditEvent, Department, Resource, ResourceDraft
from catalog.center.node import Node
from catalog.center.permissions import (
    Actor,
    require_editor,
    require_reviewer,
    sees_unpublished,
)
from catalog.center.schemas import ResourceBody
from catalog.center.views import draft_view, history_entry, published_view
from catalog.center.vocab import Status


def register_resource(
    session: Session, *, body: ResourceBody, actor: Actor, node: Node
) -> dict[str, Any]:
    """Create a draft and give it its permanent code, in one transaction."""
    require_editor(actor, body.department_code)
    department = _department(session, body.department_code)
    code = allocate_code(
        session, classification_code=body.classification[0].code, node_code=node.code
    )
    resource = new_local_resource(node=node, department=department, code=code, body=body)
    resource.draft = ResourceDraft(
        status=Status.DRAFT, body=body.to_document(), updated_by=actor.name
    )
    session.add(resource)
    session.flush()
    _record(session, resource, actor, "create", None, Status.DRAFT)
    session.commit()
    return draft_view(resource, department_name=department.name)


def new_local_resource(
    *, node: Node, department: Department, code: str, body: ResourceBody
) -> Resource:
    """A resource originating here, before its first approval (status draft, version 0)."""
    return Resource(
        id=uuid.uuid4(),
        code=code,
        status=Status.DRAFT,
        version=0,
        origin_code=node.code,
        origin_name=node.name,
        origin_url=node.url,
        path=[node.code],
        department_id=department.id,
        department_code=department.code,
        department_name=department.name,
        secret=body.secret,
        published=None,
        draft=None,  # known to be absent: reading it later must not query the database
    )


def replace_resource(
    session: Session, *, resource_id: uuid.UUID, body: ResourceBody, actor: Actor, node: Node
) -> dict[str, Any]:
    """Replace the working draft; on a published resource this starts (or updates) a new draft."""
    resource = _for_transition(session, resource_id, actor, node)
    require_editor(actor, working_department(resource))
    if body.department_code != working_department(resource):
        require_editor(actor, body.department_code)
    department = _department(session, body.department_code)
    draft = resource.draft
    if resource.status == Status.RETIRED:
        raise InvalidTransition("a retired resource cannot be edited")
    if draft is not None and draft.status == Status.SUBMITTED:
        raise InvalidTransition("the resource is under review; it can be edited once rejected")
    before = draft.status if draft is not None else resource.status
    if draft is None:
        resource.draft = draft = ResourceDraft(status=Status.DRAFT, body={}, updated_by=actor.name)
    draft.body = body.to_document()
    draft.status = Status.DRAFT
    draft.updated_by = actor.name
    draft.updated_at = datetime.now(UTC)
    if resource.published is None:
        _set_department(resource, department)
        resource.status = Status.DRAFT
        resource.secret = body.secret
    _record(session, resource, actor, "edit", before, Status.DRAFT)
    session.commit()
    return draft_view(resource, department_name=department.name)


def submit_resource(
    session: Session, *, resource_id: uuid.UUID, actor: Actor, node: Node
) -> dict[str, Any]:
    """Hand the working draft to the reviewers."""
    resource = _for_transition(session, resource_id, actor, node)
    require_editor(actor, working_department(resource))
    draft = _draft_in(resource, Status.DRAFT, "submit")
    draft.status = Status.SUBMITTED
    if resource.published is None:
        resource.status = Status.SUBMITTED
    _record(session, resource, actor, "submit", Status.DRAFT, Status.SUBMITTED)
    session.commit()
    return _working_view(session, resource)


def approve_resource(
    session: Session,
    *,
    resource_id: uuid.UUID,
    actor: Actor,
    node: Node,
    comment: str | None = None,
) -> dict[str, Any]:
    """Publish the submitted draft: it becomes the published face and the version goes up."""
    resource = _for_transition(session, resource_id, actor, node)
    require_reviewer(actor)
    draft = _draft_in(resource, Status.SUBMITTED, "approve")
    department = _department(session, draft.body["department_code"])
    was_shared = resource.published is not None and not resource.secret
    now = datetime.now(UTC)
    resource.published = draft.body
    resource.secret = bool(draft.body.get("secret", False))
    resource.withdrawn = resource.secret and (was_shared or resource.withdrawn)
    _set_department(resource, department)
    resource.version += 1
    resource.status = Status.PUBLISHED
    resource.published_on = resource.published_on or now.date()
    resource.updated_at = now
    resource.draft = None
    _record(session, resource, actor, "approve", Status.SUBMITTED, Status.PUBLISHED, comment)
    feed.record_publication(session, resource, was_shared=was_shared)
    session.commit()
    return published_view(resource)


def reject_resource(
    session: Session, *, resource_id: uuid.UUID, actor: Actor, node: Node, reason: str
) -> dict[str, Any]:
    """Send the submitted draft back with a reason; a published version stays as it is."""
    resource = _for_transition(session, resource_id, actor, node)
    require_reviewer(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed.on("reason", "a rejection needs a reason")
    draft = _draft_in(resource, Status.SUBMITTED, "reject")
    draft.status = Status.REJECTED
    if resource.published is None:
        resource.status = Status.REJECTED
    _record(session, resource, actor, "reject", Status.SUBMITTED, Status.REJECTED, reason)
    session.commit()
    return _working_view(session, resource)


def retire_resource(
    session: Session, *, resource_id: uuid.UUID, actor: Actor, node: Node, reason: str | None
) -> dict[str, Any]:
    """Withdraw a published resource (a tombstone that propagates); a pending draft is discarded."""
    resource = _for_transition(session, resource_id, actor, node)
    require_reviewer(actor)
    if resource.status != Status.PUBLISHED:
        raise InvalidTransition(
            f"only a published resource can be retired, not a {resource.status} one"
        )
    resource.draft = None
    resource.version += 1
    resource.status = Status.RETIRED
    resource.updated_at = datetime.now(UTC)
    _record(session, resource, actor, "retire", Status.PUBLISHED, Status.RETIRED, reason or None)
    feed.record_publication(session, resource, was_shared=not resource.secret)
    session.commit()
    return published_view(resource)


def get_resource(session: Session, *, resource_id: uuid.UUID, actor: Actor) -> dict[str, Any]:
    """The published face, or the draft of a never-published resource to those who may see it."""
    return face(session, visible(session, resource_id, actor))


def get_draft(session: Session, *, resource_id: uuid.UUID, actor: Actor) -> dict[str, Any]:
    """The working copy, for its department, reviewers and admins."""
    resource = visible(session, resource_id, actor)
    if not sees_unpublished(actor, working_department(resource)):
        raise Forbidden("drafts are for their department, reviewers and admins")
    if resource.draft is None:
        raise NotFound("this resource has no working draft")
    return _working_view(session, resource)


def find_by_code(session: Session, *, code: str, actor: Actor) -> list[dict[str, Any]]:
    """The resource with this code, as a list of zero or one, honouring visibility."""
    resource = repo.resource_by_code(session, code)
    if resource is None or not _may_see(resource, actor):
        return []
    return [face(session, resource)]


def list_resources(
    session: Session,
    *,
    actor: Actor,
    status: str | None,
    department_code: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[dict[str, Any]]:
    """A page of the resources the actor may see, each by the face they see."""
    rows = repo.resources(
        session, status=status, department_code=department_code, after=after, limit=limit
    )
    return [face(session, resource) for resource in rows if _may_see(resource, actor)]


def review_queue(
    session: Session, *, actor: Actor, limit: int = 200
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Submitted working copies, oldest first, each with the published face it would replace."""
    require_reviewer(actor)
    queue = []
    for resource in repo.submitted(session, limit=limit):
        published = published_view(resource) if resource.published is not None else None
        queue.append((_working_view(session, resource), published))
    return queue


def resource_history(
    session: Session, *, resource_id: uuid.UUID, actor: Actor
) -> list[dict[str, Any]]:
    """Every transition; rejection comments only for the department, reviewers and admins."""
    resource = visible(session, resource_id, actor)
    insider = sees_unpublished(actor, working_department(resource))
    return [
        history_entry(event, show_comment=insider or event.action != "reject")
        for event in repo.audit_trail(session, resource.id)
    ]


def locate_resource(session: Session, *, resource_id: uuid.UUID, actor: Actor) -> dict[str, Any]:
    """Where a resource lives and how it is reached: its origin node, path and links."""
    return location(face(session, visible(session, resource_id, actor)))


def location(view: dict[str, Any]) -> dict[str, Any]:
    """The locate answer for a resource as shown (its face)."""
    return {
        "origin": view["origin"],
        "path": view["path"],
        "links": view.get("links", []),
        "acquire_url": f"{view['origin']['url']}/api/v1/resources/{view['id']}",
        # Where the content is listed and fetched, and where access is asked for: at the origin,
        # which a user of any ancestor reaches with the token they have (federated readers).
        "content_url": f"{view['origin']['url']}/api/v1/resources/{view['id']}/content",
        "access_request_url": (
            f"{view['origin']['url']}/api/v1/resources/{view['id']}/access-requests"
        ),
        "share": view.get("share", {}).get("type"),
    }


def face(session: Session, resource: Resource) -> dict[str, Any]:
    """The face a resource shows once visibility is settled: published if it ever was, else the
    working copy."""
    if resource.published is not None:
        return published_view(resource)
    return _working_view(session, resource)


def _may_see(resource: Resource, actor: Actor) -> bool:
    if sees_unpublished(actor, resource.department_code):
        return True
    if resource.draft is not None and sees_unpublished(actor, working_department(resource)):
        return True
    return resource.published is not None and not resource.secret


def visible(session: Session, resource_id: uuid.UUID, actor: Actor) -> Resource:
    resource = repo.resource(session, resource_id)
    if resource is None or not _may_see(resource, actor):
        raise NotFound(f"no resource {resource_id}")
    return resource


def _for_transition(session: Session, resource_id: uuid.UUID, actor: Actor, node: Node) -> Resource:
    """The resource, locked for a transition; copies from other nodes are read-only."""
    resource = repo.resource(session, resource_id, for_update=True)
    if resource is None or not _may_see(resource, actor):
        raise NotFound(f"no resource {resource_id}")
    if resource.origin_code != node.code:
        raise Forbidden(
            f"this is a copy from node {resource.origin_code}; only its origin may change it"
        )
    return resource


def working_department(resource: Resource) -> str:
    if resource.draft is not None:
        return str(resource.draft.body["department_code"])
    return resource.department_code


def _draft_in(resource: Resource, status: Status, action: str) -> ResourceDraft:
    draft = resource.draft
    current = draft.status if draft is not None else resource.status
    if draft is None or draft.status != status:
        raise InvalidTransition(f"cannot {action} a resource whose working copy is {current}")
    return draft


def _department(session: Session, code: str) -> Department:
    department = repo.department_by_code(session, code)
    if department is None:
        raise ValidationFailed.on("department_code", f"unknown department {code}")
    return department


def _set_department(resource: Resource, department: Department) -> None:
    resource.department_id = department.id
    resource.department_code = department.code
    resource.department_name = department.name


def _working_view(session: Session, resource: Resource) -> dict[str, Any]:
    code = working_department(resource)
    department = repo.department_by_code(session, code)
    return draft_view(resource, department_name=department.name if department else code)


def _record(
    session: Session,
    resource: Resource,
    actor: Actor,
    action: str,
    before: str | None,
    after: str,
    comment: str | None = None,
) -> None:
    """Log a transition and bring the resource's search row up to date, in its transaction."""
    search_index.refresh(session, resource)
    session.add(
        AuditEvent(
            resource_id=resource.id,
            actor=actor.name,
            action=action,
            from_status=before,
            to_status=after,
            comment=comment,
            version=resource.version,
        )
    )
