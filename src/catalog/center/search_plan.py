"""A directory query checked and turned into SQL conditions, sort keys and cursors.

The conditions are built for any alias of `search_doc` (the table itself, or a block sample of
it), and the facet filters are kept apart from the rest: each facet is counted over the rows that
pass every filter but its own.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, func, literal, or_
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY

from catalog.center.errors import ValidationFailed
from catalog.center.models import SearchDoc
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.search_grid import query_cells
from catalog.center.search_text import TextQuery, facet_lexeme, parse_query, quote_lexeme
from catalog.center.vocab import Role

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
class Key:
    """A position in a sort order: the tier (relevance only), the date and the id."""

    tier: int
    day: date
    id: uuid.UUID


@dataclass(frozen=True)
class Plan:
    """A checked query: its text, sort, cursor and the conditions it puts on `search_doc`."""

    query: SearchQuery
    actor: Actor
    node: Node
    text: TextQuery | None
    sort: str
    after: Key | None
    bbox: tuple[float, float, float, float] | None

    @property
    def limit(self) -> int:
        return self.query.limit

    def facet_filters(
        self, c: Any = d, *, indexable: bool = True
    ) -> dict[str, ColumnElement[bool]]:
        """The filters on faceted dimensions, by facet.

        Not `indexable`: written so that no index of their own matches them, for statements
        whose bigram index condition holds the same filters as entries already. Left to itself
        PostgreSQL would AND in the bitmap of, say, every record of a node (333,000 entries
        read for 40 ms at 1,000,000 records) to narrow what the bigram index had narrowed."""
        q = self.query
        plain = _plain if not indexable else _as_is
        out: dict[str, ColumnElement[bool]] = {}
        if q.department:
            origin, _, code = q.department.rpartition(":")
            out["department"] = (
                and_(plain(c.department_code) == code, plain(c.origin_code) == origin)
                if origin
                else plain(c.department_code) == code
            )
        if q.node:
            out["node"] = (
                plain(c.path).contains(cast([q.node], ARRAY(String(12))))
                if q.subtree
                else plain(c.origin_code) == q.node
            )
        if q.format:
            out["format"] = c.format == q.format
        if q.share:
            out["share"] = c.share == q.share
        if q.classification:
            prefix = cast([q.classification], ARRAY(String(20)))
            out["classification"] = plain(c.class_prefixes).contains(prefix)
        return out

    def without(self, facet: str) -> Plan:
        """This plan without its filter on `facet`: the rows that facet is counted over."""
        cleared: dict[str, Any] = {facet: None}
        if facet == "node":
            cleared["subtree"] = False
        return replace(self, query=replace(self.query, **cleared))

    def index_entries(self, *, facets: bool) -> list[str]:
        """The filter values to AND into a text query's index condition: those of the other
        filters, and with `facets` those of the facet filters too (search_text.facet_lexeme)."""
        q = self.query
        pairs: list[tuple[str, str | None]] = [
            ("u", q.update_cycle),
            ("p", None if q.open is None else "1" if q.open else "0"),
        ]
        if facets:
            origin, _, department = (q.department or "").rpartition(":")
            pairs += [
                ("d", q.department) if origin else ("dc", department or None),
                ("n" if q.subtree else "o", q.node),
                ("f", q.format),
                ("h", q.share),
                ("c", q.classification),
            ]
        entries = (facet_lexeme(kind, value) for kind, value in pairs if value)
        return [quote_lexeme(e) for e in entries if e is not None]

    def besides_text(self, c: Any = d) -> list[ColumnElement[bool]]:
        """The conditions other than the text and the facet filters."""
        q = self.query
        out = [c.status == q.status, *_visibility(c, self.actor, self.node)]
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
        return out

    def base(
        self, c: Any = d, *, indexed: bool = True, facets_indexed: bool = False
    ) -> list[ColumnElement[bool]]:
        """Every condition but the facet filters; `indexed` adds the bigram index condition
        (with `facets_indexed`, narrowed by the facet filters too)."""
        out = self.besides_text(c)
        if self.text is not None:
            # Through the index, a term of one or two characters is matched exactly by its
            # lexeme; longer ones are rechecked, as is every term where the index is not used.
            terms = [t for t in self.text.terms if len(t) > 2 or not indexed]
            out.extend(func.strpos(c.body_text, term) > 0 for term in terms)
            if indexed:
                out.append(self.text_index(c, facets=facets_indexed))
        if indexed and self.bbox is not None:
            out.append(self.box_index(c))
        return out

    def box_index(self, c: Any = d) -> ColumnElement[bool]:
        """The box as a condition on the bigram index: any of its grid cells (search_grid).

        A condition of its own, not ANDed into the text's: within one condition PostgreSQL
        reads every entry list of an OR group before the text's rarer list (`牙克石` in the
        mix's Chifeng box, about fifty cells: 24 ms as one condition, 10 ms as two, since it
        can skip through the second)."""
        assert self.bbox is not None
        return _matches(c, [" | ".join(map(quote_lexeme, query_cells(*self.bbox)))])

    def text_index(self, c: Any = d, *, facets: bool) -> ColumnElement[bool]:
        """The bigram index condition of the text (with `facets`, of the facet filters too)."""
        assert self.text is not None
        return _matches(c, [self.text.tsquery(), *self.index_entries(facets=facets)])

    def entries_index(self, c: Any = d) -> ColumnElement[bool] | None:
        """Without text, the filters' own index entries as a condition on the bigram index:
        lets PostgreSQL intersect a filter that has no index of its own (format, share) with
        one that has (a box), instead of reading every record in the box (131,768 to find
        9,189 databases). None when no filter has an entry."""
        entries = self.index_entries(facets=True)
        return _matches(c, entries) if entries else None

    def where(
        self, c: Any = d, *, indexed: bool = True, facets_indexable: bool = True
    ) -> list[ColumnElement[bool]]:
        """All the conditions of the query (`facets_indexable`: see facet_filters)."""
        base = self.base(c, indexed=indexed, facets_indexed=True)
        return [*base, *self.facet_filters(c, indexable=facets_indexable).values()]

    def in_name(self, c: Any = d) -> ColumnElement[bool]:
        """The name holds every term."""
        assert self.text is not None
        return and_(*(func.strpos(c.name_text, term) > 0 for term in self.text.terms))

    def name_index(self) -> ColumnElement[bool]:
        """The index condition for name matches (the marked name lexemes)."""
        assert self.text is not None
        return _matches(d, [self.text.tsquery(in_name=True), *self.index_entries(facets=True)])

    def tier(self) -> Any:
        """Relevance: 0 the name holds the query, 1 every term; 2 the text holds the query, 3
        every term somewhere (the id orders within a tier). Always 0 when not ranking."""
        if self.sort != "relevance" or self.text is None:
            return literal(0)
        if len(self.text.terms) == 1:
            # Every match holds its one term in its text, so the tiers are the name's or the
            # text's: reading each match's text again cost a sixth of a pass (11,337 rows,
            # warm: 25.4 -> 21.0 ms).
            return case((func.strpos(d.name_text, self.text.terms[0]) > 0, 0), else_=2)
        phrases = self.text.phrases
        return case(
            (or_(*(func.strpos(d.name_text, phrase) > 0 for phrase in phrases)), 0),
            (self.in_name(), 1),
            (or_(*(func.strpos(d.body_text, phrase) > 0 for phrase in phrases)), 2),
            else_=3,
        )


def make_plan(query: SearchQuery, actor: Actor, node: Node) -> Plan:
    """Check what the schema could not (bbox, cursor) and settle the sort."""
    text_query = parse_query(query.q) if query.q and query.q.strip() else None
    sort = query.sort or ("relevance" if text_query else "-published_on")
    if sort == "relevance" and text_query is None:
        sort = "-published_on"
    return Plan(
        query=query,
        actor=actor,
        node=node,
        text=text_query,
        sort=sort,
        after=decode_cursor(query.cursor, sort),
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


def _matches(c: Any, entries: list[str]) -> ColumnElement[bool]:
    """The bigram index condition: every one of these (quoted entries, or an OR group of
    them)."""
    condition: ColumnElement[bool] = c.lexemes.op("@@")(cast(literal(" & ".join(entries)), TSQUERY))
    return condition


def _as_is(column: Any) -> Any:
    return column


def _plain(column: Any) -> Any:
    """The column's value through an expression no index is built on (`x || ''` for text,
    `array_cat(x, '{}')` for arrays): same value, no index condition."""
    if isinstance(column.type, ARRAY):
        return func.array_cat(column, cast([], column.type), type_=column.type)
    return column.concat("")


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
    """The exact box test, on the row (the bigram index narrows it first: Plan.box_index)."""
    record = func.box(func.point(c.min_lon, c.min_lat), func.point(c.max_lon, c.max_lat))
    wanted = func.box(func.point(bbox[0], bbox[1]), func.point(bbox[2], bbox[3]))
    return and_(c.min_lon.is_not(None), record.op("&&")(wanted))


def encode_cursor(sort: str, key: Key) -> str:
    """An opaque cursor for the position after `key`."""
    raw = json.dumps([sort, key.tier, key.day.isoformat(), str(key.id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, sort: str) -> Key | None:
    """The position a cursor names; a 422 on `cursor` if it is not one of ours for this sort."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, tier, day, rid = json.loads(raw)
        if kind != sort or not isinstance(tier, int) or not 0 <= tier <= 3:
            raise ValueError("a cursor of another sort order")
        return Key(tier, date.fromisoformat(day), uuid.UUID(rid))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.on(
            "cursor", "not a cursor this search issued (a cursor belongs to one sort order)"
        ) from None
