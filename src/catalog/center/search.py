"""The unified directory: Chinese full-text search with filters, facets and keyset pages.

How a search runs, and why:
1. A *probe* counts at most `EXACT_LIMIT + 1` matches by facet (the bigram index finds the
   candidates, `strpos` keeps exactly those holding every term). Up to `EXACT_LIMIT` matches,
   total and facets are exact and the page is sorted in full.
2. Beyond that, counting or ranking every match would cost time in proportion to the matches, so
   total and facets are estimated from a block sample of the table (`total_exact: false`) and the
   page is found by walking the (status, published_on) index newest first, tier by tier: dense
   matches make such a walk short. Name matches are counted first through their own (marked)
   index entries; when they are few they are sorted in full, so a rare name match is never
   skipped by the walk.

Relevance is a tier, then recency: 0 the name holds the whole query, 1 the name holds every term,
2 the text holds the whole query, 3 the terms are scattered. Facet counts for a dimension honour
every filter except the one on that dimension, so a user sees what switching to another value
would give.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY
from sqlalchemy.orm import Session

from catalog.center.errors import ValidationFailed
from catalog.center.models import Resource, SearchDoc
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.search_text import TextQuery, parse_query
from catalog.center.vocab import LABELS, Role, class_label

EXACT_LIMIT = 10_000
SAMPLE_ROWS = 12_000  # rows a block sample aims at when estimating beyond EXACT_LIMIT
FACETS = ("department", "node", "format", "share", "classification")
SORTS = ("relevance", "-published_on", "published_on")

Facets = dict[str, list[dict[str, Any]]]
d = SearchDoc.__table__.c


@dataclass(frozen=True)
class SearchQuery:
    """The parameters of GET /api/v1/search, already checked for type and range."""

    q: str | None = None
    department: str | None = None
    node: str | None = None
    subtree: bool = False
    format: str | None = None
    share: str | None = None
    open: bool | None = None
    classification: str | None = None
    update_cycle: str | None = None
    published_from: date | None = None
    published_to: date | None = None
    bbox: str | None = None
    status: str = "published"
    sort: str | None = None
    limit: int = 20
    cursor: str | None = None


@dataclass(frozen=True)
class _Key:
    """A position in a sort order: the tier (relevance only), the date and the id."""

    tier: int
    day: date
    id: uuid.UUID


@dataclass(frozen=True)
class _Plan:
    """A checked query: its text, sort, cursor and the conditions it puts on `search_doc`."""

    query: SearchQuery
    actor: Actor
    node: Node
    text: TextQuery | None
    sort: str
    after: _Key | None
    bbox: tuple[float, float, float, float] | None

    @property
    def limit(self) -> int:
        return self.query.limit

    @property
    def facet_filters(self) -> list[str]:
        """The facets this query filters on (their counts are taken without their own filter)."""
        q = self.query
        given = {
            "department": q.department,
            "node": q.node,
            "format": q.format,
            "share": q.share,
            "classification": q.classification,
        }
        return [name for name, value in given.items() if value]

    def where(
        self, c: Any = d, *, without: str | None = None, indexed: bool = True
    ) -> list[ColumnElement[bool]]:
        """The conditions on the columns `c`; `indexed` adds the bigram index condition."""
        q = self.query
        out = [c.status == q.status, *_visibility(c, self.actor, self.node)]
        if q.department and without != "department":
            origin, _, code = q.department.rpartition(":")
            out.append(c.department_code == code)
            if origin:
                out.append(c.origin_code == origin)
        if q.node and without != "node":
            out.append(
                c.path.contains(cast([q.node], ARRAY(String(12))))
                if q.subtree
                else c.origin_code == q.node
            )
        if q.format and without != "format":
            out.append(c.format == q.format)
        if q.share and without != "share":
            out.append(c.share == q.share)
        if q.classification and without != "classification":
            codes = func.array_to_string(c.class_codes, " ")
            out.append(codes.op("~")(r"(^| )" + q.classification))
        if q.open is not None:
            out.append(c.open.is_(q.open))
        if q.update_cycle:
            out.append(c.update_cycle == q.update_cycle)
        if q.published_from:
            out.append(c.published_on >= q.published_from)
        if q.published_to:
            out.append(c.published_on <= q.published_to)
        if self.bbox is not None:
            out.append(_intersects(c, self.bbox))
        if self.text is not None:
            out.extend(func.strpos(c.body_text, term) > 0 for term in self.text.terms)
            if indexed:
                out.append(c.lexemes.op("@@")(cast(literal(self.text.tsquery()), TSQUERY)))
        return out


def search(session: Session, *, query: SearchQuery, actor: Actor, node: Node) -> dict[str, Any]:
    """Run a directory search for `actor`: a page of hits, the total and the facets."""
    plan = _plan(query, actor, node)
    if plan.text is not None and plan.text.matches_nothing:
        return {
            "total": 0,
            "total_exact": True,
            "items": [],
            "facets": _empty_facets(),
            "next_cursor": None,
        }
    total, exact, facets = _count(session, plan)
    for facet in plan.facet_filters:
        facets[facet] = _count(session, plan, without=facet)[2][facet]
    keys = _page_exact(session, plan) if exact else _page_walk(session, plan)
    has_more = len(keys) > plan.limit
    keys = keys[: plan.limit]
    return {
        "total": total,
        "total_exact": exact,
        "items": _summaries(session, keys),
        "facets": facets,
        "next_cursor": _encode_cursor(plan.sort, keys[-1]) if has_more and keys else None,
    }


# -- planning ------------------------------------------------------------------------------------


def _plan(query: SearchQuery, actor: Actor, node: Node) -> _Plan:
    text_query = parse_query(query.q) if query.q and query.q.strip() else None
    sort = query.sort or ("relevance" if text_query else "-published_on")
    if sort == "relevance" and text_query is None:
        sort = "-published_on"
    return _Plan(
        query=query,
        actor=actor,
        node=node,
        text=text_query,
        sort=sort,
        after=_decode_cursor(query.cursor, sort),
        bbox=_bbox(query.bbox) if query.bbox is not None else None,
    )


def _visibility(c: Any, actor: Actor, node: Node) -> list[ColumnElement[bool]]:
    """Readers see published, non-secret records; staff also their own unpublished ones."""
    if actor.is_reviewer:
        return []
    public = and_(c.status == "published", c.secret.is_(False))
    if actor.role is Role.CATALOGUER and actor.department_code:
        own = and_(c.origin_code == node.code, c.department_code == actor.department_code)
        return [or_(public, own)]
    return [public]


def _bbox(raw: str) -> tuple[float, float, float, float]:
    try:
        values = [float(part) for part in raw.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or any(v != v for v in values):  # v != v: NaN
        raise ValidationFailed.on("bbox", "must be min_lon,min_lat,max_lon,max_lat (four numbers)")
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValidationFailed.on("bbox", "must be ordered and within -180..180 and -90..90")
    return min_lon, min_lat, max_lon, max_lat


def _intersects(c: Any, bbox: tuple[float, float, float, float]) -> ColumnElement[bool]:
    # The same expression as the GiST index ix_search_doc_bbox, so the index answers it.
    record = func.box(func.point(c.min_lon, c.min_lat), func.point(c.max_lon, c.max_lat))
    wanted = func.box(func.point(bbox[0], bbox[1]), func.point(bbox[2], bbox[3]))
    return and_(c.min_lon.is_not(None), record.op("&&")(wanted))


# -- counting ------------------------------------------------------------------------------------


def _count(
    session: Session, plan: _Plan, *, without: str | None = None
) -> tuple[int, bool, Facets]:
    """Total and facets: exact over at most EXACT_LIMIT matches, else a sample's estimate."""
    probe = select(*facet_columns(d)).where(*plan.where(without=without))
    rows = session.execute(grouped_counts(probe.limit(EXACT_LIMIT + 1).cte("probe"))).all()
    total, facets = facets_from_rows(rows, scale=1.0)
    if total <= EXACT_LIMIT:
        return total, True, facets
    percent = _sample_percent(session)
    sample = SearchDoc.__table__.tablesample(func.system(percent), name="s", seed=literal(7))
    sampled = select(*facet_columns(sample.c)).where(
        *plan.where(sample.c, without=without, indexed=False)
    )
    rows = session.execute(grouped_counts(sampled.cte("sampled"))).all()
    estimate, facets = facets_from_rows(rows, scale=100.0 / percent)
    return max(estimate, EXACT_LIMIT + 1), False, facets


