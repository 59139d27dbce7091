"""After restoring a node from an older backup: a new feed epoch, and numbers above the parent's.

The parent may hold versions (and codes) that the restored database never saw. This asks the
parent what it holds from this node, then moves every shared record's version above it and
re-queues it, and moves the code sequence above every code the parent has seen, so nothing the
restored node writes can collide with what already travelled.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from catalog.center import feed
from catalog.center.models import Resource
from catalog.center.node import Node
from catalog.sync import digest, peers
from catalog.sync.client import PeerClient, node_identity
from catalog.sync.signing import DEFAULT_ALG


def restore_after_backup(
    sessions: sessionmaker[Session],
    *,
    node: Node,
    parent_url: str,
    key: str,
    alg: str = DEFAULT_ALG,
) -> dict[str, Any]:
    """Start a new epoch and resume versions and codes above what the parent holds."""
    identity = node_identity(parent_url)
    client = PeerClient(parent_url, node=node.code, key=key, alg=alg)
    try:
        held = client.digest(node.code)
        parent_versions: dict[str, int] = {}
        for bucket, summary in held["buckets"].items():
            if summary["count"]:
                parent_versions.update(client.bucket(node.code, bucket))
    finally:
        client.close()
    with sessions() as session:
        epoch = feed.start_new_epoch(session)
        link = peers.ensure_parent_link(
            session, code=identity["code"], name=identity["name"], url=parent_url
        )
        link.cursor = 0
        requeued = 0
        query = select(Resource).where(Resource.origin_code == node.code, *digest.SHARED)
        for resource in session.scalars(query).unique():
            theirs = parent_versions.get(str(resource.id), 0)
            if theirs >= resource.version:
                resource.version = theirs + 1
            feed.record_publication(session, resource, was_shared=True)
            requeued += 1
        floor = int(held.get("max_code_number") or 0)
        if floor:
            session.execute(
                text(
                    "SELECT setval('resource_code_seq',"
                    " greatest(:floor, (SELECT last_value FROM resource_code_seq)))"
                ),
                {"floor": floor},
            )
        session.commit()
    return {"epoch": epoch, "requeued": requeued, "code_floor": floor}
