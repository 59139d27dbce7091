"""Databases: one proposal per table, with its columns as items and its row count or estimate.

The password is used for this one connection and dropped: it is a `SecretStr` (never printed),
is not stored, is scrubbed from any error text, and the connection is read-only with timeouts.
SQLite files are read only from the node's drop folder (`CATALOG_DATA_DIR/extract`), never from
an arbitrary path on the server.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import psycopg
import pymysql
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from catalog.center.extract.proposal import Proposal, Unreadable

MAX_TABLES = 1000
CONNECT_TIMEOUT = 10
STATEMENT_TIMEOUT_MS = 15_000
Kind = Literal["postgresql", "kingbase", "mysql", "sqlite"]
_DEFAULT_PORTS = {"postgresql": 5432, "kingbase": 54321, "mysql": 3306}
_LABELS = {
    "postgresql": "PostgreSQL",
    "kingbase": "KingbaseES",
    "mysql": "MySQL",
    "sqlite": "SQLite",
}


class DatabaseSource(BaseModel):
    """Where the database is and how to log in (POST /api/v1/extract/database)."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    host: str | None = Field(default=None, max_length=255)
    port: int | None = Field(default=None, ge=1, le=65535)
    database: str | None = Field(default=None, max_length=128)
    user: str | None = Field(default=None, max_length=128)
    password: SecretStr | None = None
    schema_name: str | None = Field(default=None, alias="schema", max_length=128)
    path: str | None = Field(
        default=None, max_length=1000, description="SQLite: file name in the drop folder"
    )

    @model_validator(mode="after")
    def _enough_to_connect(self) -> DatabaseSource:
        if self.kind == "sqlite":
            if not self.path:
                raise ValueError("path is required for sqlite")
            return self
        for name in ("host", "database", "user"):
            if not getattr(self, name):
                raise ValueError(f"{name} is required for {self.kind}")
        return self


class _Table:
    def __init__(self, schema: str | None, name: str, comment: str | None = None) -> None:
        self.schema, self.name, self.comment = schema, name, comment
        self.items: list[dict[str, Any]] = []
        self.rows: int | None = None


def extract_database(source: DatabaseSource, *, drop_folder: Path) -> list[Proposal]:
    """A proposal for every table (and view) the login can see, up to MAX_TABLES."""
    secret = source.password.get_secret_value() if source.password else ""
    try:
        if source.kind == "sqlite":
            tables = _sqlite(_drop_file(drop_folder, source.path or ""))
        elif source.kind == "mysql":
            tables = _mysql(source, secret)
        else:
            tables = _postgresql(source, secret)
    except (psycopg.Error, pymysql.MySQLError, sqlite3.Error) as error:
        message = str(error).replace(secret, "***") if secret else str(error)
        raise Unreadable(
            f"could not read the database: {message.strip()}", path="database"
        ) from None
    return [_proposal(source, table) for table in tables]


def _proposal(source: DatabaseSource, table: _Table) -> Proposal:
    proposal = Proposal()
    qualified = f"{table.schema}.{table.name}" if table.schema else table.name
    proposal.title(table.comment or table.name)
    where = source.database or Path(source.path or "").name
    proposal.describe(table.comment or f"{where} 库中的 {qualified} 表")
    proposal.body["format"] = {"category": "database", "type": _LABELS[source.kind]}
    proposal.body["items"] = table.items
    proposal.facts.update(
        table=qualified,
        database=where,
        rows=table.rows,
        columns=len(table.items),
        server=f"{source.host}:{source.port or _DEFAULT_PORTS[source.kind]}"
        if source.host
        else None,
    )
    proposal.facts = {k: v for k, v in proposal.facts.items() if v is not None}
    return proposal


def _server(source: DatabaseSource) -> str | None:
    if not source.host:
        return None
    return f"{source.host}:{source.port or _DEFAULT_PORTS[source.kind]}"


def _drop_file(folder: Path, name: str) -> Path:
    root = folder.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Unreadable(f"no file {name} in the node's drop folder", path="path")
    return path


def _postgresql(source: DatabaseSource, password: str) -> list[_Table]:
    options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c default_transaction_read_only=on"
    with psycopg.connect(
        host=source.host,
        port=source.port or _DEFAULT_PORTS[source.kind],
        dbname=source.database,
        user=source.user,
        password=password or None,
        connect_timeout=CONNECT_TIMEOUT,
        options=options,
        autocommit=True,
    ) as conn:
        schema_filter = "AND n.nspname = %(schema)s" if source.schema_name else ""
        tables: dict[tuple[str, str], _Table] = {}
        for schema, name, rows, comment in conn.execute(
            f"""
            SELECT n.nspname, c.relname, c.reltuples::bigint, obj_description(c.oid, 'pg_class')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg_toast%%' {schema_filter}
            ORDER BY 1, 2 LIMIT {MAX_TABLES}
            """,
            {"schema": source.schema_name},
        ):
            table = tables[(schema, name)] = _Table(schema, name, comment)
            table.rows = int(rows) if rows is not None and rows >= 0 else None
        for schema, name, column, data_type, length, precision, comment in conn.execute(
            f"""
            SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, NULL),
                   CASE WHEN a.atttypmod > 4 AND t.typcategory = 'S' THEN a.atttypmod - 4 END,
                   information_schema._pg_numeric_precision(a.atttypid, a.atttypmod),
                   col_description(c.oid, a.attnum)
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') {schema_filter}
            ORDER BY n.nspname, c.relname, a.attnum
            """,
            {"schema": source.schema_name},
        ):
            if (schema, name) in tables:
                tables[(schema, name)].items.append(
                    _item(column, _postgres_type(data_type), length or precision, comment)
                )
        for (schema, name), table in tables.items():
            if table.rows is None:  # never analysed: count, within the statement timeout
                query = psycopg.sql.SQL("SELECT count(*) FROM {}.{}").format(
                    psycopg.sql.Identifier(schema), psycopg.sql.Identifier(name)
                )
                row = conn.execute(query).fetchone()
                table.rows = int(row[0]) if row else None
    return list(tables.values())


