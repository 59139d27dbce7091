"""How a resource is shown: the API.md resource object, built from either of its two faces."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from catalog.center.models import AuditEvent, Resource


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _envelope(resource: Resource, body: dict[str, Any], status: str) -> dict[str, Any]:
    return {
        **body,
        "id": str(resource.id),
        "code": resource.code,
        "status": status,
        "version": resource.version,
        "origin": {
            "code": resource.origin_code,
            "name": resource.origin_name,
            "url": resource.origin_url,
        },
        "path": list(resource.path),
        "published_on": _iso(resource.published_on),
        "created_at": _iso(resource.created_at),
        "updated_at": _iso(resource.updated_at),
        "has_draft": resource.draft is not None,
    }


def published_view(resource: Resource) -> dict[str, Any]:
    """The face everybody sees once the resource has been published (or retired)."""
    assert resource.published is not None
    view = _envelope(resource, resource.published, resource.status)
    view["department"] = {"code": resource.department_code, "name": resource.department_name}
    return view


def draft_view(resource: Resource, *, department_name: str) -> dict[str, Any]:
    """The working copy, with the review status of the copy itself."""
    assert resource.draft is not None
    body = resource.draft.body
    view = _envelope(resource, body, resource.draft.status)
    view["department"] = {"code": body["department_code"], "name": department_name}
    return view


def history_entry(event: AuditEvent, *, show_comment: bool) -> dict[str, Any]:
    """One line of a resource's history."""
    return {
        "at": _iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "from": event.from_status,
        "to": event.to_status,
        "version": event.version,
        "comment": event.comment if show_comment else None,
    }
