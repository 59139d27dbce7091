"""The unified directory: Chinese full-text search with filters, facets and keyset pages.

How a search runs, and why:
1. Up to `EXACT_LIMIT` matches, one statement counts them all (the bigram index finds the
   candidates, `strpos` keeps exactly those holding every term) and sorts the page: total and
   facets are exact. Each facet is counted without its own filter, so the statement takes the
   rows failing at most one facet filter. Under selective filters most matches fail two of
   them, so there the rows passing every filter are counted (and the page sorted), then each
   filter's facet over the rows passing the others (search_counts): fewer rows in all. A facet
   whose own rows are past the limit is estimated, the total staying exact.
2. Visiting `EXACT_LIMIT` rows only to learn that there are more is the slowest thing a search
   can do, so when PostgreSQL's statistics expect many more (for terms of three or more
   characters, whose bigrams the planner wrongly takes as independent: the index's own count of
   its candidates where their entry lists are short, then a block sample), total and facets are
   estimated from a block sample of about `search_counts.SAMPLE_ROWS` rows (`total_exact:
   false`), and the page is found by walking an index in the sort order, tier by tier
   (search_walk): dense matches make such a walk short. Within a tier relevance orders by id,
   which no data is ever sorted by, so matches are spread evenly along that walk (newest first,
   a term found only in old records would make the walk pass every newer one). Unless the sample
   has seen many, name matches are counted first through their marked index entries; when they
   are few they are sorted in full, so the walk never passes every record for a rare name match.
   With filters, the sample is asked before an answer settles for an estimate: the planner takes
   a text and a filter's entry as independent, and may expect tens of thousands of matches where
   there are none.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from catalog.center.models import SearchDoc
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.search_counts import Sample, counted_alone, counted_for_estimate, counted_rows
from catalog.center.search_estimates import (
    common_lexemes,
    expected_taken,
    filter_shares,
    index_candidates,
    index_count_pays,
    planned_rows,
    text_bound,
)
from catalog.center.search_facets import (
    Facet,
    Facets,
    counted,
    empty_facets,
    facets_of,
    name_places,
    passes,
)
from catalog.center.search_hits import summaries
from catalog.center.search_plan import (
    Key,
    Plan,
    SearchQuery,
    encode_cursor,
    make_plan,
)
from catalog.center.search_walk import after, order, set_locally, walk

EXACT_LIMIT = 10_000
# Expecting more rows than these, a search skips a pass that would only find EXACT_LIMIT of them
# (the margins cover the planner's and the sample's errors).
PROBE_ALL_BELOW = 1.5 * EXACT_LIMIT
PROBE_MATCHES_BELOW = 2 * EXACT_LIMIT
# With two facet filters or more and at least this many rows to visit in one pass, the facets are
# counted one by one (_by_facet_pays) if that visits under this share of the rows, or if the one
# pass is expected near the exact limit.
BY_FACET_ABOVE = 2_000
BY_FACET_SHARE = 0.75
NEAR_THE_LIMIT = 0.7 * EXACT_LIMIT

__all__ = ["EXACT_LIMIT", "SearchQuery", "search"]


Found = tuple[int, bool, Facets, list[Key]]  # total, whether exact, facets, the page's keys


def search(session: Session, *, query: SearchQuery, actor: Actor, node: Node) -> dict[str, Any]:
    """Run a directory search for `actor`: a page of hits, the total and the facets."""
    plan = make_plan(query, actor, node)
    if plan.text is not None:
        plan = replace(plan, text=replace(plan.text, common=common_lexemes(session)))
    total, exact, facets, keys = _find(session, plan)
    name_places(session, facets, status=query.status)
    has_more = len(keys) > plan.limit
    keys = keys[: plan.limit]
    return {
        "total": total,
        "total_exact": exact,
        "items": summaries(session, keys),
        "facets": facets,
        "next_cursor": encode_cursor(plan.sort, keys[-1]) if has_more and keys else None,
    }


def _find(session: Session, plan: Plan) -> Found:
    if plan.text is not None and plan.text.matches_nothing:
        return 0, True, empty_facets(), []
    set_locally(
        session,
        # The bitmaps get room to stay exact, so no page is read for rows the index ruled out.
        work_mem="32MB",
        # Compiling a plan to machine code costs more than these statements take to run.
        jit="off",
        # The table is meant to stay in memory (deploy/README.md): there, asking the kernel to
        # read ahead each page a bitmap scan will visit is a system call for nothing (a pass
        # over 23,000 rows from the OS cache: 128 -> 114 ms).
        effective_io_concurrency="0",
        # Text goes through the bigram index: a sequential scan would test every row's lexemes.
        **({"enable_seqscan": "off"} if plan.text is not None else {}),
    )
    filters = list(plan.facet_filters())
    sample = Sample(session, plan)
    if plan.text is not None and plan.text.has_long_term:
        # The planner takes a long term's bigrams as independent and may expect hundreds of
        # matches where there are tens of thousands. Its statistics still bound how many
        # records hold the rarest bigram; unless that bound is low, the index counts its
        # candidates, and unless those are few, a sample answers.
        expect_taken = expect_total = text_bound(session, plan.text)
        if expect_taken >= PROBE_ALL_BELOW and index_count_pays(session, plan.text):
            # The bound is weak where no bigram is among the commonest; the index can count
            # its candidates (a bound too: they hold the bigrams, not always the term).
            expect_taken = expect_total = index_candidates(session, plan.text_index(facets=False))
        if expect_taken >= PROBE_ALL_BELOW:
            expect_taken, expect_total = sample.taken, sample.total
    else:
        # PostgreSQL takes any box overlap to keep a fixed 0.5 % of the rows (it expected 4,998
        # of 1,000,000 where 131,768 overlapped), so the estimates leave the box out: an upper
        # bound still tells when a pass is cheap; when it does not, a sample says how many.
        unboxed = replace(plan, bbox=None)
        expect_total = planned_rows(session, counted_for_estimate(unboxed))
        expect_taken = expected_taken(session, unboxed, expect_total)
        if plan.bbox is not None and expect_taken >= PROBE_ALL_BELOW:
            expect_taken, expect_total = sample.taken, sample.total
    large: set[str] = set()  # facets known to count more rows than the exact limit
    if expect_taken < PROBE_ALL_BELOW and not _by_facet_pays(
        session, plan, len(filters), expect_taken
    ):
        # One pass counts every facet, each without its own filter, and sorts the page.
        taken, total, facets, keys = _probe(session, plan, strict=False)
        if taken <= EXACT_LIMIT:
            return total, True, facets, keys
        if len(filters) == 1:
            large = set(filters)  # that pass took every match but for the one filter
    if filters and (expect_total < PROBE_MATCHES_BELOW or sample.total < PROBE_ALL_BELOW):
        # Those passing every filter may be few enough to count, and each filter's facet
        # may be counted alone over the rows passing the others. Where the planner expects
        # too many, the sample (which an estimated answer needs anyway, with the margin it has
        # everywhere) may know better: the planner takes a text and a filter's entry as
        # independent, and expected 21,892 records of `乌海`, a county of the region, among a
        # city's 333,333, where there were none (the answer said "over 10,000", and walking
        # every record for a page took 1.5 s).
        found = _counted_by_facet(session, plan, filters, large, sample)
        if found is not None:
            return found
    return max(sample.total, EXACT_LIMIT + 1), False, sample.facets, walk(session, plan, sample)


# -- counting ------------------------------------------------------------------------------------


def _by_facet_pays(session: Session, plan: Plan, filters: int, expect_taken: float) -> bool:
    """Whether to count the rows passing every filter and then each filter's facet alone, not
    every match in one pass. The one pass visits every match, also those failing two filters
    or more; the others visit the matches passing all filters but one, which their index
    entries narrow. Filters being about independent of the text, the ratio of the two does
    not depend on it: a department and a share give 40 % (in three statements). Near the exact
    limit the one pass may find itself past it and have been in vain."""
    if filters < 2 or expect_taken < BY_FACET_ABOVE:
        return False
    if expect_taken >= NEAR_THE_LIMIT:
        return True
    passing, each = filter_shares(session, plan)
    return bool(passing + sum(each.values()) < BY_FACET_SHARE)


def _counted_by_facet(
    session: Session, plan: Plan, filters: list[str], large: set[str], sample: Sample
) -> Found | None:
    """The rows passing every filter counted exactly, and each filter's facet alone over the
    rows passing the others where those are within the limit; None where the rows passing
    every filter are past it.

    The rows one facet is counted over hold those passing every filter, so the facet expected
    to count the fewest rows is counted in the same pass as the total and the page, if it is
    to be counted at all: one statement fewer (`法人` in the public security bureau's
    conditional records: the total's pass over 3,125 rows, 64 ms, was the share's over about
    8,000 again). Where that pass finds itself past the limit, it costs what counting the facet
    alone would have, and the total is counted on its own.
    """
    known = [name for name in filters if name not in large]
    expected = {name: _expected_alone(session, plan, name, sample) for name in known}
    first = min(known, key=expected.__getitem__, default=None)
    counted_with: set[str] = set()
    if first is not None and expected[first] < PROBE_ALL_BELOW:
        taken, total, facets, keys = _probe(session, plan, but=first)
        if taken <= EXACT_LIMIT:
            counted_with = {first}
    if not counted_with:
        taken, total, facets, keys = _probe(session, plan, strict=True)
        if taken > EXACT_LIMIT:
            return None
    for name in filters:
        if name not in counted_with:
            alone = None if name in large else _facet_alone(session, plan, name, expected[name])
            facets[name] = sample.facets[name] if alone is None else alone
    return total, True, facets, keys


def _expected_alone(session: Session, plan: Plan, name: str, sample: Sample) -> float:
    """How many rows pass every condition but the filter on `name`: the sample's count if it
    was drawn, else the planner's."""
    if sample.drawn is not None:
        return float(sum(entry["count"] for entry in sample.facets[name]))
    if plan.text is not None and plan.text.has_long_term:
        return 0.0  # not sampled: the text's candidates are below the bound already
    return planned_rows(session, counted_for_estimate(replace(plan.without(name), bbox=None)))


