"""The portal's pages, server-rendered: login with CSRF, search, a resource, the workspace, the
review queue and the dashboard (the browser tests in tests/e2e drive the same pages for real)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

from tests.factories import DEPT, published, submitted


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def login(client, username: str, token: str) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "token": token, "csrf": csrf_of(form.text), "next": "/search"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


@pytest.fixture
def as_cataloguer(client, cast, session):
    from catalog.center.people import find_actor

    actor = find_actor(session, token=cast.cataloguer)
    login(client, actor.username, cast.cataloguer)
    return client


@pytest.fixture
def as_reviewer(client, cast, session):
    from catalog.center.people import find_actor

    actor = find_actor(session, token=cast.reviewer)
    login(client, actor.username, cast.reviewer)
    return client


def test_search_lists_hits_with_facets_and_highlights(client, cast):
    published(client, cast, name="赤峰市人口基础信息库")
    published(client, cast, name="草原监测数据", format={"category": "image", "type": "shp"})
    html = client.get("/search", params={"q": "人口"}).text
    assert "<mark>人口</mark>" in html
    assert "赤峰市统计局" in html and "有条件共享" in html and "每月" in html
    assert 'data-facet="format"' in html


def test_a_facet_link_filters_the_search(client, cast):
    published(client, cast, name="赤峰市人口基础信息库")
    published(client, cast, name="草原监测数据", format={"category": "image", "type": "shp"})
    html = client.get("/search", params={"format": "image"}).text
    assert "草原监测数据" in html and "赤峰市人口基础信息库" not in html


def test_an_empty_search_says_so(client, cast):
    html = client.get("/search", params={"q": "不存在的资源名称"}).text
    assert "没有找到符合条件的资源" in html


def test_a_bad_search_parameter_shows_an_error_state(client, cast):
    html = client.get("/search", params={"cursor": "garbage"}).text
    assert "检索条件有误" in html


def test_the_resource_page_shows_metadata_items_map_and_history(client, cast):
    resource = published(client, cast)
    html = client.get(f"/resources/{resource['id']}").text
    assert resource["name"] in html and resource["code"] in html
    assert "公民身份号码" in html and "字符" in html
    assert '<svg class="map"' in html
    assert "审核通过" in html
    assert "登录后可获取资源内容" in html


def test_a_missing_resource_is_a_page_not_json(client, cast):
    response = client.get("/resources/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_login_refuses_a_form_without_its_csrf_token(client, cast):
    response = client.post("/login", data={"username": "x", "token": cast.reader, "csrf": "forged"})
    assert response.status_code == 403


def test_login_with_a_wrong_token_stays_on_the_form(client, cast):
    form = client.get("/login")
    response = client.post(
        "/login", data={"username": "nobody", "token": "ct_wrong", "csrf": csrf_of(form.text)}
    )
    assert response.status_code == 401
    assert "用户名或令牌不正确" in response.text


def test_a_cataloguer_creates_a_draft_with_inline_errors_then_submits(as_cataloguer, cast):
    client = as_cataloguer
    form = client.get("/workspace/new").text
    fields = {
        "csrf": csrf_of(form),
        "name": "全市草原监测数据",
        "abstract": "",
        "department_code": DEPT,
        "classification_code": "10301",
        "classification_name": "自然资源",
        "format_category": "spreadsheet",
        "share_type": "conditional",
        "share_condition": "",
        "update_cycle": "yearly",
        "items": "监测点|JCD|C|20\n覆盖度||X",
    }
    invalid = client.post("/workspace/new", data=fields)
    assert invalid.status_code == 422
    assert invalid.text.count('class="field-error"') >= 3
    assert "第 2 行" in invalid.text
    fields.update(
        abstract="全市草原覆盖度监测结果", share_condition="仅限政务用途", items="监测点|JCD|C|20"
    )
    saved = client.post("/workspace/new", data=fields, follow_redirects=False)
    assert saved.status_code == 303
    edit_url = saved.headers["location"]
    page = client.get(edit_url).text
    assert "全市草原监测数据" in page
    resource_id = edit_url.split("/")[2]
    submit = client.post(
        f"/workspace/{resource_id}/submit", data={"csrf": csrf_of(page)}, follow_redirects=False
    )
    assert submit.status_code == 303
    assert "已提交审核" in client.get(submit.headers["location"]).text


def test_the_reviewer_sees_the_changes_and_approves(as_reviewer, cast, client):
    resource = submitted(client, cast, name="待审核的人口数据")
    page = as_reviewer.get("/review").text
    assert "待审核的人口数据" in page and "首次发布" in page
    approved = as_reviewer.post(
        f"/review/{resource['id']}/approve", data={"csrf": csrf_of(page)}, follow_redirects=False
    )
    assert approved.status_code == 303
    view = client.get(f"/api/v1/resources/{resource['id']}").json()
    assert view["status"] == "published"


def test_a_reviewer_rejects_with_a_reason(as_reviewer, cast, client):
    resource = submitted(client, cast)
    page = as_reviewer.get("/review").text
    as_reviewer.post(
        f"/review/{resource['id']}/reject", data={"csrf": csrf_of(page), "reason": "摘要不完整"}
    )
    history = client.get(
        f"/api/v1/resources/{resource['id']}/history",
        headers={"Authorization": f"Bearer {cast.reviewer}"},
    ).json()
    assert history[-1]["action"] == "reject" and history[-1]["comment"] == "摘要不完整"


def test_a_reason_holding_nul_is_an_error_page_and_changes_nothing(as_reviewer, cast, client):
    resource = submitted(client, cast)
    page = as_reviewer.get("/review").text
    response = as_reviewer.post(
        f"/review/{resource['id']}/reject", data={"csrf": csrf_of(page), "reason": "摘要\x00不完整"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    shown = client.get(
        f"/api/v1/resources/{resource['id']}", headers={"Authorization": f"Bearer {cast.reviewer}"}
    ).json()
    assert shown["status"] == "submitted"


def test_the_dashboard_shows_the_node_and_the_inventory(client, cast):
    published(client, cast)
    html = client.get("/dashboard").text
    assert "本节点" in html and "150000" in html
    assert 'data-chart="format"' in html and "数据库" in html


def test_pages_that_need_a_login_send_to_the_login_form(client, cast):
    response = client.get("/workspace", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_logout_ends_the_session(as_cataloguer):
    page = as_cataloguer.get("/workspace").text
    as_cataloguer.post("/logout", data={"csrf": csrf_of(page)})
    assert as_cataloguer.get("/workspace", follow_redirects=False).status_code == 303


def test_the_login_redirect_stays_on_this_site(client, cast, session):
    from catalog.center.people import find_actor

    actor = find_actor(session, token=cast.reader)
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": actor.username,
            "token": cast.reader,
            "csrf": csrf_of(form.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/search"


def test_every_response_says_how_long_the_node_took(client, cast):
    timing = client.get("/search", params={"q": "人口"}).headers["server-timing"]
    assert timing.startswith("app;dur=") and float(timing.split("=")[1]) >= 0


def test_the_reviewer_reads_changes_as_text_not_json(as_reviewer, cast, client):
    submitted(client, cast, name="待审核的人口数据")
    page = as_reviewer.get("/review").text
    assert "1010101 人口（政务信息资源分类）" in page
    assert "有条件共享：仅限政务用途" in page
    assert "{&#39;" not in page and "{'" not in page


def test_form_errors_are_shown_in_chinese():
    from catalog.api.portal.forms import errors_by_field
    from catalog.center.errors import FieldError

    shown = errors_by_field(
        [
            FieldError("name", "String should have at least 1 character"),
            FieldError("update_cycle", "Field required"),
        ]
    )
    assert shown == {"name": ["不能为空"], "update_cycle": ["必填"]}


def test_pages_refuse_framing_and_outside_content(client, cast):
    headers = client.get("/search").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_a_users_pages_are_not_cached(as_cataloguer):
    assert as_cataloguer.get("/workspace").headers["cache-control"] == "no-store"


@pytest.fixture
def outside_file():
    """A file outside the store, at a path short enough for a 64-character "hash" to name."""
    secret = Path(tempfile.gettempdir()) / f"cs{os.getpid()}.txt"
    secret.write_text("not for cataloguers")
    yield secret
    secret.unlink()


def test_a_forged_content_hash_cannot_reach_outside_the_store(as_cataloguer, outside_file):
    # A 64-character "hash" that the store would join into a path to a file outside it.
    rest = "/" + str(outside_file).lstrip("/")
    middle = 64 - len("../.") - len(rest)
    escape = "../." + "/." * (middle // 2) + "/" * (middle % 2) + rest
    assert len(escape) == 64
    page = as_cataloguer.get("/workspace/new").text
    fields = {
        "csrf": csrf_of(page),
        "name": "伪造的内容",
        "abstract": "试图附加仓库以外的文件",
        "department_code": DEPT,
        "classification_code": "3",
        "classification_name": "部门信息资源",
        "format_category": "file",
        "share_type": "unconditional",
        "update_cycle": "irregular",
        "content_sha256": escape,
        "content_name": "secret.txt",
    }
    drafts_before = as_cataloguer.get("/workspace").text.count('href="/workspace/')
    response = as_cataloguer.post("/workspace/new", data=fields)
    assert response.status_code == 422
    assert "no such content in the repository" in response.text
    assert as_cataloguer.get("/workspace").text.count('href="/workspace/') == drafts_before
