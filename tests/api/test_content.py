"""The shared repository: upload, download (Range, ETag), dedup, datasets, and who may have what."""

from __future__ import annotations

import hashlib
import os
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from catalog.api.app import create_app
from catalog.center.service_models import AccessRequest
from tests.factories import auth, create, published

UNCONDITIONAL = {"type": "unconditional"}
CONDITIONAL = {"type": "conditional", "condition": "仅限政务用途"}
NOT_SHARED = {"type": "none", "condition": "涉及个人隐私，依法不予共享"}


def upload(client, token, resource_id, data: bytes, name="数据.bin"):
    return client.post(
        f"/api/v1/resources/{resource_id}/content",
        files={"file": (name, data)},
        headers=auth(token),
    )


def with_content(client, cast, share, data=b"content bytes", name="数据.bin"):
    """A published resource of DEPT with the given share type, holding one content object."""
    resource = published(client, cast, share=share)
    response = upload(client, cast.cataloguer, resource["id"], data, name)
    assert response.status_code == 201, response.text
    return resource, response.json()


def get_bytes(client, token, content_id, **headers):
    return client.get(f"/api/v1/content/{content_id}", headers={**auth(token), **headers})


def stored_files(settings) -> list:
    root = settings.data_dir / "content"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_multi_megabyte_upload_downloads_byte_for_byte(client, cast):
    data = os.urandom(5 * 1024 * 1024 + 7)
    _, stored = with_content(client, cast, UNCONDITIONAL, data, "巡查录像.mp4")
    assert stored["sha256"] == hashlib.sha256(data).hexdigest()
    assert stored["size"] == len(data)
    response = get_bytes(client, cast.reader, stored["content_id"])
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == stored["sha256"]
    assert response.headers["etag"] == f'"{stored["sha256"]}"'
    assert "filename*=utf-8''" in response.headers["content-disposition"].lower()


def test_range_requests_return_the_asked_bytes(client, cast):
    data = bytes(range(256)) * 100
    _, stored = with_content(client, cast, UNCONDITIONAL, data)
    response = get_bytes(client, cast.reader, stored["content_id"], Range="bytes=1000-1099")
    assert response.status_code == 206
    assert response.content == data[1000:1100]
    assert response.headers["content-range"] == f"bytes 1000-1099/{len(data)}"


def test_an_unchanged_etag_is_answered_304(client, cast):
    _, stored = with_content(client, cast, UNCONDITIONAL)
    etag = f'"{stored["sha256"]}"'
    assert (
        get_bytes(client, cast.reader, stored["content_id"], **{"If-None-Match": etag}).status_code
        == 304
    )


def test_the_media_type_comes_from_the_content(client, cast):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    _, stored = with_content(client, cast, UNCONDITIONAL, png, "地图.png")
    assert stored["media_type"] == "image/png"
    response = get_bytes(client, cast.reader, stored["content_id"])
    assert response.headers["content-type"] == "image/png"


def test_the_same_bytes_are_stored_once(client, cast, settings):
    first, stored = with_content(client, cast, UNCONDITIONAL, b"same bytes")
    again = upload(client, cast.cataloguer, first["id"], b"same bytes")
    assert again.status_code == 200 and again.json()["content_id"] == stored["content_id"]
    second, _ = with_content(client, cast, UNCONDITIONAL, b"same bytes")
    assert len(stored_files(settings)) == 1
    listed = client.get(f"/api/v1/resources/{second['id']}/content", headers=auth(cast.reader))
    assert [c["sha256"] for c in listed.json()] == [stored["sha256"]]


def test_a_resource_holds_several_content_objects(client, cast):
    resource, _ = with_content(client, cast, UNCONDITIONAL, b"one")
    upload(client, cast.cataloguer, resource["id"], b"two", "第二部分.bin")
    listed = client.get(f"/api/v1/resources/{resource['id']}/content", headers=auth(cast.reader))
    assert [c["filename"] for c in listed.json()] == ["数据.bin", "第二部分.bin"]


RIGHTS = [
    # share type, who, may download
    (UNCONDITIONAL, "reader", True),
    (UNCONDITIONAL, "other_cataloguer", True),
    (CONDITIONAL, "reader", False),
    (CONDITIONAL, "dept_reader", True),
    (CONDITIONAL, "reviewer", True),
    (NOT_SHARED, "reader", False),
    (NOT_SHARED, "other_cataloguer", False),
    (NOT_SHARED, "cataloguer", True),
    (NOT_SHARED, "admin", True),
]


