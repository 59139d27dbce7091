"""Reading this node's change feed as batches (for push and for pull), one batch at a time.

Payloads are passed through as the JSON text PostgreSQL holds, never parsed and re-encoded, so a
batch costs little more than the bytes it carries.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from catalog.center.models import Change

_BATCH_QUERY = text(
    """
    SELECT seq, op, resource_id, version, origin, path::text, coalesce(payload::text, 'null')
    FROM change WHERE seq > :after ORDER BY seq LIMIT :limit
    """
)


@dataclass(frozen=True)
class EncodedBatch:
    """A batch ready to send: its JSON bytes and the range it covers."""

    body: bytes
    from_seq: int
    to_seq: int
    count: int


def read_batch(
    session: Session, *, node: str, epoch: str, after: int, limit: int, extra: str = ""
) -> EncodedBatch | None:
    """The changes after `after` (keyset on seq), encoded; None when there are none."""
    rows = session.execute(_BATCH_QUERY, {"after": after, "limit": limit}).all()
    if not rows:
        return None
    return encode(node=node, epoch=epoch, rows=rows, extra=extra)


def encode(*, node: str, epoch: str, rows: Sequence[Any], extra: str = "") -> EncodedBatch:
    """Encode feed rows (seq, op, id, version, origin, path JSON, payload JSON) as a batch."""
    parts = [
        f'{{"seq":{seq},"op":"{op}","id":"{rid}","version":{version},'
        f'"origin":{json.dumps(origin)},"path":{path},"resource":{payload}}}'
        for seq, op, rid, version, origin, path, payload in rows
    ]
    first, last = rows[0][0], rows[-1][0]
    head = (
        f'{{"node":{json.dumps(node)},"epoch":{json.dumps(epoch)},'
        f'"from_seq":{first},"to_seq":{last}{extra},"changes":['
    )
    body = (head + ",".join(parts) + "]}").encode("utf-8")
    return EncodedBatch(body=body, from_seq=first, to_seq=last, count=len(rows))


def encode_empty(*, node: str, epoch: str, seq: int, extra: str = "") -> bytes:
    """A batch with no changes, positioned at `seq`."""
    head = (
        f'{{"node":{json.dumps(node)},"epoch":{json.dumps(epoch)},"from_seq":{seq},"to_seq":{seq}'
    )
    return (head + extra + ',"changes":[]}').encode("utf-8")


def head_seq(session: Session) -> int:
    """The newest seq in the feed (0 when empty)."""
    return int(session.scalar(select(func.coalesce(func.max(Change.seq), 0))) or 0)


def backlog(session: Session, after: int) -> tuple[int, datetime | None]:
    """How many changes wait after `after`, and when the oldest of them was written."""
    count, oldest = session.execute(
        select(func.count(), func.min(Change.created_at)).where(Change.seq > after)
    ).one()
    return int(count), oldest
