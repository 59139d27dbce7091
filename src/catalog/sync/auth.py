"""Verifying node-to-node requests: known sender, good MAC, fresh timestamp, never seen before."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, func, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from catalog.center import security
from catalog.center.errors import Unauthenticated
from catalog.center.models import SyncNonce
from catalog.sync import peers
from catalog.sync.division import covers
from catalog.sync.signing import (
    ALGORITHMS,
    HEADER_ALG,
    HEADER_NODE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    MAX_SKEW_SECONDS,
    sign,
    signature_matches,
)

_log = logging.getLogger("catalog.sync")


@dataclass(frozen=True)
class NodeSender:
    """A verified peer: its code and whether it is a child of this node or its parent."""

    code: str
    relation: str


def authenticate_node(
    session: Session,
    *,
    method: str,
    path_query: str,
    headers: Mapping[str, str],
    body: bytes,
    own_code: str,
    parent_key: str | None,
    remote: str | None,
) -> NodeSender:
    """Check a signed request and remember its signature; refuse (401, logged) anything else."""
    node = headers.get(HEADER_NODE, "")
    try:
        sender, key, alg, timestamp, presented = _credentials(
            session, headers, own_code, parent_key
        )
        expected = sign(key, alg, method, path_query, node, timestamp, body)
        if not signature_matches(expected, presented):
            raise Unauthenticated("the request signature does not match")
        if not _first_sighting(session, presented.lower()):
            raise Unauthenticated("this signed request has been seen before (replay)")
    except Unauthenticated as refusal:
        session.rollback()
        security.record(
            session,
            kind="node_auth_failed",
            actor=node[:12] or None,
            remote=remote,
            reason=refusal.detail,
            path=path_query[:200],
        )
        session.commit()
        _log.warning("refused sync request from %r: %s", node[:12], refusal.detail)
        raise
    session.commit()
    return sender


def _credentials(
    session: Session, headers: Mapping[str, str], own_code: str, parent_key: str | None
) -> tuple[NodeSender, str, str, int, str]:
    node = headers.get(HEADER_NODE)
    stamp = headers.get(HEADER_TIMESTAMP)
    alg = headers.get(HEADER_ALG, "hmac-sha256").lower()
    presented = headers.get(HEADER_SIGNATURE)
    if not node or not stamp or not presented:
        raise Unauthenticated("a sync request must carry the X-Catalog-* signature headers")
    if alg not in ALGORITHMS:
        raise Unauthenticated(f"unknown signature algorithm {alg}")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise Unauthenticated("X-Catalog-Timestamp must be Unix seconds") from None
    if abs(time.time() - timestamp) > MAX_SKEW_SECONDS:
        raise Unauthenticated("the request timestamp is more than 300 s away")
    child = peers.child(session, node)
    if child is not None and child.enabled and child.key:
        if alg != child.alg:
            raise Unauthenticated(f"this link signs with {child.alg}")
        return NodeSender(node, "child"), child.key, alg, timestamp, presented
    if parent_key and node != own_code and covers(node, own_code):
        return NodeSender(node, "parent"), parent_key, alg, timestamp, presented
    raise Unauthenticated(f"node {node[:12]} is not a registered peer of this node")


def _first_sighting(session: Session, signature: str) -> bool:
    if random.random() < 1 / 32:
        cutoff = func.now() - text(f"interval '{2 * MAX_SKEW_SECONDS} seconds'")
        session.execute(delete(SyncNonce).where(SyncNonce.seen_at < cutoff))
    inserted = session.execute(
        pg_insert(SyncNonce)
        .values(signature=signature)
        .on_conflict_do_nothing(index_elements=["signature"])
        .returning(SyncNonce.signature)
    ).first()
    return inserted is not None