def _mysql(source: DatabaseSource, password: str) -> list[_Table]:
    conn = pymysql.connect(
        host=source.host,
        port=source.port or _DEFAULT_PORTS["mysql"],
        user=source.user,
        password=password,
        database=source.database,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=STATEMENT_TIMEOUT_MS // 1000,
        charset="utf8mb4",
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT TABLE_NAME, TABLE_ROWS, TABLE_COMMENT FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME LIMIT %s",
                (source.database, MAX_TABLES),
            )
            tables: dict[str, _Table] = {}
            for name, rows, comment in cursor.fetchall():
                table = tables[name] = _Table(None, name, comment or None)
                table.rows = int(rows) if rows is not None else None
            cursor.execute(
                "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH,"
                " NUMERIC_PRECISION, COLUMN_COMMENT FROM information_schema.COLUMNS"
                " WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, ORDINAL_POSITION",
                (source.database,),
            )
            for name, column, data_type, column_type, length, precision, comment in cursor:
                if name in tables:
                    tables[name].items.append(
                        _item(
                            column,
                            _mysql_type(data_type, column_type),
                            length or precision,
                            comment,
                        )
                    )
    finally:
        conn.close()
    return list(tables.values())


def _sqlite(path: Path) -> list[_Table]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=CONNECT_TIMEOUT)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT ?",
                (MAX_TABLES,),
            )
        ]
        tables = []
        for name in names:
            table = _Table(None, name)
            quoted = '"' + name.replace('"', '""') + '"'
            for _cid, column, declared, *_rest in conn.execute(f"PRAGMA table_info({quoted})"):
                data_type, length = _sqlite_type(declared or "")
                table.items.append(_item(column, data_type, length, None))
            table.rows = int(conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0])
            tables.append(table)
        return tables
    finally:
        conn.close()


def _item(name: str, data_type: str, length: Any, comment: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": (comment or name)[:100],
        "code": name[:100],
        "data_type": data_type,
    }
    if (
        data_type in ("C", "N", "I", "F", "B", "Y")
        and isinstance(length, int)
        and 0 < length <= 1_000_000
    ):
        item["length"] = length
    if comment and comment != name:
        item["description"] = comment[:500]
    return item


def _first(mapping: Iterable[tuple[Callable[[str], bool], str]], name: str, default: str) -> str:
    return next((letter for test, letter in mapping if test(name)), default)


def _postgres_type(name: str) -> str:
    name = name.lower()
    return _first(
        [
            (lambda n: n in ("smallint", "integer", "bigint"), "I"),
            (lambda n: n == "numeric", "N"),
            (lambda n: n == "money", "Y"),
            (lambda n: n == "real", "F"),
            (lambda n: n == "double precision", "B"),
            (lambda n: n == "date", "D"),
            (lambda n: n.startswith("timestamp"), "T"),
            (lambda n: n == "boolean", "L"),
            (lambda n: n in ("text", "json", "jsonb", "xml"), "M"),
            (lambda n: n == "bytea", "G"),
        ],
        name,
        "C",
    )


def _mysql_type(data_type: str, column_type: str) -> str:
    name = data_type.lower()
    if column_type.lower().startswith("tinyint(1)") or name in ("bool", "boolean", "bit"):
        return "L"
    return _first(
        [
            (lambda n: n in ("tinyint", "smallint", "mediumint", "int", "integer", "bigint"), "I"),
            (lambda n: n in ("decimal", "numeric"), "N"),
            (lambda n: n == "float", "F"),
            (lambda n: n in ("double", "real"), "B"),
            (lambda n: n == "date", "D"),
            (lambda n: n in ("datetime", "timestamp"), "T"),
            (lambda n: n.endswith("text") or n == "json", "M"),
            (lambda n: n.endswith("blob") or n.endswith("binary"), "G"),
        ],
        name,
        "C",
    )


def _sqlite_type(declared: str) -> tuple[str, int | None]:
    """SQLite's affinity rules (section 3.1 of its datatype page), plus dates by name."""
    upper = declared.upper()
    length = None
    if "(" in upper:
        inside = upper[upper.index("(") + 1 : upper.rindex(")") if ")" in upper else None]
        head = inside.split(",")[0].strip()
        length = int(head) if head.isdigit() else None
    if "INT" in upper:
        return "I", length
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return ("M" if "TEXT" in upper or "CLOB" in upper else "C"), length
    if "BLOB" in upper or not upper:
        return "G", None
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "B", length
    if "DATETIME" in upper or "TIMESTAMP" in upper:
        return "T", None
    if "DATE" in upper:
        return "D", None
    if "BOOL" in upper:
        return "L", None
    return "N", length
