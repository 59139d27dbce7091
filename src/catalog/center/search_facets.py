"""Facet counts of the unified directory, counted by PostgreSQL in one pass over the matches.

The counted rows carry their facet values and, per facet filter of the query, a flag saying
whether they pass it. A facet counts the rows passing every filter except its own, so a user sees
what switching to another value would give; the total counts the rows passing all of them.
`counted` returns the counts of all facets at once (GROUPING SETS), each grouping set tagged by
`grouping()`; `facets_of` turns those rows into API.md's facets, and `name_places` gives the
departments and nodes their names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, text, true
from sqlalchemy.orm import Session

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
    """The columns facets are counted on, from `search_doc` or an alias of it. Not the names:
    carrying them through the grouping cost a fifth of a pass (10,000 rows: 26 -> 21 ms), and
    `name_places` looks up the few that a facet shows."""
    return [c.origin_code, c.department_code, c.format, c.share, c.class_top]


def passes(c: Any, filters: Sequence[str], *, but: str | None = None) -> ColumnElement[bool]:
    """The row passes every facet filter (but one), by the `ok_<facet>` flags of `c`."""
    return and_(true(), *(c[f"ok_{name}"] == 1 for name in filters if name != but))


def counted(cte: Any, filters: Sequence[str], *, named: bool = False) -> Select[Any]:
    """Per grouping set: rows taken, rows passing all filters, then one count per filter (the
    rows passing every other filter); with `named`, last, the rows passing all filters whose
    `named` flag is set (`named_of` reads it, `facets_of` leaves it)."""
    c = cte.c
    dims = (c.origin_code, c.department_code, c.format, c.share, c.class_top)
    name_count = [func.count().filter(passes(c, filters), c.named == 1)] if named else []
    return select(
        func.grouping(*dims).label("g"),
        c.origin_code,
        c.department_code,
        c.format,
        c.share,
        c.class_top,
        func.count().label("taken"),
        func.count().filter(passes(c, filters)).label("passing"),
        *(func.count().filter(passes(c, filters, but=name)) for name in filters),
        *name_count,
    ).group_by(_GROUPING_SETS)


def named_of(rows: Sequence[Sequence[Any]]) -> int:
    """The named count (the last column) of `counted(..., named=True)`'s rows, in all."""
    return next((int(row[-1]) for row in rows if _SETS[row[0]] == "total"), 0)


def facets_of(
    rows: Sequence[Sequence[Any]], filters: Sequence[str], *, scale: float = 1.0
) -> tuple[int, int, Facets]:
    """(rows taken, total, facets) from the rows of `counted`; `scale` turns a sample's counts
    into estimates."""
    facets: Facets = {facet: [] for facet in FACETS}
    taken = total = 0
    for g, origin, dept, fmt, share, cls, all_rows, *counts in rows:
        kind = _SETS[g]
        n = counts[1 + filters.index(kind)] if kind in filters else counts[0]
        if kind == "total":
            taken, total = round(all_rows * scale), round(n * scale)
            continue
        if n == 0:
            continue
        n = max(1, round(n * scale))
        if kind == "department":
            facets[kind].append({"value": f"{origin}:{dept}", "label": dept, "count": n})
        elif kind == "node":
            facets[kind].append({"value": origin, "label": origin, "count": n})
        elif kind in ("format", "share"):
            value = fmt if kind == "format" else share
            facets[kind].append({"value": value, "label": LABELS.get(value, value), "count": n})
        elif cls:
            facets[kind].append({"value": cls, "label": class_label(cls), "count": n})
    for entries in facets.values():
        entries.sort(key=lambda e: (-e["count"], e["value"]))
    return taken, total, facets


_NAMES = text(
    """
    SELECT k.origin, k.code, (
        SELECT d.department_name FROM search_doc d
        WHERE d.department_code = k.code AND d.origin_code = k.origin AND d.status = :status
        ORDER BY d.published_on DESC, d.resource_id DESC LIMIT 1)
    FROM unnest(CAST(:origins AS text[]), CAST(:codes AS text[])) AS k(origin, code)
    UNION ALL
    SELECT k.origin, NULL, (
        SELECT d.origin_name FROM search_doc d
        WHERE d.origin_code = k.origin AND d.status = :status
        ORDER BY d.published_on DESC, d.resource_id DESC LIMIT 1)
    FROM unnest(CAST(:nodes AS text[])) AS k(origin)
    """
)


def name_places(session: Session, facets: Facets, *, status: str) -> Facets:
    """Label the department and node facets of `facets` (in place) with the names their
    newest record in `status` gives them: a department renamed since shows its new name."""
    departments = [entry["value"].split(":", 1) for entry in facets["department"]]
    nodes = [entry["value"] for entry in facets["node"]]
    if not departments and not nodes:
        return facets
    names: dict[tuple[str, str | None], str] = {}
    parameters = {
        "status": status,
        "origins": [origin for origin, _ in departments],
        "codes": [code for _, code in departments],
        "nodes": nodes,
    }
    for origin, code, name in session.execute(_NAMES, parameters):
        if name is not None:
            names[origin, code] = name
    for entry, (origin, code) in zip(facets["department"], departments, strict=True):
        entry["label"] = names.get((origin, code), code)
    for entry in facets["node"]:
        entry["label"] = names.get((entry["value"], None), entry["value"])
    return facets


def empty_facets() -> Facets:
    """Facets of no rows."""
    return {facet: [] for facet in FACETS}
