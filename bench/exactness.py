"""Whether the directory kept its promise over a query mix: an answer it estimated
(`total_exact: false`) must have had more matches than its exact limit (10,000).

A search decides to estimate from estimates of its own (the planner's, a block sample's), and
those can be wrong in the dangerous direction: PostgreSQL expected 21,892 records of `乌海`
among a city's where there were none, and the answer said "over 10,000". Each estimated answer's
matches are counted here with the plan's own conditions, row by row (no index estimate involved).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from catalog.center import search as directory
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.search_plan import SearchQuery, d, make_plan

_QUERY = TypeAdapter(SearchQuery)


def search_query(params: dict[str, Any]) -> SearchQuery:
    """The query the API makes of these parameters (strings, as sent): pydantic's conversions."""
    return _QUERY.validate_python(params)


def true_count(session: Session, params: dict[str, Any], node: Node) -> int:
    """How many records an anonymous reader's search with `params` matches, counted in full."""
    plan = make_plan(search_query(params), Actor.anonymous(), node)
    session.execute(text("SET LOCAL work_mem = '64MB'"))  # the bitmap stays exact
    matches = select(d.resource_id).where(*plan.where()).subquery()
    return int(session.scalar(select(func.count()).select_from(matches)) or 0)


def estimated_within_limit(
    session: Session, estimated: list[dict[str, Any]], node: Node
) -> list[dict[str, Any]]:
    """Of the parameters whose answers were estimated, those with as many matches as the exact
    limit or fewer (each an answer that should have been exact), with their counts."""
    out = []
    for params in estimated:
        count = true_count(session, params, node)
        if count <= directory.EXACT_LIMIT:
            out.append({**params, "true_count": count})
    return out
