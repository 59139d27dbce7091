"""The registration workflow: every legal transition, every illegal one, and versions."""

from __future__ import annotations

import pytest

from tests.factories import (
    act,
    auth,
    create,
    published,
    rejected,
    resource_body,
    retired,
    submitted,
)


def test_a_new_resource_is_a_draft_at_version_zero(client, cast):
    resource = create(client, cast)
    assert resource["status"] == "draft"
    assert resource["version"] == 0
    assert resource["published_on"] is None
    assert resource["origin"] == {
        "code": "150000",
        "name": "内蒙古自治区政务信息资源目录中心",
        "url": "http://region.test",
    }
    assert resource["path"] == ["150000"]
    assert resource["department"] == {"code": "D01", "name": "赤峰市统计局"}


def test_submitting_a_draft_makes_it_submitted(client, cast):
    resource = create(client, cast)
    response = act(client, cast.cataloguer, resource["id"], "submit")
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"


def test_approving_publishes_at_version_one_with_a_publication_date(client, cast):
    resource = published(client, cast)
    assert resource["status"] == "published"
    assert resource["version"] == 1
    assert resource["published_on"] is not None
    assert resource["updated_at"] is not None
    assert resource["has_draft"] is False


def test_rejecting_needs_a_reason_and_returns_the_draft(client, cast):
    resource = submitted(client, cast)
    missing = act(client, cast.reviewer, resource["id"], "reject")
    assert missing.status_code == 422
    response = act(client, cast.reviewer, resource["id"], "reject", reason="分类不对")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"


def test_editing_a_rejected_resource_makes_it_a_draft_again(client, cast):
    resource = rejected(client, cast)
    response = client.put(
        f"/api/v1/resources/{resource['id']}",
        json=resource_body(abstract="补充了数据范围说明。"),
        headers=auth(cast.cataloguer),
    )
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert act(client, cast.cataloguer, resource["id"], "submit").status_code == 200


def test_retiring_a_published_resource_raises_its_version(client, cast):
    resource = retired(client, cast)
    assert resource["status"] == "retired"
    assert resource["version"] == 2
    shown = client.get(f"/api/v1/resources/{resource['id']}")
    assert shown.status_code == 200
    assert shown.json()["status"] == "retired"


