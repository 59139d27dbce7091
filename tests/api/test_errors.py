"""The error envelope of API.md, for every kind of failure."""

from __future__ import annotations

import uuid

from tests.factories import auth, create, resource_body


def _assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail", "fields"}
    assert body["error"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_missing_token_on_a_write_is_401(client, cast):
    _assert_envelope(client.post("/api/v1/resources", json=resource_body()), 401, "unauthenticated")


def test_unknown_token_is_401(client, cast):
    response = client.get("/api/v1/resources", headers=auth("ct_not-a-real-token"))
    _assert_envelope(response, 401, "unauthenticated")


def test_malformed_authorization_header_is_401(client, cast):
    response = client.get("/api/v1/resources", headers={"Authorization": "Basic dXNlcjpwdw=="})
    _assert_envelope(response, 401, "unauthenticated")


def test_wrong_role_is_403(client, cast):
    response = client.post("/api/v1/resources", json=resource_body(), headers=auth(cast.reader))
    _assert_envelope(response, 403, "forbidden")


def test_unknown_resource_is_404(client, cast):
    _assert_envelope(client.get(f"/api/v1/resources/{uuid.uuid4()}"), 404, "not_found")


def test_unknown_path_is_404_in_the_envelope(client):
    _assert_envelope(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_malformed_id_is_422_naming_the_parameter(client):
    body = _assert_envelope(client.get("/api/v1/resources/not-a-uuid"), 422, "validation_error")
    assert body["fields"][0]["path"] == "resource_id"


def test_bad_query_parameter_is_named(client):
    body = _assert_envelope(client.get("/api/v1/resources?limit=500"), 422, "validation_error")
    assert body["fields"][0]["path"] == "limit"


def test_bad_cursor_is_named(client):
    body = _assert_envelope(client.get("/api/v1/resources?cursor=zzz"), 422, "validation_error")
    assert body["fields"][0]["path"] == "cursor"


def test_invalid_json_is_422_on_the_body(client, cast):
    response = client.post(
        "/api/v1/resources",
        content=b"{not json",
        headers={**auth(cast.cataloguer), "Content-Type": "application/json"},
    )
    body = _assert_envelope(response, 422, "validation_error")
    assert body["fields"] == [{"path": "body", "reason": "not valid JSON"}]


def test_a_body_that_is_not_json_is_415(client, cast):
    response = client.post(
        "/api/v1/resources",
        content=b"name=x",
        headers={**auth(cast.cataloguer), "Content-Type": "text/plain"},
    )
    _assert_envelope(response, 415, "unsupported_media_type")


def test_an_oversized_body_is_413(client, cast):
    body = resource_body(abstract="大" * 300_000)
    response = client.post("/api/v1/resources", json=body, headers=auth(cast.cataloguer))
    _assert_envelope(response, 413, "payload_too_large")


def test_an_oversized_chunked_body_is_413(client, cast):
    def chunks():
        for _ in range(40):
            yield b" " * 10_000

    response = client.post(
        "/api/v1/resources",
        content=chunks(),
        headers={**auth(cast.cataloguer), "Content-Type": "application/json"},
    )
    _assert_envelope(response, 413, "payload_too_large")


def test_an_illegal_transition_is_409(client, cast):
    resource = create(client, cast)
    response = client.post(
        f"/api/v1/resources/{resource['id']}/approve", headers=auth(cast.reviewer)
    )
    _assert_envelope(response, 409, "invalid_transition")


def test_a_duplicate_department_is_409_conflict(client, cast):
    response = client.post(
        "/api/v1/departments", json={"code": "D01", "name": "重复"}, headers=auth(cast.admin)
    )
    _assert_envelope(response, 409, "conflict")


def test_hostile_strings_are_stored_verbatim_not_executed(client, cast):
    name = "'); DROP TABLE resource; -- <script>😀"
    response = client.post(
        "/api/v1/resources", json=resource_body(name=name), headers=auth(cast.cataloguer)
    )
    assert response.status_code == 201
    got = client.get(f"/api/v1/resources/{response.json()['id']}", headers=auth(cast.cataloguer))
    assert got.json()["name"] == name


def test_a_query_parameter_holding_nul_is_a_422_not_a_500(client):
    response = client.get("/api/v1/resources", params={"code": "1/\x00"})
    assert "NUL" in _assert_envelope(response, 422, "validation_error")["detail"]
