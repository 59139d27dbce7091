"""The inventory a centre reports: published resources by format, department and origin node."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.center.permissions import Actor
from catalog.center.search import d, facet_columns, facets_from_rows, grouped_counts


def inventory(session: Session, *, actor: Actor) -> dict[str, Any]:
    """Exact counts of published resources (secret ones only for reviewers and admins)."""
    published = select(*facet_columns(d)).where(d.status == "published")
    if not actor.is_reviewer:
        published = published.where(d.secret.is_(False))
    rows = session.execute(grouped_counts(published.cte("published"))).all()
    total, counts = facets_from_rows(rows, scale=1.0)
    return {
        "total": total,
        "format": counts["format"],
        "department": counts["department"],
        "node": counts["node"],
        "share": counts["share"],
        "classification": counts["classification"],
    }
