"""Catalogue entries: registration, the review workflow, and reading them back."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Response
from pydantic import BaseModel, Field

from catalog.api.deps import NodeDep, ReaderDep, SessionDep, UserDep, require_json
from catalog.center import exchange, registry
from catalog.center.errors import ValidationFailed
from catalog.center.schemas import ResourceBody, Storable
from catalog.center.vocab import Status

router = APIRouter(
    prefix="/api/v1/resources", dependencies=[Depends(require_json)], tags=["resources"]
)

ResourceId = uuid.UUID


class Reason(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=2000), Storable]


class OptionalReason(BaseModel):
    reason: Annotated[str | None, Field(max_length=2000), Storable] = None


class Comment(BaseModel):
    comment: Annotated[str | None, Field(max_length=2000), Storable] = None


@router.post("", status_code=201)
def register(
    body: ResourceBody, session: SessionDep, node: NodeDep, actor: UserDep
) -> dict[str, Any]:
    """Create a draft (cataloguer of the department, or admin); its code is assigned now."""
    return registry.register_resource(session, body=body, actor=actor, node=node)


@router.get("")
def list_or_find(
    session: SessionDep,
    actor: ReaderDep,
    code: str | None = None,
    status: Status | None = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Look a resource up by `code`, or page through the resources the caller may see."""
    if code is not None:
        items = registry.find_by_code(session, code=code, actor=actor)
        return {"items": items, "next_cursor": None}
    after = _cursor(cursor)
    items = registry.list_resources(
        session,
        actor=actor,
        status=status.value if status else None,
        department_code=department,
        after=after,
        limit=limit,
    )
    return {"items": items, "next_cursor": items[-1]["id"] if len(items) == limit else None}


@router.get("/{resource_id}", response_model=dict[str, Any])
def read(
    resource_id: ResourceId,
    session: SessionDep,
    actor: ReaderDep,
    format: Literal["json", "xml"] | None = None,
    accept: Annotated[str, Header()] = "",
) -> dict[str, Any] | Response:
    """The published version, or a never-published draft to those who may see it.

    `format=xml` (or an Accept header asking for XML and not JSON) gives the GB/T 21063.3
    encoding instead of JSON.
    """
    if format == "xml" or (format is None and "xml" in accept and "json" not in accept):
        document = exchange.resource_xml(session, resource_id=resource_id, actor=actor)
        return Response(document, media_type="application/xml")
    return registry.get_resource(session, resource_id=resource_id, actor=actor)


@router.get("/{resource_id}/draft")
def read_draft(resource_id: ResourceId, session: SessionDep, actor: UserDep) -> dict[str, Any]:
    """The working copy (department, reviewers, admins)."""
    return registry.get_draft(session, resource_id=resource_id, actor=actor)


@router.put("/{resource_id}")
def replace(
    resource_id: ResourceId, body: ResourceBody, session: SessionDep, node: NodeDep, actor: UserDep
) -> dict[str, Any]:
    """Replace the working draft (on a published resource: create or replace its new draft)."""
    return registry.replace_resource(
        session, resource_id=resource_id, body=body, actor=actor, node=node
    )


@router.post("/{resource_id}/submit")
def submit(
    resource_id: ResourceId, session: SessionDep, node: NodeDep, actor: UserDep
) -> dict[str, Any]:
    """draft -> submitted."""
    return registry.submit_resource(session, resource_id=resource_id, actor=actor, node=node)


@router.post("/{resource_id}/approve")
def approve(
    resource_id: ResourceId,
    session: SessionDep,
    node: NodeDep,
    actor: UserDep,
    body: Annotated[Comment | None, Body()] = None,
) -> dict[str, Any]:
    """submitted -> published (reviewer, admin)."""
    comment = body.comment if body else None
    return registry.approve_resource(
        session, resource_id=resource_id, actor=actor, node=node, comment=comment
    )


@router.post("/{resource_id}/reject")
def reject(
    resource_id: ResourceId, body: Reason, session: SessionDep, node: NodeDep, actor: UserDep
) -> dict[str, Any]:
    """submitted -> rejected, with a reason (reviewer, admin)."""
    return registry.reject_resource(
        session, resource_id=resource_id, actor=actor, node=node, reason=body.reason
    )


@router.post("/{resource_id}/retire")
def retire(
    resource_id: ResourceId,
    session: SessionDep,
    node: NodeDep,
    actor: UserDep,
    body: Annotated[OptionalReason | None, Body()] = None,
) -> dict[str, Any]:
    """published -> retired (reviewer, admin)."""
    reason = body.reason if body else None
    return registry.retire_resource(
        session, resource_id=resource_id, actor=actor, node=node, reason=reason
    )


@router.get("/{resource_id}/history")
def history(resource_id: ResourceId, session: SessionDep, actor: ReaderDep) -> list[dict[str, Any]]:
    """The resource's transitions, oldest first."""
    return registry.resource_history(session, resource_id=resource_id, actor=actor)


@router.get("/{resource_id}/locate")
def locate(resource_id: ResourceId, session: SessionDep, actor: ReaderDep) -> dict[str, Any]:
    """Where the resource lives: origin node, path and access links."""
    return registry.locate_resource(session, resource_id=resource_id, actor=actor)


def _cursor(cursor: str | None) -> uuid.UUID | None:
    if cursor is None:
        return None
    try:
        return uuid.UUID(cursor)
    except ValueError:
        raise ValidationFailed.on("cursor", "not a cursor this node issued") from None
