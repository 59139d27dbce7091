"""Tables: CSV, XLSX and DBF become information items (信息项) with types, lengths and row counts.

Types are the standard's letters (METADATA.md): C 字符, M 备注 (long text), I 整型, N 数值,
D 日期, T 日期时间, L 逻辑. A column's type is inferred from a sample of its values; its length
is the longest value seen. Rows are counted over the whole table.
"""

from __future__ import annotations

import csv
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from dbfread import DBF
from dbfread.exceptions import DBFNotFound, MissingMemoFile
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from catalog.center.extract.proposal import Proposal, Unreadable
from catalog.center.extract.sniff import decode_text, safe_members

SAMPLE_ROWS = 10_000
MAX_ITEMS = 2000
_LONG_TEXT = 255
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{4}年\d{1,2}月\d{1,2}日$")
_DATETIME = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?")
_LOGICAL = {"true", "false", "是", "否", "y", "n", "t", "f", "yes", "no"}
_ORDER = ["L", "I", "N", "D", "T"]  # narrower first: a column keeps the widest type it needs


class Column:
    """What has been seen of one column: its candidate type and longest value."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.kinds: set[str] = set()
        self.length = 0

    def see(self, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            kind, text = "L", str(value)
        elif isinstance(value, int):
            kind, text = "I", str(value)
        elif isinstance(value, float | Decimal):
            kind, text = "N", str(value)
        elif isinstance(value, datetime):
            is_date = value.hour == value.minute == value.second == 0
            kind, text = ("D" if is_date else "T"), value.isoformat()
        elif isinstance(value, date):
            kind, text = "D", value.isoformat()
        else:
            text = str(value).strip()
            if not text:
                return
            kind = _kind_of_text(text)
        self.kinds.add(kind)
        self.length = max(self.length, len(text))

    def item(self) -> dict[str, Any]:
        kind = self._kind()
        item: dict[str, Any] = {"name": self.name[:100] or "未命名", "data_type": kind}
        if kind in ("C", "N", "I") and self.length:
            item["length"] = self.length
        return item

    def _kind(self) -> str:
        kinds = self.kinds
        if not kinds:
            return "C"
        if kinds <= {"I"}:
            return "I"
        if kinds <= {"I", "N"}:
            return "N"
        if kinds <= {"D"}:
            return "D"
        if kinds <= {"D", "T"}:
            return "T"
        if kinds <= {"L"}:
            return "L"
        return "M" if self.length > _LONG_TEXT else "C"


def _kind_of_text(text: str) -> str:
    if _INTEGER.match(text):
        return "I"
    if _NUMBER.match(text):
        return "N"
    if _DATE.match(text):
        return "D"
    if _DATETIME.match(text):
        return "T"
    if text.lower() in _LOGICAL:
        return "L"
    return "M" if len(text) > _LONG_TEXT else "C"


def items_of(names: list[str], rows: Iterable[Iterable[Any]]) -> tuple[list[dict[str, Any]], int]:
    """Items inferred from the first SAMPLE_ROWS rows, and the number of rows in all."""
    columns = [Column(_name(name, index)) for index, name in enumerate(names[:MAX_ITEMS])]
    count = 0
    for row in rows:
        if count < SAMPLE_ROWS:
            for column, value in zip(columns, row, strict=False):
                column.see(value)
        count += 1
    return [column.item() for column in columns], count


def _name(name: Any, index: int) -> str:
    text = " ".join(str(name or "").split())
    return text or f"列{index + 1}"


def csv_file(path: Path, proposal: Proposal) -> None:
    """A delimited text table with a header row (comma, tab, semicolon or |), UTF-8 or GB 18030."""
    with open_csv(path) as (header, rows):
        try:
            items, count = items_of(header, rows)
        except csv.Error as error:
            raise Unreadable(f"not a readable CSV table ({error})") from None
    _table(proposal, items, count, "csv")


@contextmanager
def open_csv(path: Path) -> Iterator[tuple[list[str], Iterator[list[str]]]]:
    """The header and the remaining rows of a CSV file, its encoding and delimiter sniffed."""
    with path.open("rb") as file:
        head = file.read(64 * 1024)
    encoding = "utf-8-sig" if _is_utf8(head) else "gb18030"
    try:
        sample = "\n".join(decode_text(head).splitlines()[:20])
        dialect: Any = csv.Sniffer().sniff(sample, ",\t;|")
    except csv.Error:
        dialect = csv.excel
    with path.open(encoding=encoding, errors="replace", newline="") as file:
        reader = csv.reader(file, dialect)
        try:
            header = next(reader)
        except StopIteration:
            raise Unreadable("the table is empty") from None
        except csv.Error as error:
            raise Unreadable(f"not a readable CSV table ({error})") from None
        yield header, reader


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as error:
        return error.start > len(data) - 4  # a character cut by the 64 KB boundary


def xlsx(path: Path, proposal: Proposal) -> None:
    """The first non-empty sheet: header row, items, rows; every sheet's name and size as facts."""
    with zipfile.ZipFile(path) as archive:
        safe_members(archive)
    # Given a file object, openpyxl judges the content and not the name (an upload has none).
    # It parses the parts itself, through defusedxml (installed for this): no entities, no DTD.
    with path.open("rb") as file:
        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
            try:
                sheets, chosen = _sheets(workbook)
            finally:
                workbook.close()
        except _WORKBOOK_ERRORS as error:
            raise Unreadable(f"not a readable XLSX workbook ({type(error).__name__})") from None
    proposal.facts["sheets"] = sheets
    if chosen is None:
        raise Unreadable("the workbook has no sheet with a header row")
    _table(proposal, *chosen, "xlsx")
    proposal.title(workbook.properties.title)
    proposal.describe(workbook.properties.description or workbook.properties.subject)
    proposal.keywords(str(workbook.properties.keywords or "").replace("，", ",").split(","))


