"""The inventory (GET /api/v1/stats) is kept by triggers, and always equals counting the rows."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from catalog.center import search_index, stats
from catalog.center.bulk import publish_bulk
from catalog.center.models import InventoryCount, Resource, SearchDoc
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.center.search_facets import counted, facet_columns, facets_of, name_places
from catalog.center.search_plan import d
from catalog.center.views import published_view
from tests.factories import make_department, resource_body

NODE = Node(code="150400", name="赤峰市", url="http://chifeng.test")
READER = Actor.anonymous()
REVIEWER = Actor.operator()


def counted_from_rows(session: Session, *, secret_too: bool) -> dict[str, Any]:
    """The inventory as it was computed before it was kept: one pass over the search rows."""
    published = select(*facet_columns(d)).where(d.status == "published")
    if not secret_too:
        published = published.where(d.secret.is_(False))
    _, total, counts = facets_of(session.execute(counted(published.cte("p"), [])).all(), [])
    return {"total": total, **name_places(session, counts, status="published")}


def assert_kept_equals_counted(session: Session) -> None:
    assert stats.inventory(session, actor=READER) == counted_from_rows(session, secret_too=False)
    assert stats.inventory(session, actor=REVIEWER) == counted_from_rows(session, secret_too=True)


def publish(session: Session, **overrides: Any) -> list[Any]:
    bodies = [ResourceBody.model_validate(resource_body(**overrides))]
    return publish_bulk(session, bodies=bodies, actor=Actor.operator(), node=NODE)


def view_of(session: Session, resource_id: Any) -> dict[str, Any]:
    resource = session.get(Resource, resource_id)
    assert resource is not None
    return published_view(resource)


@pytest.fixture
def departments(session: Session) -> None:
    make_department(session, "D01", "统计局")
    make_department(session, "D02", "自然资源局")


@pytest.mark.usefixtures("departments")
def test_the_kept_inventory_equals_counting_the_rows_after_every_kind_of_write(session):
    ids = [
        *publish(session, format={"category": "database"}),
        *publish(session, format={"category": "web"}, department_code="D02"),
        *publish(session, secret=True),
    ]
    assert_kept_equals_counted(session)

    # A newer version in another format replaces the row (an upsert's update).
    newer = {**view_of(session, ids[0]), "format": {"category": "image"}}
    search_index.upsert(session, [search_index.row_for_view(newer)])
    assert_kept_equals_counted(session)

    search_index.mark_retired(session, [ids[1]])
    assert_kept_equals_counted(session)

    session.execute(delete(SearchDoc).where(SearchDoc.resource_id == ids[2]))
    assert_kept_equals_counted(session)

    search_index.reindex(session)
    assert_kept_equals_counted(session)


@pytest.mark.usefixtures("departments")
def test_secret_resources_are_counted_for_reviewers_only(session):
    publish(session)
    publish(session, secret=True)
    assert stats.inventory(session, actor=READER)["total"] == 1
    assert stats.inventory(session, actor=REVIEWER)["total"] == 2


@pytest.mark.usefixtures("departments")
def test_folding_the_kept_counts_leaves_the_inventory_as_it_was(session, monkeypatch):
    for n in range(4):
        publish(session, format={"category": ["database", "web"][n % 2]})
    before = stats.inventory(session, actor=REVIEWER)
    rows_before = session.scalar(select(func.count()).select_from(InventoryCount))
    monkeypatch.setattr(stats, "FOLD_ABOVE", 5)

    assert stats.fold_if_many(session) is True
    rows_after = session.scalar(select(func.count()).select_from(InventoryCount))
    assert rows_after < rows_before
    assert stats.inventory(session, actor=REVIEWER) == before


@pytest.mark.usefixtures("departments")
def test_a_few_kept_counts_are_not_folded(session):
    publish(session)
    assert stats.fold_if_many(session) is False
