"""Handing many rows to PostgreSQL at once: COPY into a transaction's temporary table.

The bulk path and the ingest of a child's batch write hundreds of records per statement. COPY's
text format is the cheapest way in: PostgreSQL parses each field once by its column type, where a
JSON parameter unpacked by `json_to_recordset` is lexed twice (validation, then extraction), which
was a fifth of the database's time on an ingest. The statements that write the real tables then
read the staged rows with plain SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session


def stage(
    session: Session,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Fill the temporary `table` (name, type per column) with `rows` alone, in the caller's
    transaction; the table is created on first use and empties itself at commit."""
    definition = ", ".join(f"{name} {kind}" for name, kind in columns)
    session.execute(
        text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} ({definition}) ON COMMIT DELETE ROWS")
    )
    # Rows of an earlier call in the same transaction would be written again.
    session.execute(text(f"DELETE FROM {table}"))
    names = ", ".join(name for name, _ in columns)
    connection = session.connection().connection.driver_connection
    assert isinstance(connection, psycopg.Connection)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
