"""Departments, users and tokens: hashed, expiring, revocable, and logged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from catalog.center.models import ApiToken, SecurityEvent
from catalog.center.people import hash_token
from tests.factories import auth


def _new_user(client, cast, **body):
    payload = {"username": "zhangsan", "role": "reader", **body}
    return client.post("/api/v1/users", json=payload, headers=auth(cast.admin))


def test_an_admin_creates_a_user_and_gets_the_token_once(client, cast):
    response = _new_user(client, cast, role="cataloguer", department_code="D01")
    assert response.status_code == 201
    token = response.json()["token"]
    me = client.get("/api/v1/resources", headers=auth(token))
    assert me.status_code == 200


def test_tokens_are_stored_only_as_hashes(client, cast, session):
    token = _new_user(client, cast).json()["token"]
    stored = session.scalars(select(ApiToken.token_hash)).all()
    assert hash_token(token) in stored
    assert token not in stored
    assert all(len(value) == 64 for value in stored)


def test_a_cataloguer_needs_a_department(client, cast):
    response = _new_user(client, cast, role="cataloguer")
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == "department_code"


def test_a_user_of_an_unknown_department_is_refused(client, cast):
    response = _new_user(client, cast, department_code="D99")
    assert response.status_code == 422


def test_an_unknown_role_is_named(client, cast):
    response = _new_user(client, cast, role="superuser")
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == "role"


def test_a_duplicate_username_is_a_conflict(client, cast):
    _new_user(client, cast)
    assert _new_user(client, cast).status_code == 409


def test_an_expired_token_is_refused(client, cast, session):
    token = _new_user(client, cast).json()["token"]
    session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == hash_token(token))
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    assert client.get("/api/v1/resources", headers=auth(token)).status_code == 401


def test_tokens_expire_after_the_configured_lifetime(client, cast, settings):
    response = _new_user(client, cast)
    expires = datetime.fromisoformat(response.json()["expires_at"])
    expected = datetime.now(UTC) + timedelta(days=settings.token_ttl_days)
    assert abs((expires - expected).total_seconds()) < 60


def test_a_revoked_user_is_refused(client, cast):
    token = _new_user(client, cast).json()["token"]
    revoked = client.post("/api/v1/users/zhangsan/revoke", headers=auth(cast.admin))
    assert revoked.json()["revoked"] == 1
    assert client.get("/api/v1/resources", headers=auth(token)).status_code == 401


def test_departments_are_listed_with_their_names(client, cast):
    response = client.post(
        "/api/v1/departments",
        json={"code": "D03", "name": "赤峰市财政局"},
        headers=auth(cast.admin),
    )
    assert response.status_code == 201
    listed = client.get("/api/v1/departments").json()
    assert {"code": "D03", "name": "赤峰市财政局"} in listed


def test_failed_authentication_goes_to_the_security_log_without_the_token(client, cast, session):
    client.get("/api/v1/resources", headers=auth("ct_wrong-secret-value"))
    events = session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "auth_failed")).all()
    assert len(events) == 1
    assert "ct_wrong-secret-value" not in str(events[0].detail)


def test_administrative_actions_go_to_the_security_log(client, cast):
    _new_user(client, cast)
    client.post("/api/v1/users/zhangsan/revoke", headers=auth(cast.admin))
    log = client.get("/api/v1/security-events", headers=auth(cast.admin)).json()
    kinds = [event["kind"] for event in log]
    assert "user_created" in kinds
    assert "tokens_revoked" in kinds
    assert "department_created" in kinds


def test_the_security_log_is_for_admins(client, cast):
    assert client.get("/api/v1/security-events", headers=auth(cast.reviewer)).status_code == 403


def test_a_department_name_holding_nul_is_named_and_nothing_is_created(client, cast):
    body = {"code": "NUL1", "name": "统计\x00局"}
    response = client.post("/api/v1/departments", json=body, headers=auth(cast.admin))
    assert response.status_code == 422
    assert [f["path"] for f in response.json()["fields"]] == ["name"]
    listed = client.get("/api/v1/departments", headers=auth(cast.admin)).json()
    assert "NUL1" not in str(listed)