def _facet_alone(session: Session, plan: Plan, name: str, expected: float) -> Facet | None:
    """The facet `name` counted exactly over the rows passing every other condition, or None
    where those are past the exact limit (expected so, or found so)."""
    if expected >= PROBE_ALL_BELOW:
        return None
    taken, facets = counted_alone(session, plan.without(name), EXACT_LIMIT)
    return facets[name] if taken <= EXACT_LIMIT else None


def _probe(
    session: Session, plan: Plan, *, strict: bool = False, but: str | None = None
) -> tuple[int, int, Facets, list[Key]]:
    """One statement over at most EXACT_LIMIT + 1 counted rows: (rows taken, total, facets,
    the page's keys). The page is only right when the rows taken are at most EXACT_LIMIT.
    With `but`, the rows are those passing every filter but that one: its facet is counted
    with the total, and the other filters' facets are left to be counted alone."""
    filters = [but] if but is not None else [] if strict else list(plan.facet_filters())
    counted_at_most = counted_rows(plan, SearchDoc.__table__, strict=strict, but=but)
    m = counted_at_most.limit(EXACT_LIMIT + 1).cte("m")
    counts = counted(m, filters)
    page = (
        select(m.c.tier, m.c.published_on, m.c.resource_id)
        .where(passes(m.c, filters), after(plan, m.c, plan.after, ranked=True))
        .order_by(*order(plan, m.c, ranked=True))
        .limit(plan.limit + 1)
        .subquery()
    )
    width = len(counts.selected_columns)
    statement: CompoundSelect[Any] = union_all(
        counts.add_columns(null(), null(), null()),
        select(*([null()] * width), page.c.tier, page.c.published_on, page.c.resource_id),
    )
    rows = session.execute(statement).all()
    counts_found = [row[:width] for row in rows if row[0] is not None]
    keys = [Key(int(row[-3]), row[-2], row[-1]) for row in rows if row[0] is None]
    taken, total, facets = facets_of(counts_found, filters)
    return taken, total, facets, keys