def facet_columns(c: Any) -> list[Any]:
    """The columns facets are counted on, from `search_doc` or an alias of it."""
    return [
        c.origin_code,
        c.origin_name,
        c.department_code,
        c.department_name,
        c.format,
        c.share,
        func.left(c.class_codes[1], 3).label("class_top"),
    ]


def grouped_counts(cte: Any) -> Select[Any]:
    """Counts of the rows of `cte` (facet columns) per facet value, and their total, at once."""
    c = cte.c
    dims = (c.origin_code, c.department_code, c.format, c.share, c.class_top)
    return select(
        func.grouping(*dims),
        c.origin_code,
        func.max(c.origin_name),
        c.department_code,
        func.max(c.department_name),
        c.format,
        c.share,
        c.class_top,
        func.count(),
    ).group_by(
        text(
            "GROUPING SETS ((origin_code, department_code), (origin_code), (format), (share), "
            "(class_top), ())"
        )
    )


# grouping() sets one bit per dimension left out of a set, the first dimension highest:
# origin 16, department 8, format 4, share 2, class_top 1.
_SETS = {0b00111: "department", 0b01111: "node", 0b11011: "format", 0b11101: "share"}
_SETS |= {0b11110: "classification", 0b11111: "total"}


def facets_from_rows(rows: Sequence[Any], *, scale: float) -> tuple[int, Facets]:
    """The total and the facets of API.md from `grouped_counts` rows, scaled if sampled."""
    facets = _empty_facets()
    total = 0
    for g, origin, origin_name, dept, dept_name, fmt, share, cls, count in rows:
        n = round(count * scale)
        kind = _SETS[g]
        if kind == "total":
            total = n
        elif kind == "department":
            facets[kind].append({"value": f"{origin}:{dept}", "label": dept_name, "count": n})
        elif kind == "node":
            facets[kind].append({"value": origin, "label": origin_name, "count": n})
        elif kind in ("format", "share"):
            value = fmt if kind == "format" else share
            facets[kind].append({"value": value, "label": LABELS.get(value, value), "count": n})
        elif cls is not None:
            facets[kind].append({"value": cls, "label": class_label(cls), "count": n})
    for values in facets.values():
        values.sort(key=lambda v: (-v["count"], v["value"]))
    return total, facets


