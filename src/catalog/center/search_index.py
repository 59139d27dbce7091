"""Keeping the unified directory's rows (`search_doc`) in step with the records.

Every write that changes what a search shows calls in here inside its own transaction: the
workflow (`refresh`), the bulk path and the ingest of a child's batch (`upsert`). The rows are
computed in Python, where the text is normalised (center/search_text.py), and written in one
statement per call: the rows travel as one JSON parameter that PostgreSQL unpacks.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from catalog.center.models import Resource, SearchDoc
from catalog.center.search_grid import record_cells
from catalog.center.search_text import document_lexemes, facet_lexeme, normalise

SearchRow = dict[str, Any]


def row_for_body(
    body: dict[str, Any],
    *,
    resource_id: uuid.UUID | str,
    status: str,
    secret: bool,
    origin: dict[str, Any],
    path: list[str],
    department: dict[str, Any],
    code: str | None,
    published_on: date | str | None,
) -> SearchRow:
    """The search row of one face of a resource (a published view or a draft body)."""
    name = normalise(_text(body.get("name")))
    items = [i for i in _list(body.get("items")) if isinstance(i, dict)]
    # One pass of normalising over the other fields: a space between fields keeps them apart
    # anyway. The body text is the name and the rest, so the name is normalised (and its
    # bigrams computed) once.
    rest = normalise(
        " ".join(
            [
                _text(body.get("abstract")),
                *map(_text, _list(body.get("keywords"))),
                *(_text(i.get(k)) for i in items for k in ("name", "code", "description")),
                _text(department.get("name")),
                code or "",
            ]
        )
    )
    body_text = f"{name} {rest}" if name and rest else name or rest
    classes = [c for c in _list(body.get("classification")) if isinstance(c, dict)]
    class_codes = [_text(c.get("code")) for c in classes if _text(c.get("code")).isdigit()]
    bbox = _bbox(_part(body, "spatial").get("bbox"))
    prefixes = sorted({code[:n] for code in class_codes for n in range(1, len(code) + 1)})
    row: SearchRow = {
        "resource_id": str(resource_id),
        "status": status,
        "secret": secret,
        "origin_code": origin["code"],
        "origin_name": origin.get("name") or origin["code"],
        "path": " ".join(path),
        "department_code": department["code"],
        "department_name": department.get("name") or department["code"],
        "format": _text(_part(body, "format").get("category")) or "other",
        "share": _text(_part(body, "share").get("type")) or "none",
        "open": _part(body, "open").get("to_public") is True,
        "update_cycle": _text(body.get("update_cycle")) or "irregular",
        "class_top": class_codes[0][:3] if class_codes else None,
        "class_prefixes": " ".join(prefixes),
        "published_on": str(published_on or datetime.now(UTC).date()),
        "min_lon": bbox[0],
        "min_lat": bbox[1],
        "max_lon": bbox[2],
        "max_lat": bbox[3],
        "name_text": name,
        "body_text": body_text,
    }
    entries = document_lexemes(name=name, rest=rest) | _facet_lexemes(row, path, prefixes)
    row["lexemes"] = " ".join(entries)
    return row


def _facet_lexemes(row: SearchRow, path: list[str], prefixes: list[str]) -> set[str]:
    """The filter values of a row as index entries (search_text.facet_lexeme), and its box's
    grid cells (search_grid)."""
    origin, department = row["origin_code"], row["department_code"]
    pairs = [
        ("o", origin),
        ("d", f"{origin}:{department}"),
        ("dc", department),
        ("f", row["format"]),
        ("h", row["share"]),
        ("u", row["update_cycle"]),
        ("p", "1" if row["open"] else "0"),
        *(("n", code) for code in path),
        *(("c", prefix) for prefix in prefixes),
    ]
    entries = {e for kind, value in pairs if (e := facet_lexeme(kind, value)) is not None}
    if row["min_lon"] is not None:
        entries |= record_cells(row["min_lon"], row["min_lat"], row["max_lon"], row["max_lat"])
    return entries


# Copies from children come from other releases: read their fields defensively, never trusting
# a type, so an odd field can only make a row less complete, never fail an ingest.
def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _part(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def _bbox(value: Any) -> list[float | None]:
    numbers = [
        float(v)
        for v in _list(value)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    ]
    return list(numbers) if len(numbers) == 4 else [None] * 4


def row_for_view(view: dict[str, Any], *, path: list[str] | None = None) -> SearchRow:
    """The search row of a resource as the API shows it (a published view, or a child's copy)."""
    return row_for_body(
        view,
        resource_id=view["id"],
        status=view["status"],
        secret=bool(view.get("secret", False)),
        origin=view["origin"],
        path=path if path is not None else list(view["path"]),
        department=view["department"],
        code=view.get("code"),
        published_on=view.get("published_on"),
    )


def row_for(resource: Resource) -> SearchRow | None:
    """The search row of a local resource: its published face, else its working draft."""
    if resource.published is not None:
        body = resource.published
    elif resource.draft is not None:
        body = resource.draft.body
    else:
        return None
    created = resource.created_at.date() if resource.created_at else None
    return row_for_body(
        body,
        resource_id=resource.id,
        status=resource.status,
        secret=resource.secret,
        origin={"code": resource.origin_code, "name": resource.origin_name},
        path=list(resource.path),
        department={"code": resource.department_code, "name": resource.department_name},
        code=resource.code,
        published_on=resource.published_on or created,
    )


def refresh(session: Session, resource: Resource) -> None:
    """Rewrite one resource's row after a transition (same transaction as the transition)."""
    row = row_for(resource)
    if row is None:
        session.execute(delete(SearchDoc).where(SearchDoc.resource_id == resource.id))
    else:
        upsert(session, [row])


_COLUMNS = (
    "resource_id uuid, status text, secret boolean, origin_code text, origin_name text, "
    "path text, department_code text, department_name text, format text, share text, "
    "open boolean, update_cycle text, class_top text, class_prefixes text, published_on date, "
    "min_lon float8, min_lat float8, max_lon float8, max_lat float8, name_text text, "
    "body_text text, lexemes text"
)
_UPSERT = text(
    f"""
    INSERT INTO search_doc AS d (
        resource_id, status, secret, origin_code, origin_name, path, department_code,
        department_name, format, share, open, update_cycle, class_top, class_prefixes,
        published_on, min_lon, min_lat, max_lon, max_lat, name_text, body_text, lexemes)
    SELECT resource_id, status, secret, origin_code, origin_name, string_to_array(path, ' '),
           department_code, department_name, format, share, open, update_cycle, class_top,
           string_to_array(class_prefixes, ' '), published_on, min_lon, min_lat, max_lon,
           max_lat, name_text, body_text, array_to_tsvector(string_to_array(lexemes, ' '))
    FROM json_to_recordset(CAST(:rows AS json)) AS r({_COLUMNS})
    ON CONFLICT (resource_id) DO UPDATE SET
        status = excluded.status, secret = excluded.secret, origin_code = excluded.origin_code,
        origin_name = excluded.origin_name, path = excluded.path,
        department_code = excluded.department_code, department_name = excluded.department_name,
        format = excluded.format, share = excluded.share, open = excluded.open,
        update_cycle = excluded.update_cycle, class_top = excluded.class_top,
        class_prefixes = excluded.class_prefixes,
        published_on = excluded.published_on, min_lon = excluded.min_lon,
        min_lat = excluded.min_lat, max_lon = excluded.max_lon, max_lat = excluded.max_lat,
        name_text = excluded.name_text, body_text = excluded.body_text, lexemes = excluded.lexemes
    """
)


def upsert(session: Session, rows: Iterable[SearchRow]) -> None:
    """Write search rows (insert or replace), in one statement."""
    batch = list(rows)
    if batch:
        session.execute(_UPSERT, {"rows": orjson.dumps(batch).decode()})


def mark_retired(session: Session, resource_ids: list[uuid.UUID]) -> None:
    """A tombstone without metadata (a copy made secret at its origin): hide it from readers."""
    if resource_ids:
        session.execute(
            update(SearchDoc)
            .where(SearchDoc.resource_id.in_(resource_ids))
            .values(status="retired")
        )


def reindex(session: Session, *, batch_size: int = 2000) -> int:
    """Rebuild every row from the records (`catalog reindex`); commits once, returns the count."""
    session.execute(delete(SearchDoc))
    count = 0
    for rows in _rows_in_batches(session, batch_size):
        upsert(session, rows)
        count += len(rows)
    session.execute(text("ANALYZE search_doc"))
    session.commit()
    return count


def _rows_in_batches(session: Session, batch_size: int) -> Iterator[list[SearchRow]]:
    after: uuid.UUID | None = None
    while True:
        query = select(Resource).order_by(Resource.id).limit(batch_size)
        if after is not None:
            query = query.where(Resource.id > after)
        resources = session.scalars(query).unique().all()
        if not resources:
            return
        after = resources[-1].id
        yield [row for row in map(row_for, resources) if row is not None]
        session.expunge_all()


def indexed_count(session: Session) -> int:
    """How many rows the directory holds (for reindex reports and checks)."""
    return int(session.scalar(select(func.count()).select_from(SearchDoc)) or 0)
