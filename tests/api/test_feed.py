"""The change feed as the workflow writes it: one row per resource, its newest (center/feed.py)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from catalog.center.models import Change
from tests.factories import act, approve_changes, published


def feed_of(session, resource_id: str) -> list[tuple[int, str, bool]]:
    """(version, op, carries metadata) of the resource's feed rows, in seq order."""
    rows = session.execute(
        select(Change.version, Change.op, Change.payload)
        .where(Change.resource_id == uuid.UUID(resource_id))
        .order_by(Change.seq)
    )
    return [(version, op, payload is not None) for version, op, payload in rows]


def test_a_replaced_version_supersedes_the_older_in_the_feed(client, cast, session):
    resource = published(client, cast)
    approve_changes(client, cast, resource["id"], name="人口基础信息库（第二版）")
    assert feed_of(session, resource["id"]) == [(2, "upsert", True)]


def test_a_resource_made_secret_leaves_only_a_tombstone_without_its_metadata(client, cast, session):
    resource = published(client, cast)
    approve_changes(client, cast, resource["id"], secret=True)
    assert feed_of(session, resource["id"]) == [(2, "retire", False)]


def test_a_retirement_supersedes_the_publication_in_the_feed(client, cast, session):
    resource = published(client, cast)
    assert act(client, cast.reviewer, resource["id"], "retire", reason="停止维护").is_success
    assert feed_of(session, resource["id"]) == [(2, "retire", True)]