_WORKBOOK_ERRORS = (
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    ValueError,  # defusedxml's refusals are ValueErrors
    SyntaxError,  # XML parse errors
    OSError,
)


def _sheets(workbook: Any) -> tuple[list[dict[str, Any]], tuple[list[dict[str, Any]], int] | None]:
    """Every sheet's name and row count, and the items and rows of the first with a header."""
    sheets = []
    chosen: tuple[list[dict[str, Any]], int] | None = None
    for sheet in workbook.worksheets:
        rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or all(value is None for value in header):
            sheets.append({"name": sheet.title, "rows": 0})
            continue
        items, count = items_of(list(header), rows)
        sheets.append({"name": sheet.title, "rows": count})
        if chosen is None:
            chosen = (items, count)
    return sheets, chosen


def dbf(path: Path, proposal: Proposal) -> None:
    """A dBase table: its fields already carry the standard's type letters and lengths."""
    try:
        table = DBF(
            str(path), load=False, char_decode_errors="replace", ignore_missing_memofile=True
        )
        items = [_dbf_item(field) for field in table.fields[:MAX_ITEMS]]
        rows = len(table)
    except (DBFNotFound, MissingMemoFile, ValueError, struct.error, OSError) as error:
        raise Unreadable(f"not a readable DBF table ({error})") from None
    _table(proposal, items, rows, "dbf")


# dBase/FoxPro field types onto the standard's letters (they share their origin).
_DBF_TYPES = {
    **{letter: letter for letter in "CNFDLMTYGBI"},
    "@": "T",  # timestamp
    "+": "I",  # autoincrement
    "O": "B",  # double
}


def _dbf_item(field: Any) -> dict[str, Any]:
    letter = _DBF_TYPES.get(field.type, "C")
    if letter == "N" and field.decimal_count == 0 and field.length <= 9:
        letter = "I"
    item: dict[str, Any] = {"name": field.name, "code": field.name, "data_type": letter}
    if letter in ("C", "N", "F", "I") and field.length:
        item["length"] = field.length
    return item


def _table(proposal: Proposal, items: list[dict[str, Any]], rows: int, kind: str) -> None:
    proposal.body["items"] = items
    proposal.body["format"] = {"category": "spreadsheet", "type": kind}
    proposal.facts["rows"] = rows
    proposal.facts["columns"] = len(items)
