"""A directory search's pages: its sort orders, keyset positions, and the walk that finds a page
past the exact limit (search.py counts; this finds the keys)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select, text, true, tuple_
from sqlalchemy.orm import Session

from catalog.center.search_counts import Sample
from catalog.center.search_estimates import planned_rows
from catalog.center.search_plan import Key, Plan, d

FEW_NAMES = 2_000  # name matches sorted in full; more are dense enough to find by walking
# A sample estimating this many name matches has seen about 50 of them at 1,000,000 records;
# FEW_NAMES would give it 12.
MANY_NAMES = 4 * FEW_NAMES


def order(plan: Plan, c: Any = d, *, ranked: bool = False) -> list[Any]:
    """The sort order on columns `c`; `ranked` puts the relevance tier first."""
    if plan.sort == "published_on":
        return [c.published_on.asc(), c.resource_id.asc()]
    if plan.sort == "-published_on":
        return [c.published_on.desc(), c.resource_id.desc()]
    return [c.tier.asc(), c.resource_id.desc()] if ranked else [c.resource_id.desc()]


def after(plan: Plan, c: Any, key: Key | None, *, ranked: bool = False) -> Any:
    """Rows after `key` in the sort order on columns `c` (keyset pagination)."""
    if key is None:
        return true()
    if plan.sort == "relevance":
        later = c.resource_id < literal(key.id)
        return or_(c.tier > key.tier, and_(c.tier == key.tier, later)) if ranked else later
    pair = tuple_(c.published_on, c.resource_id)
    bound = tuple_(literal(key.day), literal(key.id))
    return pair > bound if plan.sort == "published_on" else pair < bound


def walk(session: Session, plan: Plan, sample: Sample) -> list[Key]:
    """Beyond EXACT_LIMIT matches: walk an index in the sort order, tier by tier."""
    want = plan.limit + 1
    if plan.sort != "relevance" or plan.text is None:
        _walking(session)
        query = select(literal(0), d.published_on, d.resource_id).where(
            *plan.where(indexed=False), after(plan, d, plan.after)
        )
        return _keys(session, query.order_by(*order(plan)).limit(want))
    tier = plan.tier()
    tiers = [0, 1, 2, 3] if len(plan.text.terms) > 1 else [0, 2]
    start = plan.after.tier if plan.after is not None else 0
    keys: list[Key] = []
    if start <= 1 and _few_in_names(session, plan, sample):
        named = (
            select(tier.label("tier"), d.published_on, d.resource_id)
            .where(*_named(plan))
            .subquery()
        )
        query = (
            select(named.c.tier, named.c.published_on, named.c.resource_id)
            .where(after(plan, named.c, plan.after, ranked=True))
            .order_by(*order(plan, named.c, ranked=True))
            .limit(want)
        )
        keys = _keys(session, query)
        tiers = [t for t in tiers if t >= 2]
    _walking(session)
    for t in tiers:
        if t < start or len(keys) >= want:
            continue
        resume = plan.after if plan.after is not None and plan.after.tier == t else None
        query = select(literal(t), d.published_on, d.resource_id).where(
            *plan.where(indexed=False), tier == t, after(plan, d, resume)
        )
        keys += _keys(session, query.order_by(*order(plan)).limit(want - len(keys)))
    return keys


def _walking(session: Session) -> None:
    """From here on, plan walks: an index in the sort order, every other condition a filter.

    The planner cannot know that the matches may cluster (all of a city's records older than
    the region's, a bounding box it guesses 40 times too small) and would rather sort every
    match found through another index: on these statements that is never the cheaper plan.
    """
    set_locally(session, enable_bitmapscan="off", enable_sort="off")


def set_locally(session: Session, **settings: str) -> None:
    """Planner and executor settings for the rest of this transaction, in one round trip."""
    calls = ", ".join(f"set_config(:name_{n}, :value_{n}, true)" for n in range(len(settings)))
    names = {f"name_{n}": name for n, name in enumerate(settings)}
    values = {f"value_{n}": value for n, value in enumerate(settings.values())}
    session.execute(text(f"SELECT {calls}"), names | values)


def _few_in_names(session: Session, plan: Plan, sample: Sample) -> bool:
    """Whether the name matches are few enough to sort in full (found via the marked lexemes);
    many of them make the walk short instead.

    The sample, drawn for the estimate already, tells when they are many, with a wide margin
    (a count to FEW_NAMES + 1 reads the whole entry list of the name lexemes first: 15-85 ms
    where the mix's estimated answers had 3,652 to 99,949 name matches). A wrong "many" would
    only make the walk longer. Otherwise only a count can say they are many: the planner takes
    a name's bigrams and the filters' entries as independent, and where a topic goes with one
    classification it expected 9,600 name matches where there were none, and the walk through
    every record took 3 s. The count stops at FEW_NAMES + 1, which dense matches reach quickly.
    """
    assert plan.text is not None
    if sample.named >= MANY_NAMES:
        return False
    if not plan.text.has_long_term:
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
    boxed = [plan.box_index()] if plan.bbox is not None else []
    where = plan.where(indexed=False, facets_indexable=False)
    return [*where, plan.name_index(), *boxed, plan.in_name()]


def _keys(session: Session, query: Select[Any]) -> list[Key]:
    return [Key(int(t), day, rid) for t, day, rid in session.execute(query).all()]
