"""Who may do what: a table of role x action -> expected status (API.md's roles).

What a caller may not even see (a draft or secret resource outside their department) answers 404,
so its existence does not leak; what they can see but may not change answers 403.
"""

from __future__ import annotations

import pytest

from tests.factories import (
    OTHER_DEPT,
    act,
    auth,
    create,
    published,
    resource_body,
    submitted,
)

ROLES = [
    "anonymous",
    "reader",
    "dept_reader",
    "cataloguer",
    "other_cataloguer",
    "reviewer",
    "admin",
]


def _token(cast, role: str) -> str | None:
    return None if role == "anonymous" else getattr(cast, role)


def _expect(table: dict[str, int]) -> list[tuple[str, int]]:
    return [(role, table[role]) for role in ROLES]


@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 401,
            "reader": 403,
            "dept_reader": 403,
            "cataloguer": 201,
            "other_cataloguer": 403,
            "reviewer": 403,
            "admin": 201,
        }
    ),
)
def test_create_a_draft_of_department_d01(client, cast, role, status):
    response = client.post(
        "/api/v1/resources", json=resource_body(), headers=auth(_token(cast, role))
    )
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 401,
            "reader": 404,
            "dept_reader": 403,
            "cataloguer": 200,
            "other_cataloguer": 404,
            "reviewer": 403,
            "admin": 200,
        }
    ),
)
def test_edit_a_draft(client, cast, role, status):
    resource = create(client, cast)
    response = client.put(
        f"/api/v1/resources/{resource['id']}",
        json=resource_body(),
        headers=auth(_token(cast, role)),
    )
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 401,
            "reader": 403,
            "dept_reader": 403,
            "cataloguer": 200,
            "other_cataloguer": 403,
            "reviewer": 403,
            "admin": 200,
        }
    ),
)
def test_edit_a_published_resource(client, cast, role, status):
    resource = published(client, cast)
    response = client.put(
        f"/api/v1/resources/{resource['id']}",
        json=resource_body(),
        headers=auth(_token(cast, role)),
    )
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 401,
            "reader": 404,
            "dept_reader": 403,
            "cataloguer": 200,
            "other_cataloguer": 404,
            "reviewer": 403,
            "admin": 200,
        }
    ),
)
def test_submit_a_draft(client, cast, role, status):
    resource = create(client, cast)
    assert act(client, _token(cast, role), resource["id"], "submit").status_code == status


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 401,
            "reader": 404,
            "dept_reader": 403,
            "cataloguer": 403,
            "other_cataloguer": 404,
            "reviewer": 200,
            "admin": 200,
        }
    ),
)
def test_review_a_submitted_draft(client, cast, action, role, status):
    resource = submitted(client, cast)
    response = act(client, _token(cast, role), resource["id"], action, reason="审核意见")
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 401,
            "reader": 403,
            "dept_reader": 403,
            "cataloguer": 403,
            "other_cataloguer": 403,
            "reviewer": 200,
            "admin": 200,
        }
    ),
)
def test_retire_a_published_resource(client, cast, role, status):
    resource = published(client, cast)
    assert act(client, _token(cast, role), resource["id"], "retire").status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 404,
            "reader": 404,
            "dept_reader": 200,
            "cataloguer": 200,
            "other_cataloguer": 404,
            "reviewer": 200,
            "admin": 200,
        }
    ),
)
def test_read_a_never_published_draft(client, cast, role, status):
    resource = create(client, cast)
    response = client.get(f"/api/v1/resources/{resource['id']}", headers=auth(_token(cast, role)))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 401,
            "reader": 403,
            "dept_reader": 200,
            "cataloguer": 200,
            "other_cataloguer": 403,
            "reviewer": 200,
            "admin": 200,
        }
    ),
)
def test_read_the_working_draft_of_a_published_resource(client, cast, role, status):
    resource = published(client, cast)
    client.put(
        f"/api/v1/resources/{resource['id']}", json=resource_body(), headers=auth(cast.cataloguer)
    )
    response = client.get(
        f"/api/v1/resources/{resource['id']}/draft", headers=auth(_token(cast, role))
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 200,
            "reader": 200,
            "dept_reader": 200,
            "cataloguer": 200,
            "other_cataloguer": 200,
            "reviewer": 200,
            "admin": 200,
        }
    ),
)
def test_read_a_published_resource(client, cast, role, status):
    resource = published(client, cast)
    response = client.get(f"/api/v1/resources/{resource['id']}", headers=auth(_token(cast, role)))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 404,
            "reader": 404,
            "dept_reader": 200,
            "cataloguer": 200,
            "other_cataloguer": 404,
            "reviewer": 200,
            "admin": 200,
        }
    ),
)
def test_read_a_published_secret_resource(client, cast, role, status):
    resource = published(client, cast, secret=True)
    for path in ("", "/history", "/locate"):
        response = client.get(
            f"/api/v1/resources/{resource['id']}{path}", headers=auth(_token(cast, role))
        )
        assert response.status_code == status, path


@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 401,
            "reader": 403,
            "dept_reader": 403,
            "cataloguer": 403,
            "other_cataloguer": 403,
            "reviewer": 403,
            "admin": 201,
        }
    ),
)
def test_create_a_department(client, cast, role, status):
    response = client.post(
        "/api/v1/departments",
        json={"code": "D77", "name": "新部门"},
        headers=auth(_token(cast, role)),
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    _expect(
        {
            "anonymous": 401,
            "reader": 403,
            "dept_reader": 403,
            "cataloguer": 403,
            "other_cataloguer": 403,
            "reviewer": 403,
            "admin": 201,
        }
    ),
)
def test_create_a_user(client, cast, role, status):
    response = client.post(
        "/api/v1/users",
        json={"username": "newbie", "role": "reader"},
        headers=auth(_token(cast, role)),
    )
    assert response.status_code == status


def test_a_cataloguer_cannot_move_a_resource_to_another_department(client, cast):
    resource = create(client, cast)
    response = client.put(
        f"/api/v1/resources/{resource['id']}",
        json=resource_body(department_code=OTHER_DEPT),
        headers=auth(cast.cataloguer),
    )
    assert response.status_code == 403


def test_an_admin_can_move_a_resource_and_its_code_stays(client, cast):
    resource = create(client, cast)
    response = client.put(
        f"/api/v1/resources/{resource['id']}",
        json=resource_body(
            department_code=OTHER_DEPT,
            classification=[{"scheme": "政务信息资源分类", "code": "2030101", "name": "社会保障"}],
        ),
        headers=auth(cast.admin),
    )
    assert response.status_code == 200
    assert response.json()["department"]["code"] == OTHER_DEPT
    assert response.json()["code"] == resource["code"]


def test_listing_hides_drafts_and_secrets_from_readers(client, cast):
    draft = create(client, cast)
    secret = published(client, cast, secret=True)
    public = published(client, cast)
    seen = {
        item["id"]
        for item in client.get("/api/v1/resources", params={"limit": 200}).json()["items"]
    }
    assert public["id"] in seen
    assert draft["id"] not in seen
    assert secret["id"] not in seen


def test_anonymous_reading_can_be_switched_off(client, cast, settings):
    resource = published(client, cast)
    settings.anonymous_read = False
    assert client.get(f"/api/v1/resources/{resource['id']}").status_code == 401
    assert (
        client.get(f"/api/v1/resources/{resource['id']}", headers=auth(cast.reader)).status_code
        == 200
    )
