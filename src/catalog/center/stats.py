"""The inventory a centre reports: published resources by format, department and origin node."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.center.permissions import Actor
from catalog.center.search_plan import d
from catalog.center.vocab import LABELS, class_label


def inventory(session: Session, *, actor: Actor) -> dict[str, Any]:
    """Exact counts of published resources (secret ones only for reviewers and admins)."""
    published = [d.status == "published"]
    if not actor.is_reviewer:
        published.append(d.secret.is_(False))
    return {
        "total": int(session.scalar(select(func.count()).where(*published)) or 0),
        "format": _counts(session, published, d.format, labels=LABELS.get),
        "department": _counts(
            session,
            published,
            d.origin_code + ":" + d.department_code,
            label=func.max(d.department_name),
        ),
        "node": _counts(session, published, d.origin_code, label=func.max(d.origin_name)),
        "share": _counts(session, published, d.share, labels=LABELS.get),
        "classification": _counts(
            session, published, func.left(d.class_codes[1], 3), labels=class_label
        ),
    }


def _counts(
    session: Session,
    where: list[Any],
    value: Any,
    *,
    label: Any = None,
    labels: Any = None,
) -> list[dict[str, Any]]:
    columns = [value, label if label is not None else value, func.count()]
    rows = session.execute(select(*columns).where(*where).group_by(value)).all()
    entries = [
        {"value": v, "label": labels(v) if labels else name, "count": n}
        for v, name, n in rows
        if v is not None
    ]
    return sorted(entries, key=lambda e: (-e["count"], e["value"]))