def _empty_facets() -> Facets:
    return {name: [] for name in FACETS}


def _sample_percent(session: Session) -> float:
    rows = session.scalar(
        text("SELECT greatest(reltuples, 1) FROM pg_class WHERE oid = 'search_doc'::regclass")
    )
    return float(min(100.0, max(0.5, 100.0 * SAMPLE_ROWS / float(rows or 1))))


# -- pages ---------------------------------------------------------------------------------------


def _tier(plan: _Plan) -> Any:
    assert plan.text is not None
    phrases = plan.text.phrases
    return case(
        (or_(*(func.strpos(d.name_text, phrase) > 0 for phrase in phrases)), 0),
        (_in_name(plan.text), 1),
        (or_(*(func.strpos(d.body_text, phrase) > 0 for phrase in phrases)), 2),
        else_=3,
    )


def _in_name(text_query: TextQuery) -> ColumnElement[bool]:
    return and_(*(func.strpos(d.name_text, term) > 0 for term in text_query.terms))


def _order(plan: _Plan) -> list[Any]:
    if plan.sort == "published_on":
        return [d.published_on.asc(), d.resource_id.asc()]
    return [d.published_on.desc(), d.resource_id.desc()]


def _after(plan: _Plan, key: _Key | None) -> ColumnElement[bool]:
    if key is None:
        return true()
    pair = tuple_(d.published_on, d.resource_id)
    bound = tuple_(literal(key.day), literal(key.id))
    return pair > bound if plan.sort == "published_on" else pair < bound