@pytest.mark.parametrize(("share", "who", "allowed"), RIGHTS)
def test_each_share_type_gives_content_to_whom_api_md_says(client, cast, share, who, allowed):
    _, stored = with_content(client, cast, share)
    response = get_bytes(client, getattr(cast, who), stored["content_id"])
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert response.json()["error"] == "access_denied"


def test_content_always_needs_a_user(client, cast):
    _, stored = with_content(client, cast, UNCONDITIONAL)
    assert get_bytes(client, None, stored["content_id"]).status_code == 401


def request_access(client, token, resource_id, until=None):
    until = until or (date.today() + timedelta(days=30)).isoformat()
    return client.post(
        f"/api/v1/resources/{resource_id}/access-requests",
        json={"purpose": "编制扶贫规划需要比对数据", "until": until},
        headers=auth(token),
    )


def test_request_approve_download_then_expiry(client, cast, session):
    resource, stored = with_content(client, cast, CONDITIONAL)
    filed = request_access(client, cast.reader, resource["id"])
    assert filed.status_code == 201 and filed.json()["status"] == "pending"
    assert get_bytes(client, cast.reader, stored["content_id"]).status_code == 403
    decided = client.post(
        f"/api/v1/access-requests/{filed.json()['id']}/approve", headers=auth(cast.reviewer)
    )
    assert decided.json()["status"] == "approved"
    assert get_bytes(client, cast.reader, stored["content_id"]).status_code == 200
    session.execute(update(AccessRequest).values(until=date.today() - timedelta(days=1)))
    assert get_bytes(client, cast.reader, stored["content_id"]).status_code == 403


def test_a_denied_request_gives_nothing_and_says_why(client, cast):
    resource, stored = with_content(client, cast, CONDITIONAL)
    filed = request_access(client, cast.reader, resource["id"]).json()
    denied = client.post(
        f"/api/v1/access-requests/{filed['id']}/deny",
        json={"reason": "用途不明确"},
        headers=auth(cast.reviewer),
    )
    assert (denied.json()["status"], denied.json()["reason"]) == ("denied", "用途不明确")
    assert get_bytes(client, cast.reader, stored["content_id"]).status_code == 403
    mine = client.get("/api/v1/access-requests", headers=auth(cast.reader)).json()
    assert [(r["status"], r["reason"]) for r in mine] == [("denied", "用途不明确")]


def test_requests_are_only_for_conditional_resources(client, cast):
    free, _ = with_content(client, cast, UNCONDITIONAL)
    closed, _ = with_content(client, cast, NOT_SHARED)
    assert request_access(client, cast.reader, free["id"]).status_code == 409
    assert request_access(client, cast.reader, closed["id"]).status_code == 403


def test_a_request_needs_a_future_date_within_a_year(client, cast):
    resource, _ = with_content(client, cast, CONDITIONAL)
    past = request_access(client, cast.reader, resource["id"], until="2000-01-01")
    assert past.status_code == 422 and past.json()["fields"][0]["path"] == "until"


def test_only_reviewers_decide_and_only_once(client, cast):
    resource, _ = with_content(client, cast, CONDITIONAL)
    filed = request_access(client, cast.reader, resource["id"]).json()
    path = f"/api/v1/access-requests/{filed['id']}/approve"
    assert client.post(path, headers=auth(cast.cataloguer)).status_code == 403
    assert client.post(path, headers=auth(cast.reviewer)).status_code == 200
    assert client.post(path, headers=auth(cast.reviewer)).status_code == 409


def test_reviewers_see_every_request_and_users_their_own(client, cast):
    resource, _ = with_content(client, cast, CONDITIONAL)
    request_access(client, cast.reader, resource["id"])
    request_access(client, cast.other_cataloguer, resource["id"])
    assert len(client.get("/api/v1/access-requests", headers=auth(cast.reviewer)).json()) == 2
    assert len(client.get("/api/v1/access-requests", headers=auth(cast.reader)).json()) == 1


def test_uploads_to_another_departments_resource_leave_nothing(client, cast, settings):
    resource = published(client, cast)
    response = upload(client, cast.other_cataloguer, resource["id"], b"intruder")
    assert response.status_code == 403
    assert stored_files(settings) == []


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b.txt", "..", "x\\y.txt"])
def test_a_file_name_that_could_name_a_path_is_refused(client, cast, settings, name):
    resource = published(client, cast)
    response = upload(client, cast.cataloguer, resource["id"], b"bytes", name)
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == "file"
    assert stored_files(settings) == []


