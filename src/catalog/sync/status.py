"""GET /api/v1/sync/status: how each link of this node is doing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from catalog.center.models import SyncPeer
from catalog.center.node import Node
from catalog.sync import outbox, peers


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _link(peer: SyncPeer, direction: str) -> dict[str, Any]:
    return {
        "direction": direction,
        "peer": {"code": peer.code, "name": peer.name, "url": peer.url},
        "enabled": peer.enabled,
        "epoch": peer.epoch,
        "cursor": peer.cursor,
        "last_success_at": _iso(peer.last_success_at),
        "last_error": peer.last_error,
        "last_error_at": _iso(peer.last_error_at),
        "sent": peer.sent,
        "received": peer.received,
    }


def sync_status(session: Session, *, parent_url: str | None) -> dict[str, Any]:
    """Per link: cursor, backlog, lag, last success and error, records sent and received."""
    now = datetime.now(UTC)
    links: list[dict[str, Any]] = []
    parent = peers.parent_link(session)
    if parent is not None or parent_url:
        cursor = parent.cursor if parent else 0
        count, oldest = outbox.backlog(session, cursor)
        link: dict[str, Any] = (
            _link(parent, "parent")
            if parent
            else {
                "direction": "parent",
                "peer": {"code": None, "name": None, "url": parent_url},
                "enabled": True,
                "epoch": None,
                "cursor": 0,
                "last_success_at": None,
                "last_error": "not contacted yet",
                "last_error_at": None,
                "sent": 0,
                "received": 0,
            }
        )
        link["backlog"] = count
        link["lag_seconds"] = round((now - oldest).total_seconds(), 3) if oldest else 0.0
        links.append(link)
    for child in peers.children(session):
        link = _link(child, "child")
        link["backlog"] = None  # known only to the child; see its own status
        since = child.last_success_at
        link["lag_seconds"] = round((now - since).total_seconds(), 3) if since else None
        links.append(link)
    return {"links": links, "head_seq": outbox.head_seq(session)}


def node_overview(session: Session, *, node: Node, parent_url: str | None) -> dict[str, Any]:
    """GET /api/v1/node: this centre, its parent and its direct children with their last sync."""
    parent = peers.parent_link(session)
    parent_view = None
    if parent is not None:
        parent_view = {
            "code": parent.code,
            "name": parent.name,
            "url": parent.url,
            "last_sync_at": _iso(parent.last_success_at),
        }
    elif parent_url:
        parent_view = {"code": None, "name": None, "url": parent_url, "last_sync_at": None}
    children = [
        {
            "code": child.code,
            "name": child.name,
            "url": child.url,
            "enabled": child.enabled,
            "last_sync_at": _iso(child.last_success_at),
        }
        for child in peers.children(session)
    ]
    return {**node.as_dict(), "parent": parent_view, "children": children}
