"""Acquisition: who may have a resource's content, access requests and grants, the access log.

The rights of API.md ("Content and acquisition"), by the share type of the published resource:
`unconditional`, any authenticated user (federated readers included); `conditional`, the holder
of a live grant, the department, reviewers and admins; `none`, the department, reviewers and
admins only. Content always needs a user. A grant is an approved request; it is live through its
`until` date. A user is identified by username and the node that knows them, so a federated
reader's grant is theirs alone even if a local user has the same name.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.center import registry
from catalog.center.errors import (
    AccessDenied,
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from catalog.center.models import Resource
from catalog.center.node import Node
from catalog.center.permissions import Actor, require_reviewer, require_user, sees_unpublished
from catalog.center.service_models import AccessEvent, AccessRequest
from catalog.center.vocab import ShareType

MAX_GRANT_DAYS = 366


def share_type(resource: Resource) -> ShareType:
    """The share type that governs the content: the published face's, else the draft's."""
    body = resource.published or (resource.draft.body if resource.draft else {})
    return ShareType(body.get("share", {}).get("type", ShareType.NONE))


def identity(actor: Actor, node: Node) -> tuple[str, str]:
    """(username, node that knows the user)."""
    return actor.username or "", actor.home_node or node.code


def require_content_right(
    session: Session, resource: Resource, actor: Actor, node: Node, *, today: date | None = None
) -> None:
    """Refuse (403 access_denied) an actor without a right to this resource's content."""
    require_user(actor)
    if sees_unpublished(actor, registry.working_department(resource)):
        return
    if resource.published is None or resource.status != "published":
        raise AccessDenied("the resource is not published")
    kind = share_type(resource)
    if kind is ShareType.UNCONDITIONAL:
        return
    if kind is ShareType.CONDITIONAL:
        if live_grant(session, resource, actor, node, today=today) is not None:
            return
        raise AccessDenied(
            "this resource is shared on conditions: file an access request and wait for approval"
        )
    raise AccessDenied("this resource is not shared: its content is for its department only")


def live_grant(
    session: Session, resource: Resource, actor: Actor, node: Node, *, today: date | None = None
) -> AccessRequest | None:
    """The actor's approved request for this resource that is still in force."""
    username, home = identity(actor, node)
    return session.scalars(
        select(AccessRequest)
        .where(
            AccessRequest.resource_id == resource.id,
            AccessRequest.username == username,
            AccessRequest.user_node == home,
            AccessRequest.status == "approved",
            AccessRequest.until >= (today or date.today()),
        )
        .order_by(AccessRequest.until.desc())
    ).first()


def record_use(
    session: Session, resource: Resource, actor: Actor, action: str, **detail: Any
) -> None:
    """Log a use of content (download, dataset query), committed at once."""
    session.add(
        AccessEvent(resource_id=resource.id, actor=actor.name, action=action, detail=detail)
    )
    session.commit()


def request_access(
    session: Session,
    *,
    resource_id: uuid.UUID,
    actor: Actor,
    node: Node,
    purpose: str,
    until: date,
) -> dict[str, Any]:
    """File a request for a conditional resource (any user, federated readers too)."""
    require_user(actor)
    resource = registry.visible(session, resource_id, actor)
    if resource.status != "published":
        raise InvalidTransition("access can be requested to published resources only")
    kind = share_type(resource)
    if kind is ShareType.UNCONDITIONAL:
        raise Conflict("this resource is shared unconditionally: no request is needed")
    if kind is ShareType.NONE:
        raise Forbidden("this resource is not shared: access cannot be requested")
    today = date.today()
    if until <= today or until > today + timedelta(days=MAX_GRANT_DAYS):
        raise ValidationFailed.on("until", f"must be after today and within {MAX_GRANT_DAYS} days")
    username, home = identity(actor, node)
    pending = session.scalars(
        select(AccessRequest).where(
            AccessRequest.resource_id == resource.id,
            AccessRequest.username == username,
            AccessRequest.user_node == home,
            AccessRequest.status == "pending",
        )
    ).first()
    if pending is not None:
        raise Conflict(f"request {pending.id} for this resource is already pending")
    request = AccessRequest(
        id=uuid.uuid4(),
        resource_id=resource.id,
        username=username,
        user_node=home,
        purpose=purpose,
        until=until,
        status="pending",
    )
    session.add(request)
    session.add(
        AccessEvent(
            resource_id=resource.id,
            actor=actor.name,
            action="request",
            detail={"request_id": str(request.id), "until": until.isoformat()},
        )
    )
    session.flush()
    view = request_view(request, resource)
    session.commit()
    return view


def decide(
    session: Session,
    *,
    request_id: uuid.UUID,
    actor: Actor,
    approve: bool,
    reason: str | None = None,
) -> dict[str, Any]:
    """Approve (grant until the requested date) or deny (with a reason) a pending request."""
    require_reviewer(actor)
    request = session.get(AccessRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound(f"no access request {request_id}")
    if request.status != "pending":
        raise InvalidTransition(f"the request is already {request.status}")
    request.status = "approved" if approve else "denied"
    request.decided_by, request.decided_at = actor.name, datetime.now(UTC)
    request.reason = reason
    detail: dict[str, Any] = {"request_id": str(request.id), "user": _user(request)}
    if approve:
        detail["until"] = request.until.isoformat()
    else:
        detail["reason"] = reason
    session.add(
        AccessEvent(
            resource_id=request.resource_id,
            actor=actor.name,
            action="grant" if approve else "deny",
            detail=detail,
        )
    )
    resource = session.get(Resource, request.resource_id)
    assert resource is not None
    view = request_view(request, resource)
    session.commit()
    return view


def list_requests(session: Session, *, actor: Actor, node: Node) -> list[dict[str, Any]]:
    """Reviewers and admins see the node's requests; everyone else their own."""
    require_user(actor)
    query = select(AccessRequest, Resource).join(Resource).order_by(AccessRequest.created_at.desc())
    if not actor.is_reviewer:
        username, home = identity(actor, node)
        query = query.where(AccessRequest.username == username, AccessRequest.user_node == home)
    return [request_view(request, resource) for request, resource in session.execute(query)]


def request_view(request: AccessRequest, resource: Resource) -> dict[str, Any]:
    """An access request as the API shows it."""
    return {
        "id": str(request.id),
        "resource_id": str(request.resource_id),
        "resource_code": resource.code,
        "resource_name": (resource.published or {}).get("name"),
        "user": _user(request),
        "purpose": request.purpose,
        "until": request.until.isoformat(),
        "status": request.status,
        "decided_by": request.decided_by,
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
        "reason": request.reason,
        "created_at": request.created_at.isoformat() if request.created_at else None,
    }


def _user(request: AccessRequest) -> dict[str, str]:
    return {"username": request.username, "node": request.user_node}


def access_log(
    session: Session, *, resource_id: uuid.UUID, actor: Actor, limit: int
) -> list[dict[str, Any]]:
    """The newest entries of a resource's access log (its department, reviewers and admins)."""
    resource = registry.visible(session, resource_id, actor)
    if not sees_unpublished(actor, registry.working_department(resource)):
        raise Forbidden("the access log is for the department, reviewers and admins")
    events = session.scalars(
        select(AccessEvent)
        .where(AccessEvent.resource_id == resource.id)
        .order_by(AccessEvent.id.desc())
        .limit(limit)
    )
    return [
        {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
        for e in events
    ]