def test_an_upload_over_the_limit_is_413_and_leaves_nothing(settings, engine, session, cast):
    from catalog.api.deps import get_session

    small = settings.model_copy(update={"max_upload_bytes": 64 * 1024})
    app = create_app(small, engine=engine)
    app.dependency_overrides[get_session] = lambda: session
    with TestClient(app) as client:
        resource = published(client, cast)
        response = upload(client, cast.cataloguer, resource["id"], os.urandom(200 * 1024))
    assert response.status_code == 413
    assert stored_files(settings) == []


def test_copies_from_other_nodes_take_no_content_here(client, cast, session):
    resource = create(client, cast)
    from catalog.center.models import Resource

    session.execute(update(Resource).values(origin_code="150400"))
    response = upload(client, cast.admin, resource["id"], b"bytes")
    assert response.status_code == 403


CSV = (
    "旗县,人口,年份\n红山区,395000,2016\n松山区,580000,2016\n"
    "元宝山区,330000,2017\n宁城县,610000,2017\n"
)


def test_a_csv_becomes_a_dataset_with_filters_and_pages(client, cast):
    resource, stored = with_content(client, cast, UNCONDITIONAL, CSV.encode(), "人口.csv")
    assert stored["dataset"] == {"columns": ["旗县", "人口", "年份"], "rows": 4}
    url = f"/api/v1/resources/{resource['id']}/dataset"
    first = client.get(url, params={"limit": 2}, headers=auth(cast.reader)).json()
    assert [r["旗县"] for r in first["rows"]] == ["红山区", "松山区"]
    rest = client.get(
        url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth(cast.reader)
    ).json()
    assert [r["旗县"] for r in rest["rows"]] == ["元宝山区", "宁城县"] and rest[
        "next_cursor"
    ] is None
    filtered = client.get(url, params={"where.年份": "2017"}, headers=auth(cast.reader)).json()
    assert [r["旗县"] for r in filtered["rows"]] == ["元宝山区", "宁城县"]


def test_a_dataset_comes_as_csv_too(client, cast):
    resource, _ = with_content(client, cast, UNCONDITIONAL, CSV.encode(), "人口.csv")
    response = client.get(
        f"/api/v1/resources/{resource['id']}/dataset",
        params={"format": "csv", "where.年份": "2016"},
        headers=auth(cast.reader),
    )
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == ["旗县,人口,年份", "红山区,395000,2016", "松山区,580000,2016"]


def test_an_unknown_dataset_column_is_named(client, cast):
    resource, _ = with_content(client, cast, UNCONDITIONAL, CSV.encode(), "人口.csv")
    response = client.get(
        f"/api/v1/resources/{resource['id']}/dataset",
        params={"where.面积": "1"},
        headers=auth(cast.reader),
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == "where.面积"


def test_a_dataset_obeys_the_share_type(client, cast):
    resource, _ = with_content(client, cast, CONDITIONAL, CSV.encode(), "人口.csv")
    url = f"/api/v1/resources/{resource['id']}/dataset"
    assert client.get(url, headers=auth(cast.reader)).status_code == 403
    assert client.get(url, headers=auth(cast.dept_reader)).status_code == 200


def test_locate_says_where_content_is_fetched_and_requested(client, cast):
    resource, _ = with_content(client, cast, CONDITIONAL)
    located = client.get(f"/api/v1/resources/{resource['id']}/locate").json()
    assert located["content_url"] == f"http://region.test/api/v1/resources/{resource['id']}/content"
    assert located["access_request_url"].endswith("/access-requests")
    assert located["share"] == "conditional"


def test_the_access_log_keeps_every_request_grant_and_use(client, cast):
    resource, stored = with_content(client, cast, CONDITIONAL)
    filed = request_access(client, cast.reader, resource["id"]).json()
    client.post(f"/api/v1/access-requests/{filed['id']}/approve", headers=auth(cast.reviewer))
    get_bytes(client, cast.reader, stored["content_id"])
    log = client.get(
        f"/api/v1/resources/{resource['id']}/access-log", headers=auth(cast.cataloguer)
    )
    assert [e["action"] for e in log.json()] == ["download", "grant", "request", "upload"]
    refused = client.get(
        f"/api/v1/resources/{resource['id']}/access-log", headers=auth(cast.reader)
    )
    assert refused.status_code == 403
