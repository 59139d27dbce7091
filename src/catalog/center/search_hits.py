"""A directory search's hits: what each shows to list its resource and to locate it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.center.models import Resource, ResourceDraft
from catalog.center.search_plan import Key

_SUMMARY_COLUMNS = (
    "id",
    "code",
    "status",
    "version",
    "department_code",
    "department_name",
    "origin_code",
    "origin_name",
    "origin_url",
    "path",
    "published",
    "published_on",
)


def summaries(session: Session, keys: list[Key]) -> list[dict[str, Any]]:
    """The hits of a page, in the order of its keys."""
    ids = [key.id for key in keys]
    if not ids:
        return []
    # Plain rows, not ORM objects: a page of twenty hits spent more time becoming objects than
    # being read.
    r, draft = Resource.__table__.c, ResourceDraft.__table__.c
    rows = session.execute(
        select(*(r[name] for name in _SUMMARY_COLUMNS), draft.body.label("draft"))
        .outerjoin(ResourceDraft.__table__, draft.resource_id == r.id)
        .where(r.id.in_(ids))
    ).mappings()
    by_id = {row["id"]: row for row in rows}
    return [summary(by_id[i]) for i in ids if i in by_id]


def summary(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A hit: enough to list it and to locate the resource (origin node, department, links);
    `row` holds the resource's columns and its draft's body (`draft`, for the never published)."""
    published = row["published"]
    body: dict[str, Any] = published if published is not None else (row["draft"] or {})
    return {
        "id": str(row["id"]),
        "code": row["code"],
        "name": body.get("name"),
        "abstract": body.get("abstract"),
        "status": row["status"],
        "version": row["version"],
        "department": {"code": row["department_code"], "name": row["department_name"]},
        "origin": {
            "code": row["origin_code"],
            "name": row["origin_name"],
            "url": row["origin_url"],
        },
        "path": list(row["path"]),
        "format": body.get("format"),
        "share": {"type": (body.get("share") or {}).get("type")},
        "open": body.get("open"),
        "update_cycle": body.get("update_cycle"),
        "classification": body.get("classification", []),
        "keywords": body.get("keywords", []),
        "spatial": body.get("spatial"),
        "links": body.get("links", []),
        "published_on": row["published_on"].isoformat() if row["published_on"] else None,
        "locate_url": f"{row['origin_url']}/api/v1/resources/{row['id']}/locate",
    }
