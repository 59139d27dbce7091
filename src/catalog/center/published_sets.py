"""Writing many published records at once: the bulk path and the ingest of a child's batch.

Both hand over the records as the API shows them (views); they travel to PostgreSQL as one JSON
parameter, unpacked once into a temporary table (far cheaper than thousands of bound parameters
or ORM objects), from which statements update the records held here where newer and insert the
others (each with its audit entry), then write their search rows and, last, their feed rows. The
feed is written last because its lock is held until commit and serialises every writer of the
feed: all the rest of one set overlaps with the next set's work.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.center import feed, search_index
from catalog.center.errors import Conflict

# The fields of a view that are columns of `resource`, not part of its stored document.
ENVELOPE_FIELDS = frozenset(
    {
        "id",
        "code",
        "status",
        "version",
        "department",
        "origin",
        "path",
        "published_on",
        "created_at",
        "updated_at",
        "has_draft",
    }
)


@dataclass(frozen=True)
class PublishedRecord:
    """One record to write: its view (with the path it has here), and what only a local record
    has (its department row and secrecy; a copy from a child has neither)."""

    id: uuid.UUID
    view: dict[str, Any]
    search_row: search_index.SearchRow
    department_id: int | None = None
    secret: bool = False


_STAGE = text(
    """
    CREATE TEMPORARY TABLE IF NOT EXISTS published_set (
        id uuid, department_id int, secret boolean, payload jsonb
    ) ON COMMIT DELETE ROWS
    """
)
_LOAD = text(
    """
    INSERT INTO published_set
    SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))
        AS r(id uuid, department_id int, secret boolean, payload jsonb)
    """
)
# Each column of `resource` as computed from a staged row `s`.
_COLUMNS = {
    "id": "s.id",
    "code": "s.payload->>'code'",
    "status": "s.payload->>'status'",
    "version": "CAST(s.payload->>'version' AS int)",
    "origin_code": "s.payload->'origin'->>'code'",
    "origin_name": "s.payload->'origin'->>'name'",
    "origin_url": "s.payload->'origin'->>'url'",
    "path": "s.payload->'path'",
    "department_id": "s.department_id",
    "department_code": "s.payload->'department'->>'code'",
    "department_name": "s.payload->'department'->>'name'",
    "secret": "s.secret",
    "published": "s.payload - CAST(:envelope AS text[])",
    "published_on": "CAST(s.payload->>'published_on' AS date)",
    "created_at": "coalesce(CAST(s.payload->>'created_at' AS timestamptz), now())",
    "updated_at": "CAST(s.payload->>'updated_at' AS timestamptz)",
}
# What a newer version does not change: identity, where it comes from, and local facts.
_KEPT = {"id", "origin_code", "department_id", "secret", "created_at"}
_REPLACED = ", ".join(f"{c} = {e}" for c, e in _COLUMNS.items() if c not in _KEPT)
_AUDITED = """
    audited AS (
        INSERT INTO audit_event (resource_id, actor, action, to_status, comment, version)
        SELECT id, :actor, :action, status, :comment, version FROM written
    )
"""
# Rows held here are locked in id order first, so that two sets sharing records (a pull racing
# a push) wait for each other instead of each holding a row the other needs.
_UPDATE = text(
    f"""
    WITH held AS MATERIALIZED (
        SELECT id FROM resource WHERE id = ANY(CAST(:ids AS uuid[])) ORDER BY id FOR UPDATE
    ), written AS (
        -- The id list again, so that the planner looks the rows up by key: the temporary
        -- table has no statistics, and it once chose to read the whole table.
        UPDATE resource r SET {_REPLACED}
        FROM held JOIN published_set s USING (id)
        WHERE r.id = ANY(CAST(:ids AS uuid[])) AND r.id = held.id
          AND r.version < {_COLUMNS["version"]}
          AND r.origin_code = {_COLUMNS["origin_code"]}
        RETURNING r.id, r.version, r.status
    ), {_AUDITED}
    SELECT held.id, written.id IS NOT NULL FROM held LEFT JOIN written USING (id)
    """
)
# ON CONFLICT without a target makes both unique indexes (id and code) arbiters. With `(id)` alone
# the code index is checked by waiting on the other inserter while holding this one's speculative
# insertion: two sets inserting the same new record deadlocked that way.
_INSERT = text(
    f"""
    WITH written AS (
        INSERT INTO resource ({", ".join(_COLUMNS)})
        SELECT {", ".join(_COLUMNS.values())}
        FROM published_set s WHERE s.id <> ALL(CAST(:held AS uuid[])) ORDER BY s.id
        ON CONFLICT DO NOTHING
        RETURNING id, version, status
    ), {_AUDITED}
    SELECT id FROM written
    """
)
_FEED = text(
    """
    INSERT INTO change (resource_id, version, op, origin, path, payload)
    SELECT id, CAST(payload->>'version' AS int),
           CASE WHEN payload->>'status' = 'retired' THEN 'retire' ELSE 'upsert' END,
           payload->'origin'->>'code', payload->'path', payload
    FROM published_set JOIN unnest(CAST(:written AS uuid[])) AS written(id) USING (id)
    WHERE NOT secret
    """
)


def write(
    session: Session,
    records: Iterable[PublishedRecord],
    *,
    actor: str,
    action: str,
    comment: str | None = None,
) -> list[str]:
    """Write the records that are new here or newer than the copy held (never one of another
    origin under the same id), in the caller's transaction; returns the ids written."""
    staged = {str(r.id): r for r in records}
    if not staged:
        return []
    rows = [
        {"id": rid, "department_id": r.department_id, "secret": r.secret, "payload": r.view}
        for rid, r in staged.items()
    ]
    session.execute(_STAGE)
    session.execute(_LOAD, {"rows": orjson.dumps(rows).decode()})
    params = {
        "envelope": sorted(ENVELOPE_FIELDS),
        "actor": actor,
        "action": action,
        "comment": comment,
    }
    written, replaced = _write_records(session, params, staged)
    search_index.upsert(session, (staged[i].search_row for i in written))
    if written:
        feed.lock_and_notify(session)
        # Only a record held here before has older feed rows: records are never deleted.
        feed.drop_superseded(session, replaced)
        session.execute(_FEED, {"written": written})
    return written


def _write_records(
    session: Session, params: dict[str, Any], staged: dict[str, PublishedRecord]
) -> tuple[list[str], list[str]]:
    """Update the records held here where newer, insert the others; returns the ids written, and
    of those the ids that replaced a record held here.

    A record another transaction inserted meanwhile is skipped by the insert once that
    transaction commits, and is then held: the second round updates it if this one is newer.
    What the second round still cannot insert collides with another record's code.
    """
    replaced: list[str] = []
    new: list[str] = []
    for _round in range(2):
        held: list[str] = []
        for rid, updated in session.execute(_UPDATE, {**params, "ids": list(staged)}):
            held.append(str(rid))
            if updated:
                replaced.append(str(rid))
        inserted = [str(i) for i in session.execute(_INSERT, {**params, "held": held}).scalars()]
        new += inserted
        missing = staged.keys() - set(held) - set(inserted)
        if not missing:
            return replaced + new, replaced
    codes = sorted(str(staged[rid].view.get("code")) for rid in missing)
    raise Conflict(f"resource codes held here by other resources: {', '.join(codes)}")
