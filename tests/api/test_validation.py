"""Every validation rule of the resource body, each named by its field path in a 422."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import auth, resource_body


def _post(client, cast, body: dict[str, Any]):
    return client.post("/api/v1/resources", json=body, headers=auth(cast.cataloguer))


def _paths(response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    return [field["path"] for field in response.json()["fields"]]


def _without(field: str) -> dict[str, Any]:
    body = resource_body()
    del body[field]
    return body


@pytest.mark.parametrize(
    "field",
    ["name", "abstract", "department_code", "classification", "format", "share", "update_cycle"],
)
def test_required_fields_are_named_when_missing(client, cast, field):
    assert field in _paths(_post(client, cast, _without(field)))


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"name": "   "}, "name"),
        ({"name": "名" * 201}, "name"),
        ({"abstract": "摘" * 4001}, "abstract"),
        ({"classification": []}, "classification"),
        (
            {"classification": [{"scheme": "s", "code": "10a", "name": "n"}]},
            "classification.0.code",
        ),
        ({"format": {"category": "paper"}}, "format.category"),
        ({"keywords": ["k" * 51]}, "keywords.0"),
        ({"keywords": ["k"] * 51}, "keywords"),
        (
            {"items": [{"name": "a", "data_type": "C"}, {"name": "b", "data_type": "X"}]},
            "items.1.data_type",
        ),
        ({"items": [{"name": "a", "data_type": "C", "length": 0}]}, "items.0.length"),
        ({"share": {"type": "conditional"}}, "share.condition"),
        ({"share": {"type": "none"}}, "share.condition"),
        ({"share": {"type": "sometimes", "condition": "x"}}, "share.type"),
        ({"update_cycle": "hourly"}, "update_cycle"),
        ({"links": [{"url": "javascript:alert(1)", "kind": "page"}]}, "links.0.url"),
        ({"links": [{"url": "http://x.cn", "kind": "ftp"}]}, "links.0.kind"),
        ({"spatial": {"bbox": [116, 41, 121]}}, "spatial.bbox"),
        ({"spatial": {"bbox": [190, 41, 191, 45]}}, "spatial.bbox"),
        ({"spatial": {"bbox": [116, -91, 121, 45]}}, "spatial.bbox"),
        ({"spatial": {"bbox": [121, 41, 116, 45]}}, "spatial.bbox"),
        ({"spatial": {"region_code": "15"}}, "spatial.region_code"),
        ({"temporal": {"start": "2018-01-01", "end": "2017-01-01"}}, "temporal.end"),
        ({"temporal": {"start": "2018-02-30"}}, "temporal.start"),
        ({"related_codes": ["not-a-code"]}, "related_codes.0"),
        ({"department_code": "no such dept!"}, "department_code"),
        ({"secret": "perhaps"}, "secret"),
        # PostgreSQL cannot store NUL: refused with its field, not a failed write (a 500).
        ({"name": "人口\x00信息"}, "name"),
        ({"keywords": ["k\x00"]}, "keywords.0"),
        (
            {"items": [{"name": "a", "data_type": "C", "description": "\x00"}]},
            "items.0.description",
        ),
        ({"links": [{"url": "http://x.cn/\x00", "kind": "page"}]}, "links.0.url"),
    ],
)
def test_each_rule_names_its_field(client, cast, overrides, path):
    assert path in _paths(_post(client, cast, resource_body(**overrides)))


def test_a_not_shared_resource_cannot_be_open(client, cast):
    body = resource_body(share={"type": "none", "condition": "法律依据"}, open={"to_public": True})
    assert _paths(_post(client, cast, body)) == ["open.to_public"]


def test_a_secret_resource_cannot_be_open(client, cast):
    body = resource_body(share={"type": "unconditional"}, open={"to_public": True}, secret=True)
    assert _paths(_post(client, cast, body)) == ["open.to_public"]


def test_a_non_electronic_resource_needs_its_location(client, cast):
    body = resource_body(format={"category": "non_electronic"})
    del body["location"]
    assert _paths(_post(client, cast, body)) == ["location"]


def test_an_unconditional_share_needs_no_condition(client, cast):
    response = _post(client, cast, resource_body(share={"type": "unconditional"}))
    assert response.status_code == 201


def test_an_unknown_department_is_named(client, cast):
    response = client.post(
        "/api/v1/resources", json=resource_body(department_code="D99"), headers=auth(cast.admin)
    )
    assert _paths(response) == ["department_code"]


def test_every_bad_field_is_named_at_once(client, cast):
    body = resource_body(
        name="",
        items=[{"name": "x", "data_type": "Q"}],
        share={"type": "conditional"},
        spatial={"bbox": [1, 2, 0, 3]},
    )
    del body["abstract"]
    paths = _paths(_post(client, cast, body))
    assert set(paths) >= {
        "name",
        "abstract",
        "items.0.data_type",
        "share.condition",
        "spatial.bbox",
    }


def test_a_rejected_body_leaves_nothing_behind(client, cast):
    before = client.get("/api/v1/resources", params={"status": "draft"}, headers=auth(cast.admin))
    _post(client, cast, resource_body(update_cycle="hourly"))
    after = client.get("/api/v1/resources", params={"status": "draft"}, headers=auth(cast.admin))
    assert after.json()["items"] == before.json()["items"]


def test_the_stored_body_round_trips_through_get_and_put(client, cast):
    created = _post(client, cast, resource_body()).json()
    again = client.put(
        f"/api/v1/resources/{created['id']}", json=created, headers=auth(cast.cataloguer)
    )
    assert again.status_code == 200
    for field in ("name", "items", "share", "spatial", "temporal", "links", "related_codes"):
        assert again.json()[field] == created[field]