@pytest.mark.parametrize(
    ("make", "action", "who"),
    [
        ("create", "approve", "reviewer"),
        ("create", "reject", "reviewer"),
        ("create", "retire", "reviewer"),
        ("submitted", "submit", "cataloguer"),
        ("submitted", "retire", "reviewer"),
        ("rejected", "submit", "cataloguer"),
        ("rejected", "approve", "reviewer"),
        ("rejected", "retire", "reviewer"),
        ("published", "submit", "cataloguer"),
        ("published", "approve", "reviewer"),
        ("published", "reject", "reviewer"),
        ("retired", "submit", "cataloguer"),
        ("retired", "approve", "reviewer"),
        ("retired", "reject", "reviewer"),
        ("retired", "retire", "reviewer"),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(client, cast, make, action, who):
    builders = {
        "create": create,
        "submitted": submitted,
        "rejected": rejected,
        "published": published,
        "retired": retired,
    }
    resource = builders[make](client, cast)
    before = client.get(f"/api/v1/resources/{resource['id']}", headers=auth(cast.admin)).json()
    response = act(client, getattr(cast, who), resource["id"], action, reason="理由")
    assert response.status_code == 409
    assert response.json()["error"] == "invalid_transition"
    after = client.get(f"/api/v1/resources/{resource['id']}", headers=auth(cast.admin)).json()
    assert after == before


def test_a_submitted_resource_cannot_be_edited(client, cast):
    resource = submitted(client, cast)
    response = client.put(
        f"/api/v1/resources/{resource['id']}", json=resource_body(), headers=auth(cast.cataloguer)
    )
    assert response.status_code == 409
    assert response.json()["error"] == "invalid_transition"


def test_a_retired_resource_cannot_be_edited(client, cast):
    resource = retired(client, cast)
    response = client.put(
        f"/api/v1/resources/{resource['id']}", json=resource_body(), headers=auth(cast.cataloguer)
    )
    assert response.status_code == 409


def test_editing_a_published_resource_keeps_the_published_version_visible(client, cast):
    resource = published(client, cast)
    rid = resource["id"]
    edit = client.put(
        f"/api/v1/resources/{rid}",
        json=resource_body(name="赤峰市人口基础信息库（2018版）"),
        headers=auth(cast.cataloguer),
    )
    assert edit.status_code == 200
    assert edit.json()["status"] == "draft"
    assert edit.json()["name"] == "赤峰市人口基础信息库（2018版）"

    public = client.get(f"/api/v1/resources/{rid}").json()
    assert public["name"] == "赤峰市人口基础信息库"
    assert public["status"] == "published"
    assert public["version"] == 1
    assert public["has_draft"] is True

    draft = client.get(f"/api/v1/resources/{rid}/draft", headers=auth(cast.cataloguer)).json()
    assert draft["id"] == rid
    assert draft["code"] == resource["code"]
    assert draft["name"] == "赤峰市人口基础信息库（2018版）"


def test_approving_a_new_draft_replaces_the_published_version_and_counts_up(client, cast):
    resource = published(client, cast)
    rid = resource["id"]
    client.put(
        f"/api/v1/resources/{rid}",
        json=resource_body(name="新名称"),
        headers=auth(cast.cataloguer),
    )
    act(client, cast.cataloguer, rid, "submit")
    approved = act(client, cast.reviewer, rid, "approve").json()
    assert approved["name"] == "新名称"
    assert approved["version"] == 2
    assert approved["has_draft"] is False
    assert approved["published_on"] == resource["published_on"]
    missing = client.get(f"/api/v1/resources/{rid}/draft", headers=auth(cast.cataloguer))
    assert missing.status_code == 404


def test_rejecting_a_new_draft_leaves_the_published_version_as_it_is(client, cast):
    resource = published(client, cast)
    rid = resource["id"]
    client.put(
        f"/api/v1/resources/{rid}", json=resource_body(name="改名"), headers=auth(cast.cataloguer)
    )
    act(client, cast.cataloguer, rid, "submit")
    assert act(client, cast.reviewer, rid, "reject", reason="不同意改名").status_code == 200
    public = client.get(f"/api/v1/resources/{rid}").json()
    assert public["status"] == "published"
    assert public["name"] == "赤峰市人口基础信息库"
    assert public["version"] == 1
    draft = client.get(f"/api/v1/resources/{rid}/draft", headers=auth(cast.cataloguer)).json()
    assert draft["status"] == "rejected"


def test_retiring_discards_a_pending_draft(client, cast):
    resource = published(client, cast)
    rid = resource["id"]
    client.put(
        f"/api/v1/resources/{rid}", json=resource_body(name="改名"), headers=auth(cast.cataloguer)
    )
    retired_view = act(client, cast.reviewer, rid, "retire").json()
    assert retired_view["has_draft"] is False
    assert client.get(f"/api/v1/resources/{rid}/draft", headers=auth(cast.admin)).status_code == 404


def test_drafts_do_not_change_the_version(client, cast):
    resource = published(client, cast)
    rid = resource["id"]
    for name in ("一", "二", "三"):
        client.put(
            f"/api/v1/resources/{rid}", json=resource_body(name=name), headers=auth(cast.cataloguer)
        )
    assert client.get(f"/api/v1/resources/{rid}").json()["version"] == 1


def test_a_resource_is_found_by_its_code(client, cast):
    resource = published(client, cast)
    found = client.get("/api/v1/resources", params={"code": resource["code"]}).json()
    assert [item["id"] for item in found["items"]] == [resource["id"]]
    assert client.get("/api/v1/resources", params={"code": "1/150000999999"}).json()["items"] == []


def test_locate_names_the_origin_path_and_links(client, cast):
    resource = published(client, cast)
    located = client.get(f"/api/v1/resources/{resource['id']}/locate").json()
    assert located["origin"]["code"] == "150000"
    assert located["path"] == ["150000"]
    assert located["links"][0]["url"] == "http://data.chifeng.gov.cn/rk"
    assert located["acquire_url"].startswith("http://region.test/")


def test_listing_pages_with_a_cursor(client, cast):
    ids = {published(client, cast)["id"] for _ in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/resources", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert ids <= set(seen)
    assert len(seen) == len(set(seen))
