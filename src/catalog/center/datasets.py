"""Datasets: tabular content (CSV, XLSX) loaded into rows the node serves with filters and paging.

Each row is a JSON object of column -> text, numbered from 1 in file order. Values are kept as
the text the file holds (an XLSX number as its decimal text, a date as YYYY-MM-DD), so a filter
`where.<column>=<value>` is one containment test on a GIN index, whatever the column's type.
Pages are keysets on the row number. Files with more than MAX_ROWS rows are stored as content but
not loaded (their `dataset` is absent).
"""

from __future__ import annotations

import base64
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from catalog.center import acquisition, registry
from catalog.center.errors import NotFound, ValidationFailed
from catalog.center.extract.proposal import Unreadable
from catalog.center.extract.sniff import kind_of
from catalog.center.extract.tables import open_csv
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.service_models import ContentObject, DatasetRow

MAX_ROWS = 2_000_000
_BATCH = 5000


def load(session: Session, content: ContentObject, path: Path) -> None:
    """Load the rows of tabular content (in the upload's transaction); other content is left be."""
    try:
        kind, _ = kind_of(path, content.filename)
    except Unreadable:
        return
    opener = {"csv": open_csv, "xlsx": _open_xlsx}.get(kind)
    if opener is None:
        return
    try:
        with opener(path) as (header, rows):
            columns = _column_names(header)
            count = _insert_rows(session, content, columns, rows)
    except (Unreadable, _TooLarge):
        session.execute(delete(DatasetRow).where(DatasetRow.content_id == content.id))
        return
    content.columns, content.rows = columns, count


class _TooLarge(Exception):
    pass


def _insert_rows(
    session: Session, content: ContentObject, columns: list[str], rows: Iterator[Any]
) -> int:
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        values = list(row)
        if not any(value not in (None, "") for value in values):
            continue
        count += 1
        if count > MAX_ROWS:
            raise _TooLarge
        data = {name: _text(value) for name, value in zip(columns, values, strict=False)}
        batch.append({"content_id": content.id, "row_no": count, "data": data})
        if len(batch) >= _BATCH:
            session.execute(insert(DatasetRow), batch)
            batch = []
    if batch:
        session.execute(insert(DatasetRow), batch)
    return count


def _column_names(header: Any) -> list[str]:
    """Column names from the header row: blanks named by position, repeats numbered."""
    names: list[str] = []
    for index, value in enumerate(header):
        name = " ".join(str(value if value is not None else "").split()) or f"列{index + 1}"
        base, n = name, 2
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    return names


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@contextmanager
def _open_xlsx(path: Path) -> Iterator[tuple[list[Any], Iterator[Any]]]:
    """The header and rows of a workbook's first sheet."""
    with path.open("rb") as file:
        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise Unreadable(f"not a readable workbook ({type(error).__name__})") from None
        try:
            rows = workbook.worksheets[0].iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                raise Unreadable("the first sheet is empty")
            yield list(header), rows
        finally:
            workbook.close()


def tabular_content(session: Session, *, resource_id: Any, content_id: Any | None) -> ContentObject:
    """The chosen (or else the first loaded) dataset of a resource."""
    query = select(ContentObject).where(
        ContentObject.resource_id == resource_id, ContentObject.columns.is_not(None)
    )
    if content_id is not None:
        query = query.where(ContentObject.id == content_id)
    content = session.scalars(query.order_by(ContentObject.created_at, ContentObject.id)).first()
    if content is None:
        raise NotFound(
            "this resource holds no dataset" + (" with that content_id" if content_id else "")
        )
    return content


def rows(
    session: Session,
    content: ContentObject,
    *,
    where: dict[str, str],
    limit: int | None,
    after: int,
) -> list[tuple[int, dict[str, Any]]]:
    """Rows after row number `after` matching every `where` column, in file order."""
    columns = content.columns or []
    for column in where:
        if column not in columns:
            raise ValidationFailed.on(f"where.{column}", "no such column in this dataset")
    query = (
        select(DatasetRow.row_no, DatasetRow.data)
        .where(DatasetRow.content_id == content.id, DatasetRow.row_no > after)
        .order_by(DatasetRow.row_no)
    )
    if where:
        query = query.where(DatasetRow.data.contains(where))
    if limit is not None:
        query = query.limit(limit)
    return [(int(n), dict(data)) for n, data in session.execute(query)]


def encode_cursor(row_no: int) -> str:
    """An opaque cursor for the page after this row."""
    return base64.urlsafe_b64encode(f"r{row_no}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The row number a cursor stands for (0: the start)."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith("r") and text[1:].isdigit():
            return int(text[1:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise ValidationFailed.on("cursor", "not a cursor this node issued")


def query(
    session: Session,
    *,
    resource_id: uuid.UUID,
    content_id: uuid.UUID | None,
    actor: Actor,
    node: Node,
    where: dict[str, str],
    limit: int,
    cursor: str | None,
) -> tuple[ContentObject, list[tuple[int, dict[str, Any]]], str | None]:
    """A page of a resource's dataset for an actor with a right to it (the query is logged);
    the next cursor is None on the last page."""
    content = _readable(session, resource_id, content_id, actor, node, where, "json")
    page = rows(session, content, where=where, limit=limit + 1, after=decode_cursor(cursor))
    more = len(page) > limit
    page = page[:limit]
    return content, page, encode_cursor(page[-1][0]) if more else None


def export(
    session: Session,
    *,
    resource_id: uuid.UUID,
    content_id: uuid.UUID | None,
    actor: Actor,
    node: Node,
    where: dict[str, str],
) -> tuple[ContentObject, Iterator[dict[str, Any]]]:
    """Every matching row of a dataset, read a page at a time as the caller consumes them."""
    content = _readable(session, resource_id, content_id, actor, node, where, "csv")

    def every_row() -> Iterator[dict[str, Any]]:
        after = 0
        while True:
            page = rows(session, content, where=where, limit=_BATCH, after=after)
            for _number, data in page:
                yield data
            if len(page) < _BATCH:
                return
            after = page[-1][0]

    return content, every_row()


def _readable(
    session: Session,
    resource_id: uuid.UUID,
    content_id: uuid.UUID | None,
    actor: Actor,
    node: Node,
    where: dict[str, str],
    form: str,
) -> ContentObject:
    resource = registry.visible(session, resource_id, actor)
    acquisition.require_content_right(session, resource, actor, node)
    content = tabular_content(session, resource_id=resource.id, content_id=content_id)
    acquisition.record_use(
        session, resource, actor, "dataset", content_id=str(content.id), where=where, format=form
    )
    return content
