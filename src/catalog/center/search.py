"""The unified directory: Chinese full-text search with filters, facets and keyset pages.

How a search runs, and why:
1. Up to `EXACT_LIMIT` matches, one statement counts them all (the bigram index finds the
   candidates, `strpos` keeps exactly those holding every term) and sorts the page: total and
   facets are exact. Each facet is counted without its own filter, so the statement takes the
   rows failing at most one facet filter.
2. Visiting `EXACT_LIMIT` rows only to learn that there are more is the slowest thing a search
   can do, so when PostgreSQL's statistics (or, for terms of three or more characters, whose
   bigrams the planner wrongly takes as independent, a block sample) expect many more, total and
   facets are estimated from a block sample of about `SAMPLE_ROWS` rows (`total_exact: false`),
   and the page is found by walking an index in the sort order, tier by tier: dense matches
   make such a walk short. Within a tier relevance orders by id, which no data is ever sorted
   by, so matches are spread evenly along that walk (newest first, a term found only in old
   records would make the walk pass every newer one). Name matches are counted first through
   their marked index entries; when they are few they are sorted in full, so no rare name
   match is skipped by the walk.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from catalog.center.models import Resource, SearchDoc
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.search_estimates import expected_taken, planned_rows, text_bound
from catalog.center.search_facets import (
    Facets,
    counted,
    empty_facets,
    facet_columns,
    facets_of,
    passes,
)
from catalog.center.search_plan import (
    Key,
    Plan,
    SearchQuery,
    d,
    encode_cursor,
    make_plan,
)

EXACT_LIMIT = 10_000
# Expecting more rows than these, a search skips a pass that would only find EXACT_LIMIT of them
# (the margins cover the planner's and the sample's errors).
PROBE_ALL_BELOW = 1.5 * EXACT_LIMIT
PROBE_MATCHES_BELOW = 2 * EXACT_LIMIT
SAMPLE_ROWS = 6_000
FEW_NAMES = 2_000  # name matches sorted in full; more are dense enough to find by walking

__all__ = ["EXACT_LIMIT", "SearchQuery", "search", "summary"]


Found = tuple[int, bool, Facets, list[Key]]  # total, whether exact, facets, the page's keys


def search(session: Session, *, query: SearchQuery, actor: Actor, node: Node) -> dict[str, Any]:
    """Run a directory search for `actor`: a page of hits, the total and the facets."""
    plan = make_plan(query, actor, node)
    total, exact, facets, keys = _find(session, plan)
    has_more = len(keys) > plan.limit
    keys = keys[: plan.limit]
    return {
        "total": total,
        "total_exact": exact,
        "items": _summaries(session, keys),
        "facets": facets,
        "next_cursor": encode_cursor(plan.sort, keys[-1]) if has_more and keys else None,
    }


def _find(session: Session, plan: Plan) -> Found:
    if plan.text is not None and plan.text.matches_nothing:
        return 0, True, empty_facets(), []
    # The bitmaps get room to stay exact, so no page is read for rows the index ruled out.
    session.execute(text("SET LOCAL work_mem = '32MB'"))
    if plan.text is not None:
        # Text goes through the bigram index: a sequential scan would test every row's lexemes.
        session.execute(text("SET LOCAL enable_seqscan = off"))
    # Compiling a plan to machine code costs more than these statements take to run.
    session.execute(text("SET LOCAL jit = off"))
    filters = list(plan.facet_filters())
    table = SearchDoc.__table__
    sampled: tuple[int, int, Facets] | None = None
    if plan.text is not None and max(map(len, plan.text.terms)) > 2:
        # The planner takes a long term's bigrams as independent and may expect hundreds of
        # matches where there are tens of thousands. Its statistics still bound how many
        # records hold the rarest bigram; unless that bound is low, a sample answers.
        expect_taken = expect_total = text_bound(session, plan.text)
        if expect_taken >= PROBE_ALL_BELOW:
            sampled = _sampled(session, plan)
            expect_taken, expect_total = float(sampled[0]), float(sampled[1])
    else:
        # PostgreSQL takes any box overlap to keep a fixed 0.5 % of the rows (it expected 4,998
        # of 1,000,000 where 131,768 overlapped), so the estimates leave the box out: an upper
        # bound still tells when a pass is cheap; when it does not, a sample says how many.
        unboxed = replace(plan, bbox=None)
        expect_total = planned_rows(session, _counted_for_estimate(unboxed, table))
        expect_taken = expected_taken(session, unboxed, expect_total)
        if plan.bbox is not None and expect_taken >= PROBE_ALL_BELOW:
            sampled = _sampled(session, plan)
            expect_taken, expect_total = float(sampled[0]), float(sampled[1])
    if expect_taken < PROBE_ALL_BELOW:
        # One pass counts every facet, each without its own filter, and sorts the page.
        taken, total, facets, keys = _probe(session, plan, strict=False)
        if taken <= EXACT_LIMIT:
            return total, True, facets, keys
    sampled = sampled or _sampled(session, plan)
    if filters and expect_total < PROBE_MATCHES_BELOW:
        # Many rows fail one filter, yet those passing all may be few enough to count.
        taken, total, exact_facets, keys = _probe(session, plan, strict=True)
        if taken <= EXACT_LIMIT:
            facets = {k: (sampled[2] if k in filters else exact_facets)[k] for k in exact_facets}
            return total, True, facets, keys
    return max(sampled[1], EXACT_LIMIT + 1), False, sampled[2], _walk(session, plan)


# -- counting ------------------------------------------------------------------------------------


def _rows(plan: Plan, table: Any, *, indexed: bool = True, strict: bool = False) -> Select[Any]:
    """The rows that count for the total or some facet: those passing every base condition and
    failing at most one facet filter, with a pass flag per filter (`strict`: passing all)."""
    c = table.c
    # Where the bigram index condition holds the facet filters, no other index should.
    filters = plan.facet_filters(c, indexable=not (indexed and plan.text is not None))
    tier = plan.tier() if table is SearchDoc.__table__ else literal(0)
    flags = [] if strict else [case((f, 1), else_=0).label(f"ok_{n}") for n, f in filters.items()]
    query = select(
        c.resource_id, c.published_on, tier.label("tier"), *facet_columns(c), *flags
    ).where(*plan.base(c, indexed=indexed, facets_indexed=strict))
    if strict:
        if indexed and plan.text is None and (entries := plan.entries_index(c)) is not None:
            query = query.where(entries)
        return query.where(*filters.values())
    if len(filters) > 1:
        failed = sum((case((f, 0), else_=1) for f in filters.values()), start=literal(0))
        query = query.where(failed <= 1)
    return query


def _counted_for_estimate(plan: Plan, table: Any) -> Select[Any]:
    """The rows passing every condition, as PostgreSQL estimates them best: with text, through
    the index condition alone, which holds the facet filters already; without, through the
    columns alone (both would count each filter twice)."""
    if plan.text is None:
        return _rows(plan, table, indexed=False, strict=True)
    return select(table.c.resource_id).where(*plan.base(table.c, facets_indexed=True))


def _probe(session: Session, plan: Plan, *, strict: bool) -> tuple[int, int, Facets, list[Key]]:
    """One statement over at most EXACT_LIMIT + 1 counted rows: (rows taken, total, facets,
    the page's keys). The page is only right when the rows taken are at most EXACT_LIMIT."""
    filters = [] if strict else list(plan.facet_filters())
    m = _rows(plan, SearchDoc.__table__, strict=strict).limit(EXACT_LIMIT + 1).cte("m")
    counts = counted(m, filters)
    page = (
        select(m.c.tier, m.c.published_on, m.c.resource_id)
        .where(passes(m.c, filters), _after(plan, m.c, plan.after, ranked=True))
        .order_by(*_order(plan, m.c, ranked=True))
        .limit(plan.limit + 1)
        .subquery()
    )
    width = len(counts.selected_columns)
    statement: CompoundSelect[Any] = union_all(
        counts.add_columns(null(), null(), null()),
        select(*([null()] * width), page.c.tier, page.c.published_on, page.c.resource_id),
    )
    rows = session.execute(statement).all()
    counted_rows = [row[:width] for row in rows if row[0] is not None]
    keys = [Key(int(row[-3]), row[-2], row[-1]) for row in rows if row[0] is None]
    taken, total, facets = facets_of(counted_rows, filters)
    return taken, total, facets, keys


def _sampled(session: Session, plan: Plan) -> tuple[int, int, Facets]:
    """(rows taken, total, facets) estimated from a fixed block sample of about SAMPLE_ROWS."""
    percent = _sample_percent(session)
    table = SearchDoc.__table__.tablesample(func.system(percent), name="s", seed=literal(7))
    filters = list(plan.facet_filters())
    rows = session.execute(counted(_rows(plan, table, indexed=False).cte("sampled"), filters))
    return facets_of(rows.all(), filters, scale=100.0 / percent)


def _sample_percent(session: Session) -> float:
    rows = session.scalar(
        text("SELECT greatest(reltuples, 1) FROM pg_class WHERE oid = 'search_doc'::regclass")
    )
    return float(min(100.0, max(0.5, 100.0 * SAMPLE_ROWS / float(rows or 1))))


# -- pages ---------------------------------------------------------------------------------------


def _order(plan: Plan, c: Any = d, *, ranked: bool = False) -> list[Any]:
    """The sort order on columns `c`; `ranked` puts the relevance tier first."""
    if plan.sort == "published_on":
        return [c.published_on.asc(), c.resource_id.asc()]
    if plan.sort == "-published_on":
        return [c.published_on.desc(), c.resource_id.desc()]
    return [c.tier.asc(), c.resource_id.desc()] if ranked else [c.resource_id.desc()]


def _after(plan: Plan, c: Any, key: Key | None, *, ranked: bool = False) -> Any:
    """Rows after `key` in the sort order on columns `c` (keyset pagination)."""
    if key is None:
        return true()
    if plan.sort == "relevance":
        later = c.resource_id < literal(key.id)
        return or_(c.tier > key.tier, and_(c.tier == key.tier, later)) if ranked else later
    pair = tuple_(c.published_on, c.resource_id)
    bound = tuple_(literal(key.day), literal(key.id))
    return pair > bound if plan.sort == "published_on" else pair < bound


def _walk(session: Session, plan: Plan) -> list[Key]:
    """Beyond EXACT_LIMIT matches: walk an index in the sort order, tier by tier."""
    want = plan.limit + 1
    if plan.sort != "relevance" or plan.text is None:
        _walking(session)
        query = select(literal(0), d.published_on, d.resource_id).where(
            *plan.where(indexed=False), _after(plan, d, plan.after)
        )
        return _keys(session, query.order_by(*_order(plan)).limit(want))
    tier = plan.tier()
    tiers = [0, 1, 2, 3] if len(plan.text.terms) > 1 else [0, 2]
    start = plan.after.tier if plan.after is not None else 0
    keys: list[Key] = []
    if start <= 1 and _few_in_names(session, plan):
        named = (
            select(tier.label("tier"), d.published_on, d.resource_id)
            .where(*_named(plan))
            .subquery()
        )
        query = (
            select(named.c.tier, named.c.published_on, named.c.resource_id)
            .where(_after(plan, named.c, plan.after, ranked=True))
            .order_by(*_order(plan, named.c, ranked=True))
            .limit(want)
        )
        keys = _keys(session, query)
        tiers = [t for t in tiers if t >= 2]
    _walking(session)
    for t in tiers:
        if t < start or len(keys) >= want:
            continue
        after = plan.after if plan.after is not None and plan.after.tier == t else None
        query = select(literal(t), d.published_on, d.resource_id).where(
            *plan.where(indexed=False), tier == t, _after(plan, d, after)
        )
        keys += _keys(session, query.order_by(*_order(plan)).limit(want - len(keys)))
    return keys


def _walking(session: Session) -> None:
    """From here on, plan walks: an index in the sort order, every other condition a filter.

    The planner cannot know that the matches may cluster (all of a city's records older than
    the region's, a bounding box it guesses 40 times too small) and would rather sort every
    match found through another index: on these statements that is never the cheaper plan.
    """
    session.execute(text("SET LOCAL enable_bitmapscan = off"))
    session.execute(text("SET LOCAL enable_sort = off"))


def _few_in_names(session: Session, plan: Plan) -> bool:
    """Whether the name matches are few enough to sort in full (found via the marked lexemes);
    many of them make the walk short instead.

    Only a count can say they are many: the planner takes a name's bigrams and the filters'
    entries as independent, and where a topic goes with one classification it expected 9,600
    name matches where there were none, and the walk through every record took 3 s. The count
    stops at FEW_NAMES + 1, which dense matches reach quickly.
    """
    assert plan.text is not None
    if max(map(len, plan.text.terms)) <= 2:
        # Estimated through the index condition alone: the planner takes each `strpos` filter
        # as keeping a third of the rows, so with them it expected 378 where 10,330 were.
        index_only = select(literal(1)).where(*plan.besides_text(), plan.name_index())
        if planned_rows(session, index_only) < FEW_NAMES / 4:
            return True  # it knows single bigrams well, and too many only cost a longer sort
    probe = select(literal(1)).where(*_named(plan))
    count = session.scalar(select(func.count()).select_from(probe.limit(FEW_NAMES + 1).subquery()))
    return int(count or 0) <= FEW_NAMES


def _named(plan: Plan) -> list[Any]:
    """The conditions of the name matches, found through their marked index entries."""
    return [*plan.where(indexed=False, facets_indexable=False), plan.name_index(), plan.in_name()]


def _keys(session: Session, query: Select[Any]) -> list[Key]:
    return [Key(int(t), day, rid) for t, day, rid in session.execute(query).all()]


# -- hits ----------------------------------------------------------------------------------------


def _summaries(session: Session, keys: list[Key]) -> list[dict[str, Any]]:
    ids = [key.id for key in keys]
    if not ids:
        return []
    found = session.scalars(select(Resource).where(Resource.id.in_(ids))).unique()
    by_id = {resource.id: resource for resource in found}
    return [summary(by_id[i]) for i in ids if i in by_id]


def summary(resource: Resource) -> dict[str, Any]:
    """A hit: enough to list it and to locate the resource (origin node, department, links)."""
    body: dict[str, Any] = {}
    if resource.published is not None:
        body = resource.published
    elif resource.draft is not None:
        body = resource.draft.body
    return {
        "id": str(resource.id),
        "code": resource.code,
        "name": body.get("name"),
        "abstract": body.get("abstract"),
        "status": resource.status,
        "version": resource.version,
        "department": {"code": resource.department_code, "name": resource.department_name},
        "origin": {
            "code": resource.origin_code,
            "name": resource.origin_name,
            "url": resource.origin_url,
        },
        "path": list(resource.path),
        "format": body.get("format"),
        "share": {"type": (body.get("share") or {}).get("type")},
        "open": body.get("open"),
        "update_cycle": body.get("update_cycle"),
        "classification": body.get("classification", []),
        "keywords": body.get("keywords", []),
        "spatial": body.get("spatial"),
        "links": body.get("links", []),
        "published_on": resource.published_on.isoformat() if resource.published_on else None,
        "locate_url": f"{resource.origin_url}/api/v1/resources/{resource.id}/locate",
    }
