"""Applying a batch from a child: validate it whole, keep only newer versions, feed them onward.

Everything happens in one transaction with the child's cursor, so a crash at any point either
applies the batch and moves the cursor, or does neither; a batch sent again is harmless because a
change is applied only if its version is newer than the one held.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import bindparam, case, func, insert, update
from sqlalchemy.orm import Session

from catalog import faults
from catalog.center import feed, published_sets, search_index
from catalog.center.errors import NUL_REFUSED, FieldError, Forbidden, ValidationFailed
from catalog.center.models import AuditEvent, Resource, SyncPeer
from catalog.center.node import Node
from catalog.sync.division import covers
from catalog.sync.wire import BatchIn, ChangeIn, ResourceCopy

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
    if not repair and batch.epoch != peer.epoch:
        _log.info("child %s started feed epoch %s", peer.code, batch.epoch)
    code = peer.code
    ack = _record_receipt(session, peer.id, batch, applied=applied, repair=repair)
    session.commit()
    result = IngestResult(ack=ack, applied=applied, skipped=len(batch.changes) - applied)
    _log.info(
        "batch from=%s epoch=%s seq=%d..%d changes=%d applied=%d skipped=%d repair=%s",
        code,
        batch.epoch,
        batch.from_seq,
        batch.to_seq,
        len(batch.changes),
        result.applied,
        result.skipped,
        repair,
    )
    return result


def _record_receipt(
    session: Session, peer_id: int, batch: BatchIn, *, applied: int, repair: bool
) -> int:
    """Move the child's cursor (unless repairing) and count what was applied; returns the cursor.

    One statement on the row as it is now, not on the copy read when the batch arrived: a pull
    or a repair applying the same child's batches at the same time must neither move the cursor
    back nor lose a count. A new feed epoch starts the cursor afresh.
    """
    values: dict[Any, Any] = {
        SyncPeer.received: SyncPeer.received + applied,
        SyncPeer.last_success_at: func.now(),
        SyncPeer.last_error: None,
    }
    if not repair:
        same_epoch = SyncPeer.epoch == batch.epoch
        values[SyncPeer.cursor] = case(
            (same_epoch, func.greatest(SyncPeer.cursor, batch.to_seq)), else_=batch.to_seq
        )
        values[SyncPeer.epoch] = batch.epoch
    statement = (
        update(SyncPeer)
        .where(SyncPeer.id == peer_id)
        .values(values)
        .returning(SyncPeer.cursor)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(statement).scalar_one())


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
    # jsonb cannot hold NUL: JSON escapes it as \u0000, so only a copy whose encoding shows that
    # is searched for it (a literal backslash-u0000 in some text shows it too, and passes).
    if b"\\u0000" in orjson.dumps(change.resource):
        where = _nul_in(change.resource)
        if where is not None:
            raise ValidationFailed.on(f"changes.{index}.resource.{where}", NUL_REFUSED)
    return copy


def _nul_in(value: Any) -> str | None:
    """The dotted path of a string (or key) in a JSON value holding NUL, "" for the value
    itself, None if there is none."""
    if isinstance(value, str):
        return "" if "\x00" in value else None
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return key.replace("\x00", "\\u0000")
        inner = _nul_in(item)
        if inner is not None:
            return f"{key}.{inner}" if inner else str(key)
    return None


def _upsert(
    session: Session, items: list[tuple[ChangeIn, ResourceCopy | None]], own: Node, sender: str
) -> int:
    records = []
    for change, _ in items:
        assert change.resource is not None
        # The copy is kept with the path it travelled, this node included.
        view = {**change.resource, "path": [*change.path, own.code]}
        row = search_index.row_for_view(view)
        records.append(published_sets.PublishedRecord(id=change.id, view=view, search_row=row))
    return len(published_sets.write(session, records, actor=sender, action="receive"))


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
