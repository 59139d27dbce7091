"""The audit trail: every transition with actor, time, from, to and comment."""

from __future__ import annotations

from tests.factories import act, auth, published, resource_body


def test_history_records_every_transition_in_order(client, cast):
    resource = published(client, cast)
    rid = resource["id"]
    client.put(
        f"/api/v1/resources/{rid}", json=resource_body(name="改"), headers=auth(cast.cataloguer)
    )
    act(client, cast.cataloguer, rid, "submit")
    act(client, cast.reviewer, rid, "reject", reason="名称太短")
    act(client, cast.reviewer, rid, "retire", reason="停止维护")

    history = client.get(f"/api/v1/resources/{rid}/history", headers=auth(cast.cataloguer)).json()
    steps = [(h["action"], h["from"], h["to"]) for h in history]
    assert steps == [
        ("create", None, "draft"),
        ("submit", "draft", "submitted"),
        ("approve", "submitted", "published"),
        ("edit", "published", "draft"),
        ("submit", "draft", "submitted"),
        ("reject", "submitted", "rejected"),
        ("retire", "published", "retired"),
    ]
    assert all(h["at"] and h["actor"] for h in history)
    assert history[5]["comment"] == "名称太短"
    assert history[6]["comment"] == "停止维护"
    assert [h["version"] for h in history] == [0, 0, 1, 1, 1, 1, 2]


def test_history_names_the_actor_of_each_step(client, cast):
    resource = published(client, cast)
    history = client.get(
        f"/api/v1/resources/{resource['id']}/history", headers=auth(cast.admin)
    ).json()
    cataloguer_name, reviewer_name = history[0]["actor"], history[2]["actor"]
    assert cataloguer_name.startswith("cataloguer")
    assert reviewer_name.startswith("reviewer")


def test_rejection_comments_are_hidden_from_other_readers(client, cast):
    resource = published(client, cast)
    rid = resource["id"]
    client.put(
        f"/api/v1/resources/{rid}", json=resource_body(name="改"), headers=auth(cast.cataloguer)
    )
    act(client, cast.cataloguer, rid, "submit")
    act(client, cast.reviewer, rid, "reject", reason="内部意见")
    outsider = client.get(f"/api/v1/resources/{rid}/history", headers=auth(cast.reader)).json()
    insider = client.get(f"/api/v1/resources/{rid}/history", headers=auth(cast.dept_reader)).json()
    assert [h["comment"] for h in outsider if h["action"] == "reject"] == [None]
    assert [h["comment"] for h in insider if h["action"] == "reject"] == ["内部意见"]


def test_a_failed_transition_writes_no_audit_entry(client, cast):
    resource = published(client, cast)
    rid = resource["id"]
    assert act(client, cast.reviewer, rid, "approve").status_code == 409
    history = client.get(f"/api/v1/resources/{rid}/history", headers=auth(cast.admin)).json()
    assert len(history) == 3
