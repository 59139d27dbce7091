"""Digests computed by PostgreSQL are the digests API.md defines (sync/digest.py)."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.center.bulk import add_drafts, publish_bulk
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.sync import digest
from tests.factories import make_department, resource_body

NODE = Node(code="150400", name="赤峰市", url="http://chifeng.test")


def bodies(count: int, **overrides: Any) -> list[ResourceBody]:
    return [
        ResourceBody.model_validate(resource_body(name=f"资源{n}", **overrides))
        for n in range(count)
    ]


def test_postgresql_digests_equal_the_definition_over_sorted_id_version_lines(session: Session):
    make_department(session, "D01")
    ids = publish_bulk(session, bodies=bodies(60), actor=Actor.operator(), node=NODE)
    publish_bulk(session, bodies=bodies(3, secret=True), actor=Actor.operator(), node=NODE)
    add_drafts(session, bodies=bodies(3), actor=Actor.operator(), node=NODE)
    session.flush()
    rng = random.Random(7)
    for rid in ids:
        session.execute(
            text("UPDATE resource SET version = :v WHERE id = :id"),
            {"v": rng.choice([1, 9, 10, 123, 4567]), "id": rid},
        )

    found = digest.digests(session, NODE.code)

    assert found == digest.bucket_digests(digest.entries(session, NODE.code))
    assert sum(b["count"] for b in found.values()) == 60
    assert digest.digests(session, "150700") == digest.bucket_digests([])


def test_the_highest_code_number_is_read_from_codes_of_the_origin_only(session: Session):
    make_department(session, "D01")
    first, second, third = publish_bulk(
        session, bodies=bodies(3), actor=Actor.operator(), node=NODE
    )
    for rid, code in (
        (first, "1010101/150400000042"),
        (second, "1010101/150400123456789012345678901"),  # more digits than a bigint holds
        (third, "1010101/150700999999"),  # another origin's number: not ours
    ):
        session.execute(
            text("UPDATE resource SET code = :c WHERE id = :id"), {"c": code, "id": rid}
        )

    assert digest.max_code_number(session, NODE.code) == 123456789012345678901
    assert digest.max_code_number(session, "150700") == 0
