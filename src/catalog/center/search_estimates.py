"""What a directory search expects to find before it counts: PostgreSQL's estimates and
statistics, read so that a search can skip a pass that would only find the exact limit.

The planner's row estimates are good for single lexemes and column filters and poor for what it
takes as independent (a long term's bigrams, a box's overlap); the callers in search.py choose
which estimate to trust for which query, and fall back to a block sample.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from catalog.center.search_counts import counted_for_estimate
from catalog.center.search_plan import Plan, d
from catalog.center.search_text import TextQuery


def text_bound(session: Session, text_query: TextQuery) -> float:
    """At most how many records hold every term: no more than hold a term's rarest bigram,
    by the frequencies PostgreSQL keeps of the commonest lexemes (rarer ones are below its
    smallest). Unknown (infinite) for one-character terms."""
    if min(map(len, text_query.terms)) < 2:
        return float("inf")
    frequencies, floor, rows = _lexeme_statistics(session)
    bound = min(
        min(frequencies.get(term[i : i + 2], floor) for i in range(len(term) - 1))
        for term in text_query.terms
    )
    return bound * rows


# Counting a text's candidates reads the entry list of its rarest lexeme, at about 0.2-0.25 µs
# an entry (188,000 entries in 40 ms, 28,000 in 7 ms at 1,000,000 records); a block sample
# costs 5-9 ms. Past this many entries the sample is the cheaper way to learn the count is large.
COUNT_ENTRIES_BELOW = 40_000


def index_count_pays(session: Session, text_query: TextQuery) -> bool:
    """Whether having the index count a text's candidates costs less than a sample: unless
    every lexeme of its index condition is among the commonest the statistics keep, in more
    than COUNT_ENTRIES_BELOW records (a year's `2012`, whose `12` is in one record in five:
    the count took 40 ms to find 189,618 candidates, and the sample came next anyway)."""
    frequencies, _, rows = _lexeme_statistics(session)
    if not frequencies or any(len(term) < 2 for term in text_query.terms):
        return True  # no statistics yet; a prefix's entries are not counted here
    condition = [b for term in text_query.terms for b in text_query.condition_bigrams(term)]
    return min(frequencies.get(bigram, 0.0) for bigram in condition) * rows < COUNT_ENTRIES_BELOW


def common_lexemes(session: Session, share: float = 0.9) -> frozenset[str]:
    """The lexemes PostgreSQL's statistics find in at least `share` of the records."""
    frequencies, _, _ = _lexeme_statistics(session)
    return frozenset(lexeme for lexeme, f in frequencies.items() if f >= share)


_STATISTICS: dict[str, tuple[float, tuple[dict[str, float], float, float]]] = {}
_STATISTICS_SECONDS = 300.0


def _lexeme_statistics(session: Session) -> tuple[dict[str, float], float, float]:
    """(frequency by common lexeme, the frequency below which the rest lie, rows), from
    pg_stats, kept for a few minutes per database."""
    key = str(session.get_bind().engine.url)
    cached = _STATISTICS.get(key)
    if cached is not None and time.monotonic() - cached[0] < _STATISTICS_SECONDS:
        return cached[1]
    row = session.execute(
        text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs, "
            "(SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'search_doc'::regclass) "
            "FROM pg_stats WHERE tablename = 'search_doc' AND attname = 'lexemes'"
        )
    ).first()
    if row is None or row[0] is None:
        found: tuple[dict[str, float], float, float] = ({}, 1.0, float("inf"))
    else:
        elems, freqs, rows = row
        # The frequencies end with three more: the smallest, the largest, the null fraction.
        found = (dict(zip(elems, freqs, strict=False)), float(freqs[-3]), float(rows))
    _STATISTICS[key] = (time.monotonic(), found)
    return found


def expected_taken(session: Session, plan: Plan, expect_total: float) -> float:
    """How many rows fail at most one facet filter, by inclusion and exclusion over the
    planner's estimates of the rows failing none but that one (it cannot estimate the sum)."""
    filters = plan.facet_filters()
    if not filters:
        return expect_total
    base = select(d.resource_id).where(*plan.base())
    each = [
        planned_rows(session, base.where(*(f for n, f in filters.items() if n != name)))
        for name in filters
    ]
    return sum(each) - (len(filters) - 1) * expect_total


def filter_shares(session: Session, plan: Plan) -> tuple[float, dict[str, float]]:
    """The share of records passing every facet filter, and by filter the share passing every
    other one: from the columns' statistics (text and box left out), which know them well."""
    unfiltered = replace(plan, text=None, bbox=None)
    filters = list(plan.facet_filters())
    for name in filters:
        unfiltered = unfiltered.without(name)
    rows = max(1.0, planned_rows(session, counted_for_estimate(unfiltered)))
    filtered = replace(plan, text=None, bbox=None)
    return planned_rows(session, counted_for_estimate(filtered)) / rows, {
        name: planned_rows(session, counted_for_estimate(filtered.without(name))) / rows
        for name in filters
    }


def index_candidates(session: Session, condition: Any) -> float:
    """How many records a bigram index condition yields, counted by the index alone (infinite
    if PostgreSQL would not use the index): a bitmap scan builds its whole bitmap before the
    first row is read, so under EXPLAIN ANALYZE one row costs the index scan and one page,
    and the bitmap's size is reported."""
    query = select(d.resource_id).where(condition).limit(1)
    nodes = [_explained(session, query, "ANALYZE, TIMING OFF, SUMMARY OFF, FORMAT JSON")]
    while nodes:
        node = nodes.pop()
        if node["Node Type"] == "Bitmap Index Scan":
            return float(node["Actual Rows"])
        nodes += node.get("Plans", [])
    return float("inf")


def planned_rows(session: Session, query: Select[Any]) -> float:
    """PostgreSQL's own estimate of how many rows `query` returns (from its statistics)."""
    return float(_explained(session, query, "FORMAT JSON")["Plan Rows"])


def _explained(session: Session, query: Select[Any], options: str) -> dict[str, Any]:
    """The top node of `query`'s plan, explained with `options` (FORMAT JSON among them)."""
    compiled = query.compile(bind=session.get_bind())
    explained = session.connection().exec_driver_sql(
        f"EXPLAIN ({options}) " + str(compiled), compiled.params
    )
    plan: dict[str, Any] = explained.scalar_one()[0]["Plan"]
    return plan
