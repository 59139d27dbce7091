"""Facet counts of the unified directory, counted by PostgreSQL in one pass over the matches.

The counted rows carry their facet values and, per facet filter of the query, a flag saying
whether they pass it. A facet counts the rows passing every filter except its own, so a user sees
what switching to another value would give; the total counts the rows passing all of them.
`counted` returns the counts of all facets at once (GROUPING SETS), each grouping set tagged by
`grouping()`; `facets_of` turns those rows into API.md's facets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, text, true

from catalog.center.vocab import LABELS, class_label

FACETS = ("department", "node", "format", "share", "classification")
Facet = list[dict[str, Any]]  # a facet's values, each with its label and count
Facets = dict[str, Facet]

_GROUPING_SETS = text(
    "GROUPING SETS ((origin_code, department_code), (origin_code), (format), (share), "
    "(class_top), ())"
)
# grouping() sets one bit per dimension left out of a set, the first dimension highest:
# origin 16, department 8, format 4, share 2, class_top 1.
_SETS = {0b00111: "department", 0b01111: "node", 0b11011: "format", 0b11101: "share"}
_SETS |= {0b11110: "classification", 0b11111: "total"}


def facet_columns(c: Any) -> list[Any]:
    """The columns facets are counted on, from `search_doc` or an alias of it."""
    return [
        c.origin_code,
        c.origin_name,
        c.department_code,
        c.department_name,
        c.format,
        c.share,
        c.class_top,
    ]


def passes(c: Any, filters: Sequence[str], *, but: str | None = None) -> ColumnElement[bool]:
    """The row passes every facet filter (but one), by the `ok_<facet>` flags of `c`."""
    return and_(true(), *(c[f"ok_{name}"] == 1 for name in filters if name != but))


def counted(cte: Any, filters: Sequence[str]) -> Select[Any]:
    """Per grouping set: rows taken, rows passing all filters, then one count per filter (the
    rows passing every other filter)."""
    c = cte.c
    dims = (c.origin_code, c.department_code, c.format, c.share, c.class_top)
    return select(
        func.grouping(*dims).label("g"),
        c.origin_code,
        func.max(c.origin_name).label("origin_name"),
        c.department_code,
        func.max(c.department_name).label("department_name"),
        c.format,
        c.share,
        c.class_top,
        func.count().label("taken"),
        func.count().filter(passes(c, filters)).label("passing"),
        *(func.count().filter(passes(c, filters, but=name)) for name in filters),
    ).group_by(_GROUPING_SETS)


def facets_of(
    rows: Sequence[Sequence[Any]], filters: Sequence[str], *, scale: float = 1.0
) -> tuple[int, int, Facets]:
    """(rows taken, total, facets) from the rows of `counted`; `scale` turns a sample's counts
    into estimates."""
    facets: Facets = {facet: [] for facet in FACETS}
    taken = total = 0
    for g, origin, origin_name, dept, dept_name, fmt, share, cls, all_rows, *counts in rows:
        kind = _SETS[g]
        n = counts[1 + filters.index(kind)] if kind in filters else counts[0]
        if kind == "total":
            taken, total = round(all_rows * scale), round(n * scale)
            continue
        if n == 0:
            continue
        n = max(1, round(n * scale))
        if kind == "department":
            facets[kind].append({"value": f"{origin}:{dept}", "label": dept_name, "count": n})
        elif kind == "node":
            facets[kind].append({"value": origin, "label": origin_name, "count": n})
        elif kind in ("format", "share"):
            value = fmt if kind == "format" else share
            facets[kind].append({"value": value, "label": LABELS.get(value, value), "count": n})
        elif cls:
            facets[kind].append({"value": cls, "label": class_label(cls), "count": n})
    for entries in facets.values():
        entries.sort(key=lambda e: (-e["count"], e["value"]))
    return taken, total, facets


def empty_facets() -> Facets:
    """Facets of no rows."""
    return {facet: [] for facet in FACETS}