def _after_ranked(plan: _Plan, tier: Any) -> ColumnElement[bool]:
    if plan.after is None:
        return true()
    return or_(tier > plan.after.tier, and_(tier == plan.after.tier, _after(plan, plan.after)))


def _page_exact(session: Session, plan: _Plan) -> list[_Key]:
    """At most EXACT_LIMIT matches: sort them all."""
    if plan.sort != "relevance":
        query = select(literal(0), d.published_on, d.resource_id).where(
            *plan.where(), _after(plan, plan.after)
        )
        return _keys(session, query.order_by(*_order(plan)).limit(plan.limit + 1))
    tier = _tier(plan)
    query = select(tier, d.published_on, d.resource_id).where(
        *plan.where(), _after_ranked(plan, tier)
    )
    return _keys(session, query.order_by(tier, *_order(plan)).limit(plan.limit + 1))


def _page_walk(session: Session, plan: _Plan) -> list[_Key]:
    """Beyond EXACT_LIMIT matches: walk the recency index, tier by tier."""
    want = plan.limit + 1
    if plan.sort != "relevance":
        query = select(literal(0), d.published_on, d.resource_id).where(
            *plan.where(indexed=False), _after(plan, plan.after)
        )
        return _keys(session, query.order_by(*_order(plan)).limit(want))
    assert plan.text is not None
    tier = _tier(plan)
    tiers = [0, 1, 2, 3] if len(plan.text.terms) > 1 else [0, 2]
    start = plan.after.tier if plan.after is not None else 0
    keys: list[_Key] = []
    if start <= 1 and _few_in_names(session, plan):
        in_name = select(tier, d.published_on, d.resource_id).where(
            *plan.where(), _in_name(plan.text), _after_ranked(plan, tier)
        )
        keys = _keys(session, in_name.order_by(tier, *_order(plan)).limit(want))
        tiers = [t for t in tiers if t >= 2]
    for t in tiers:
        if t < start or len(keys) >= want:
            continue
        after = plan.after if plan.after is not None and plan.after.tier == t else None
        query = select(literal(t), d.published_on, d.resource_id).where(
            *plan.where(indexed=False), tier == t, _after(plan, after)
        )
        keys += _keys(session, query.order_by(*_order(plan)).limit(want - len(keys)))
    return keys


def _few_in_names(session: Session, plan: _Plan) -> bool:
    """Whether the name matches are few enough to sort in full (found via the marked lexemes)."""
    assert plan.text is not None
    marked = d.lexemes.op("@@")(cast(literal(plan.text.tsquery(in_name=True)), TSQUERY))
    probe = select(literal(1)).where(*plan.where(indexed=False), marked, _in_name(plan.text))
    count = session.scalar(
        select(func.count()).select_from(probe.limit(EXACT_LIMIT + 1).subquery())
    )
    return int(count or 0) <= EXACT_LIMIT


def _keys(session: Session, query: Select[Any]) -> list[_Key]:
    return [_Key(int(t), day, rid) for t, day, rid in session.execute(query).all()]


# -- cursors -------------------------------------------------------------------------------------


def _encode_cursor(sort: str, key: _Key) -> str:
    raw = json.dumps([sort, key.tier, key.day.isoformat(), str(key.id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None, sort: str) -> _Key | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, tier, day, rid = json.loads(raw)
        if kind != sort or not isinstance(tier, int) or not 0 <= tier <= 3:
            raise ValueError("a cursor of another sort order")
        return _Key(tier, date.fromisoformat(day), uuid.UUID(rid))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.on(
            "cursor", "not a cursor this search issued (a cursor belongs to one sort order)"
        ) from None


# -- hits ----------------------------------------------------------------------------------------


def _summaries(session: Session, keys: list[_Key]) -> list[dict[str, Any]]:
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
