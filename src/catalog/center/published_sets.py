"""Writing many published records at once: the bulk path and the ingest of a child's batch.

Both hand over the records as the API shows them (views); they travel to PostgreSQL as one JSON
parameter, unpacked once into a temporary table (far cheaper than thousands of bound parameters
or ORM objects), from which four statements write the records where newer, their audit entries,
their search rows and, last, their feed rows. The feed is written last because its lock is held
until commit and serialises every writer of the feed: all the rest of one set overlaps with the
next set's work.
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
_WRITE = text(
    """
    WITH written AS (
        INSERT INTO resource (
            id, code, status, version, origin_code, origin_name, origin_url, path,
            department_id, department_code, department_name, secret, published, published_on,
            created_at, updated_at)
        SELECT id, payload->>'code', payload->>'status', CAST(payload->>'version' AS int),
               payload->'origin'->>'code', payload->'origin'->>'name', payload->'origin'->>'url',
               payload->'path', department_id, payload->'department'->>'code',
               payload->'department'->>'name', secret, payload - CAST(:envelope AS text[]),
               CAST(payload->>'published_on' AS date),
               coalesce(CAST(payload->>'created_at' AS timestamptz), now()),
               CAST(payload->>'updated_at' AS timestamptz)
        FROM published_set
        ON CONFLICT (id) DO UPDATE SET
            code = excluded.code, status = excluded.status, version = excluded.version,
            origin_name = excluded.origin_name, origin_url = excluded.origin_url,
            path = excluded.path, department_code = excluded.department_code,
            department_name = excluded.department_name, published = excluded.published,
            published_on = excluded.published_on, updated_at = excluded.updated_at
        WHERE resource.version < excluded.version AND resource.origin_code = excluded.origin_code
        RETURNING id, version, status
    ), audited AS (
        INSERT INTO audit_event (resource_id, actor, action, to_status, comment, version)
        SELECT id, :actor, :action, status, :comment, version FROM written
    )
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
    batch = list(records)
    if not batch:
        return []
    rows = [
        {
            "id": str(r.id),
            "department_id": r.department_id,
            "secret": r.secret,
            "payload": r.view,
        }
        for r in batch
    ]
    session.execute(_STAGE)
    session.execute(_LOAD, {"rows": orjson.dumps(rows).decode()})
    params = {
        "envelope": sorted(ENVELOPE_FIELDS),
        "actor": actor,
        "action": action,
        "comment": comment,
    }
    written = [str(i) for i in session.execute(_WRITE, params).scalars()]
    rows_by_id = {str(r.id): r.search_row for r in batch}
    search_index.upsert(session, (rows_by_id[i] for i in written))
    if written:
        feed.lock_and_notify(session)
        session.execute(_FEED, {"written": written})
    return written
