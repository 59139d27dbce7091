"""Applying a batch from a child: validate it whole, keep only newer versions, feed them onward.

Everything happens in one transaction with the child's cursor, so a crash at any point either
applies the batch and moves the cursor, or does neither; a batch sent again is harmless because a
change is applied only if its version is newer than the one held.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import faults
from catalog.center import feed, search_index
from catalog.center.errors import Conflict, FieldError, Forbidden, ValidationFailed
from catalog.center.models import AuditEvent, Resource, SyncPeer
from catalog.center.node import Node
from catalog.sync.division import covers
from catalog.sync.wire import ENVELOPE_FIELDS, BatchIn, ChangeIn, ResourceCopy

_log = logging.getLogger("catalog.sync")


@dataclass(frozen=True)
class IngestResult:
    """The answer to a push: the cursor now held for the sender, and what was done."""

    ack: int
    applied: int
    skipped: int


def check_batch(batch: BatchIn, *, sender: str, own: Node) -> list[ResourceCopy | None]:
    """Refuse the whole batch if any change breaks the division rule or is malformed."""
    if batch.node != sender:
        raise Forbidden("the batch names another sender than the one that signed it")
    refused: list[FieldError] = []
    copies: list[ResourceCopy | None] = []
    for index, change in enumerate(batch.changes):
        if not covers(sender, change.origin):
            refused.append(
                FieldError(f"changes.{index}.origin", f"{change.origin} is outside {sender}")
            )
        elif (
            change.path[0] != change.origin or change.path[-1] != sender or own.code in change.path
        ):
            refused.append(
                FieldError(f"changes.{index}.path", f"must run from the origin to {sender}")
            )
        copies.append(_copy(change, index))
    if refused:
        raise Forbidden(f"batch from {sender} breaks the division rule; refused whole", refused)
    return copies


def apply_batch(
    session: Session, *, peer: SyncPeer, batch: BatchIn, own: Node, repair: bool = False
) -> IngestResult:
    """Apply a checked batch from `peer` and, unless repairing, store its cursor; commits."""
    copies = check_batch(batch, sender=peer.code, own=own)
    newest: dict[uuid.UUID, tuple[ChangeIn, ResourceCopy | None]] = {}
    for change, copy in zip(batch.changes, copies, strict=True):
        held = newest.get(change.id)
        if held is None or change.version > held[0].version:
            newest[change.id] = (change, copy)
    applied = _upsert(session, [v for v in newest.values() if v[1] is not None], own, peer.code)
    applied += _tombstone(
        session, [c for c, copy in newest.values() if copy is None], own, peer.code
    )
    faults.check("ingest.before_commit")
    if not repair:
        if batch.epoch != peer.epoch:
            _log.info("child %s started feed epoch %s", peer.code, batch.epoch)
            peer.epoch, peer.cursor = batch.epoch, 0
        peer.cursor = max(peer.cursor, batch.to_seq)
    peer.received += applied
    peer.last_success_at = datetime.now(UTC)
    peer.last_error = None
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"batch from {peer.code} collides with a resource code held here") from exc
    result = IngestResult(ack=peer.cursor, applied=applied, skipped=len(batch.changes) - applied)
    _log.info(
        "batch from=%s epoch=%s seq=%d..%d changes=%d applied=%d skipped=%d repair=%s",
        peer.code,
        batch.epoch,
        batch.from_seq,
        batch.to_seq,
        len(batch.changes),
        result.applied,
        result.skipped,
        repair,
    )
    return result


def _copy(change: ChangeIn, index: int) -> ResourceCopy | None:
    if change.resource is None:
        return None
    try:
        copy = ResourceCopy.model_validate(change.resource)
    except ValidationError as exc:
        fields = [
            FieldError(f"changes.{index}.resource." + ".".join(map(str, e["loc"])), e["msg"])
            for e in exc.errors()
        ]
        raise ValidationFailed(f"change {index} carries a malformed resource", fields) from None
    if copy.id != change.id or copy.version != change.version or copy.origin.code != change.origin:
        raise ValidationFailed.on(f"changes.{index}.resource", "does not match its change")
    return copy


# The changes travel as a single JSON parameter that PostgreSQL unpacks once into a temporary
# table (far cheaper than thousands of bound parameters), then three statements read it: upsert
# where newer (with audit entries), the search rows of what was applied, and last the feed rows.
# The feed is written last because its lock is held until commit and serialises every writer of
# the feed: everything else of one batch overlaps with the next batch's work.
_STAGE = text(
    """
    CREATE TEMPORARY TABLE IF NOT EXISTS sync_incoming (
        id uuid, version int, path jsonb, payload jsonb
    ) ON COMMIT DELETE ROWS
    """
)
_LOAD = text(
    """
    INSERT INTO sync_incoming
    SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))
        AS r(id uuid, version int, path jsonb, payload jsonb)
    """
)
_APPLY = text(
    """
    WITH upserted AS (
        INSERT INTO resource (
            id, code, status, version, origin_code, origin_name, origin_url, path,
            department_id, department_code, department_name, secret, published, published_on,
            created_at, updated_at)
        SELECT id, payload->>'code', payload->>'status', version,
               payload->'origin'->>'code', payload->'origin'->>'name', payload->'origin'->>'url',
               path, NULL, payload->'department'->>'code', payload->'department'->>'name', false,
               payload - CAST(:envelope AS text[]), CAST(payload->>'published_on' AS date),
               coalesce(CAST(payload->>'created_at' AS timestamptz), now()),
               CAST(payload->>'updated_at' AS timestamptz)
        FROM sync_incoming
        ON CONFLICT (id) DO UPDATE SET
            code = excluded.code, status = excluded.status, version = excluded.version,
            origin_name = excluded.origin_name, origin_url = excluded.origin_url,
            path = excluded.path, department_code = excluded.department_code,
            department_name = excluded.department_name, published = excluded.published,
            published_on = excluded.published_on, updated_at = excluded.updated_at
        WHERE resource.version < excluded.version AND resource.origin_code = excluded.origin_code
        RETURNING id, version, status
    ), audited AS (
        INSERT INTO audit_event (resource_id, actor, action, to_status, version)
        SELECT id, :sender, 'receive', status, version FROM upserted
    )
    SELECT id FROM upserted
    """
)
_FEED = text(
    """
    INSERT INTO change (resource_id, version, op, origin, path, payload)
    SELECT id, version,
           CASE WHEN payload->>'status' = 'retired' THEN 'retire' ELSE 'upsert' END,
           payload->'origin'->>'code', path, jsonb_set(payload, '{path}', path)
    FROM sync_incoming JOIN unnest(CAST(:applied AS uuid[])) AS applied(id) USING (id)
    """
)


def _upsert(
    session: Session, items: list[tuple[ChangeIn, ResourceCopy | None]], own: Node, sender: str
) -> int:
    if not items:
        return 0
    # The search rows are computed first, in Python, while no lock is held.
    search_rows = {
        str(change.id): search_index.row_for_view(change.resource, path=[*change.path, own.code])
        for change, _ in items
        if change.resource is not None
    }
    rows = [
        {
            "id": str(change.id),
            "version": change.version,
            "path": [*change.path, own.code],
            "payload": change.resource,
        }
        for change, _ in items
    ]
    session.execute(_STAGE)
    session.execute(_LOAD, {"rows": orjson.dumps(rows).decode()})
    params = {"envelope": sorted(ENVELOPE_FIELDS), "sender": sender}
    applied = [str(i) for i in session.execute(_APPLY, params).scalars()]
    search_index.upsert(session, (search_rows[i] for i in applied))
    if applied:
        feed.lock_and_notify(session)
        session.execute(_FEED, {"applied": applied})
    return len(applied)


def _tombstone(session: Session, changes: list[ChangeIn], own: Node, sender: str) -> int:
    """Retire copies of resources that were made secret: the tombstone carries no metadata."""
    applied = 0
    for change in changes:
        row = session.execute(
            update(Resource)
            .where(
                Resource.id == change.id,
                Resource.version < change.version,
                Resource.origin_code == change.origin,
            )
            .values(status="retired", version=change.version)
            .returning(Resource.path)
        ).first()
        if row is not None:
            applied += 1
            search_index.mark_retired(session, [change.id])
            _received(
                session,
                [
                    {
                        "resource_id": change.id,
                        "version": change.version,
                        "op": "retire",
                        "origin": change.origin,
                        "path": row[0],
                        "payload": None,
                    }
                ],
                sender,
            )
    return applied


def _received(session: Session, feed_rows: list[dict[str, Any]], sender: str) -> None:
    if not feed_rows:
        return
    feed.record_ingested(session, feed_rows)
    session.execute(
        insert(AuditEvent).values(
            resource_id=bindparam("resource_id"),
            actor=sender,
            action="receive",
            from_status=None,
            to_status=bindparam("to_status"),
            comment=None,
            version=bindparam("version"),
        ),
        [
            {
                "resource_id": r["resource_id"],
                "to_status": "retired" if r["op"] == "retire" else "published",
                "version": r["version"],
            }
            for r in feed_rows
        ],
    )
