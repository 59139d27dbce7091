"""The inventory a centre reports: published resources by format, department and origin node.

The counts are kept, not counted: counting them from the records read the whole directory (2.3 s
at 1,000,000 records) for every call and every view of the staff dashboard. Triggers on
`search_doc` (migration 0011) add what each statement changed to `inventory_count`, so the
inventory is the sum of those rows, exact in the reader's snapshot like any other query. Every
write adds rows, so a reader that finds many first folds them into one row per value.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, cast, func, select, text
from sqlalchemy.orm import Session

from catalog.center.models import InventoryCount
from catalog.center.permissions import Actor
from catalog.center.search_facets import facets_of, name_places

# One row per facet value and secrecy is a few hundred rows; a set of a thousand records adds
# about a hundred.
FOLD_ABOVE = 2_000
_FOLD_LOCK = 0x696E_7665_6E74  # "invent"
_FOLD = text(
    """
    WITH gone AS (
        DELETE FROM inventory_count
        RETURNING grouping_set, origin_code, department_code, format, share, class_top, secret, n
    )
    INSERT INTO inventory_count (grouping_set, origin_code, department_code, format, share,
                                 class_top, secret, n)
    SELECT grouping_set, origin_code, department_code, format, share, class_top, secret, sum(n)
    FROM gone
    GROUP BY grouping_set, origin_code, department_code, format, share, class_top, secret
    HAVING sum(n) <> 0
    """
)
_KEY = (
    InventoryCount.grouping_set,
    InventoryCount.origin_code,
    InventoryCount.department_code,
    InventoryCount.format,
    InventoryCount.share,
    InventoryCount.class_top,
)


def inventory(session: Session, *, actor: Actor) -> dict[str, Any]:
    """Exact counts of published resources (secret ones only for reviewers and admins)."""
    fold_if_many(session)
    count = cast(func.sum(InventoryCount.n), BigInteger)
    # Rows taken and rows passing, as facets_of reads a count without filters.
    kept = select(*_KEY, count, count).group_by(*_KEY)
    if not actor.is_reviewer:
        kept = kept.where(InventoryCount.secret.is_(False))
    _, total, counts = facets_of(session.execute(kept).all(), [])
    return {"total": total, **name_places(session, counts, status="published")}


def fold_if_many(session: Session) -> bool:
    """Fold the counts into one row per value if they are more than FOLD_ABOVE rows, and commit;
    whether they were folded. One reader folds at a time; the others just read on, since the
    sums are the same either way."""
    rows = select(InventoryCount.id).limit(FOLD_ABOVE + 1).subquery()
    if (session.scalar(select(func.count()).select_from(rows)) or 0) <= FOLD_ABOVE:
        return False
    if not session.scalar(select(func.pg_try_advisory_xact_lock(_FOLD_LOCK))):
        return False
    session.execute(_FOLD)
    session.commit()
    return True
