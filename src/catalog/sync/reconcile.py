"""Run at a parent: harvest a child (pull), and compare and repair by digest (verify).

Repairs only add or update: a record the child no longer reports is never deleted here, because
deletions travel only as retire tombstones (a child that answers badly must not empty its parent).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from catalog.center.errors import NotFound
from catalog.center.node import Node
from catalog.sync import digest, peers
from catalog.sync.client import PeerClient
from catalog.sync.division import covers
from catalog.sync.ingest import apply_batch
from catalog.sync.wire import MAX_CHANGES, BatchIn

_log = logging.getLogger("catalog.sync")


def _client(sessions: sessionmaker[Session], code: str, node: Node) -> PeerClient:
    with sessions() as session:
        peer = peers.child(session, code)
        if peer is None or not peer.key:
            raise NotFound(f"no child {code} is registered")
        return PeerClient(peer.url, node=node.code, key=peer.key, alg=peer.alg)


def pull_child(sessions: sessionmaker[Session], *, code: str, node: Node) -> int:
    """Harvest a child's feed after the cursor held for it; returns the changes applied."""
    client = _client(sessions, code, node)
    applied = 0
    try:
        with sessions() as session:
            peer = peers.child(session, code)
            assert peer is not None
            after, epoch = peer.cursor, peer.epoch
        while True:
            batch = BatchIn.model_validate_json(client.changes(after, MAX_CHANGES))
            if epoch is not None and batch.epoch != epoch and after > 0:
                _log.info("child %s is in a new feed epoch; harvesting it from the start", code)
                after, epoch = 0, batch.epoch
                continue
            with sessions() as session:
                peer = peers.child(session, code)
                assert peer is not None
                applied += apply_batch(session, peer=peer, batch=batch, own=node).applied
            epoch = batch.epoch
            if batch.next_after is None:
                return applied
            after = batch.next_after
    finally:
        client.close()


@dataclass
class Drift:
    """What a comparison found, per kind, and what was repaired."""

    origins: int = 0
    buckets_compared: int = 0
    buckets_differing: int = 0
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    parent_newer: list[str] = field(default_factory=list)
    only_here: list[str] = field(default_factory=list)
    repaired: int = 0

    def summary(self) -> dict[str, Any]:
        """Counts, for the CLI and logs."""
        return {
            "origins": self.origins,
            "buckets_compared": self.buckets_compared,
            "buckets_differing": self.buckets_differing,
            "missing": len(self.missing),
            "stale": len(self.stale),
            "parent_newer": len(self.parent_newer),
            "only_here": len(self.only_here),
            "repaired": self.repaired,
        }


def verify_child(sessions: sessionmaker[Session], *, code: str, node: Node, repair: bool) -> Drift:
    """Compare the child's records with the copies held here, bucket by bucket; repair if asked."""
    client = _client(sessions, code, node)
    drift = Drift()
    try:
        theirs_by_origin = client.digest()["origins"]
        with sessions() as session:
            ours_by_origin = digest.origins(session)
        wanted = {o for o in (*theirs_by_origin, *ours_by_origin) if covers(code, o)}
        for origin in sorted(wanted):
            drift.origins += 1
            theirs = client.digest(origin)["buckets"]
            with sessions() as session:
                ours = digest.digests(session, origin)
            for bucket, mine in ours.items():
                drift.buckets_compared += 1
                if theirs.get(bucket, {}).get("digest") == mine["digest"]:
                    continue
                drift.buckets_differing += 1
                _compare_bucket(sessions, client, origin, bucket, drift)
        if repair:
            drift.repaired = _repair(sessions, client, code, node, drift.missing + drift.stale)
    finally:
        client.close()
    _log.info("verify child=%s %s", code, drift.summary())
    return drift


def _compare_bucket(
    sessions: sessionmaker[Session], client: PeerClient, origin: str, bucket: str, drift: Drift
) -> None:
    theirs = dict(client.bucket(origin, bucket))
    with sessions() as session:
        ours = dict(digest.entries(session, origin, bucket))
    for rid, version in theirs.items():
        held = ours.get(rid)
        if held is None:
            drift.missing.append(rid)
        elif held < version:
            drift.stale.append(rid)
        elif held > version:
            drift.parent_newer.append(rid)
    drift.only_here += [rid for rid in ours if rid not in theirs]


def _repair(
    sessions: sessionmaker[Session], client: PeerClient, code: str, node: Node, ids: list[str]
) -> int:
    repaired = 0
    for start in range(0, len(ids), MAX_CHANGES):
        batch = BatchIn.model_validate_json(client.records(ids[start : start + MAX_CHANGES]))
        with sessions() as session:
            peer = peers.child(session, code)
            assert peer is not None
            repaired += apply_batch(session, peer=peer, batch=batch, own=node, repair=True).applied
    return repaired
