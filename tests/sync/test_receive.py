"""A parent receiving batches: signatures, the division rule, versions, and malformed input."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from catalog.api.app import create_app
from catalog.center.models import Change, Resource
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.config import Settings
from catalog.db import make_engine, make_sessionmaker
from catalog.sync import peers
from catalog.sync.ingest import apply_batch
from catalog.sync.wire import BatchIn
from tests.sync.helpers import batch, change, resource_copy, signed

REGION = Node(code="150000", name="内蒙古自治区政务信息资源目录中心", url="http://region.test")


@pytest.fixture
def region(fresh_database, tmp_path) -> Iterator[tuple[TestClient, object, str]]:
    """The region's app on a database of its own (real commits), with Chifeng registered."""
    url = fresh_database()
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        key = peers.add_child(
            session,
            code="150400",
            name="赤峰市",
            url="http://chifeng.test",
            alg="hmac-sha256",
            own_code="150000",
            actor=Actor.operator(),
        )
    settings = Settings(
        _env_file=None,
        node_code="150000",
        node_name=REGION.name,
        database_url=url,  # type: ignore[call-arg]
        data_dir=tmp_path,
        public_url=REGION.url,
        sync_enabled=False,
    )
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client, sessions, key
    engine.dispose()


def _push(client: TestClient, key: str, body: bytes, **kwargs):
    return client.post("/sync/v1/batches", content=body, headers=signed(key, body=body, **kwargs))


def _held(sessions, rid) -> tuple[int, str] | None:
    with sessions() as session:
        row = session.execute(
            select(Resource.version, Resource.status).where(Resource.id == rid)
        ).first()
        return tuple(row) if row else None


def _count(sessions, model=Resource) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def test_a_batch_is_applied_and_acknowledged(region):
    client, sessions, key = region
    rid = uuid.uuid4()
    body = batch([change(rid, 1)])
    response = _push(client, key, body)
    assert response.status_code == 200, response.text
    assert response.json()["applied"] == 1
    assert response.json()["ack"] > 0
    assert _held(sessions, rid) == (1, "published")


def test_a_received_record_is_readable_and_locatable_at_the_parent(region):
    client, _sessions, key = region
    rid = uuid.uuid4()
    _push(client, key, batch([change(rid, 1)]))
    shown = client.get(f"/api/v1/resources/{rid}").json()
    assert shown["origin"]["code"] == "150400"
    assert shown["path"] == ["150400", "150000"]
    located = client.get(f"/api/v1/resources/{rid}/locate").json()
    assert located["acquire_url"].startswith("http://chifeng.test/")
    history = client.get(f"/api/v1/resources/{rid}/history").json()
    assert [(h["action"], h["actor"], h["version"]) for h in history] == [("receive", "150400", 1)]


def test_a_received_record_is_found_in_the_unified_directory_by_its_origin(region):
    client, _sessions, key = region
    rid = uuid.uuid4()
    copy = resource_copy(rid, 1, name="赤峰市林地资源分布图")
    _push(client, key, batch([change(rid, 1, copy=copy)]))
    for params in ({"q": "林地"}, {"node": "150400"}, {"node": "150400", "subtree": "true"}):
        answer = client.get("/api/v1/search", params=params).json()
        assert [hit["id"] for hit in answer["items"]] == [str(rid)], params
    [hit] = client.get("/api/v1/search", params={"q": "林地"}).json()["items"]
    assert hit["origin"]["code"] == "150400" and hit["path"] == ["150400", "150000"]
    assert client.get("/api/v1/search", params={"node": "150000"}).json()["total"] == 0
    stats = client.get("/api/v1/stats").json()
    assert {e["value"]: e["count"] for e in stats["node"]} == {"150400": 1}


def test_a_received_retirement_leaves_the_unified_directory(region):
    client, _sessions, key = region
    rid = uuid.uuid4()
    copy = resource_copy(rid, 1, name="赤峰市林地资源分布图")
    _push(client, key, batch([change(rid, 1, copy=copy)]))
    _push(client, key, batch([change(rid, 2, op="retire", copy=copy)]))
    assert client.get("/api/v1/search", params={"q": "林地"}).json()["total"] == 0


def test_a_tombstone_without_metadata_leaves_the_unified_directory(region):
    client, _sessions, key = region
    rid = uuid.uuid4()
    copy = resource_copy(rid, 1, name="赤峰市林地资源分布图")
    _push(client, key, batch([change(rid, 1, copy=copy)]))
    made_secret = {**change(rid, 2, op="retire"), "resource": None}
    assert _push(client, key, batch([made_secret])).json()["applied"] == 1
    assert client.get("/api/v1/search", params={"q": "林地"}).json()["total"] == 0


def test_a_record_whose_code_another_resource_holds_refuses_the_batch_whole(region):
    client, sessions, key = region
    first = resource_copy(uuid.uuid4(), 1)
    _push(client, key, batch([change(uuid.UUID(first["id"]), 1, copy=first)]))
    fresh, squatter = uuid.uuid4(), uuid.uuid4()
    taken = {**resource_copy(squatter, 1), "code": first["code"]}
    body = batch([change(fresh, 1), change(squatter, 1, copy=taken)])
    response = _push(client, key, body)
    assert response.status_code == 409
    assert first["code"] in response.json()["detail"]
    assert _held(sessions, fresh) is None and _held(sessions, squatter) is None
    assert _count(sessions, Change) == 1


def test_a_received_record_enters_the_parents_own_feed(region):
    client, sessions, key = region
    rid = uuid.uuid4()
    _push(client, key, batch([change(rid, 1)]))
    with sessions() as session:
        row = session.scalars(select(Change).where(Change.resource_id == rid)).one()
    assert row.path == ["150400", "150000"]
    assert row.origin == "150400"


def test_a_newer_received_version_supersedes_the_older_in_the_parents_feed(region):
    client, sessions, key = region
    rid = uuid.uuid4()
    copy = resource_copy(rid, 1)
    _push(client, key, batch([change(rid, 1, copy=copy)]))
    assert _push(client, key, batch([change(rid, 2, copy=copy)])).json()["applied"] == 1
    with sessions() as session:
        versions = session.scalars(select(Change.version).where(Change.resource_id == rid)).all()
    assert versions == [2]


def test_the_same_batch_twice_is_harmless(region):
    client, sessions, key = region
    rid = uuid.uuid4()
    body = batch([change(rid, 1)])
    assert _push(client, key, body).json()["applied"] == 1
    time.sleep(1.05)  # a newly signed request: within the same second it would be the same one
    again = _push(client, key, body)
    assert again.status_code == 200
    assert again.json() | {"ack": 0} == {"ack": 0, "applied": 0, "skipped": 1}
    assert _count(sessions, Change) == 1


def test_batches_out_of_order_keep_the_newest_version(region):
    client, sessions, key = region
    rid = uuid.uuid4()
    copy = resource_copy(rid, 1)
    older, newer = batch([change(rid, 1, copy=copy)]), batch([change(rid, 2, copy=copy)])
    _push(client, key, newer)
    assert _push(client, key, older).json()["applied"] == 0
    assert _held(sessions, rid) == (2, "published")


def test_a_retire_that_overtakes_an_older_upsert_wins(region):
    client, sessions, key = region
    rid = uuid.uuid4()
    copy = resource_copy(rid, 1)
    _push(client, key, batch([change(rid, 2, op="retire", copy=copy)]))
    _push(client, key, batch([change(rid, 1, copy=copy)]))
    assert _held(sessions, rid) == (2, "retired")


def test_a_forged_signature_is_refused(region):
    client, sessions, _key = region
    body = batch([change(uuid.uuid4(), 1)])
    response = client.post(
        "/sync/v1/batches", content=body, headers=signed("not-the-key", body=body)
    )
    assert response.status_code == 401
    assert _count(sessions) == 0


def test_an_unknown_node_is_refused(region):
    client, _sessions, key = region
    body = batch([change(uuid.uuid4(), 1, origin="150700")], node="150700")
    assert _push(client, key, body, node="150700").status_code == 401


def test_a_replayed_request_is_refused(region):
    client, _sessions, key = region
    body = batch([change(uuid.uuid4(), 1)])
    headers = signed(key, body=body)
    assert client.post("/sync/v1/batches", content=body, headers=headers).status_code == 200
    replay = client.post("/sync/v1/batches", content=body, headers=headers)
    assert replay.status_code == 401
    assert "replay" in replay.json()["detail"]


def test_a_stale_timestamp_is_refused(region, monkeypatch):
    client, _sessions, key = region
    body = batch([change(uuid.uuid4(), 1)])
    monkeypatch.setattr("catalog.sync.signing.time.time", lambda: 1_000_000_000.0)
    headers = signed(key, body=body)
    monkeypatch.undo()
    assert client.post("/sync/v1/batches", content=body, headers=headers).status_code == 401


def test_a_record_claiming_a_foreign_origin_refuses_the_whole_batch(region):
    client, sessions, key = region
    good = change(uuid.uuid4(), 1)
    foreign = change(uuid.uuid4(), 1, origin="150700")
    foreign["path"] = ["150700", "150400"]
    response = _push(client, key, batch([good, foreign]))
    assert response.status_code == 403
    assert response.json()["fields"][0]["path"] == "changes.1.origin"
    assert _count(sessions) == 0
    status = client.get("/api/v1/sync/status").json()["links"]
    assert "division" in status[0]["last_error"]


def test_a_disabled_child_is_refused(region):
    client, sessions, key = region
    with sessions() as session:
        peers.disable_child(session, code="150400", actor=Actor.operator())
    assert _push(client, key, batch([change(uuid.uuid4(), 1)])).status_code == 401


def test_a_rotated_key_replaces_the_old_one(region):
    client, sessions, key = region
    with sessions() as session:
        new_key = peers.rotate_key(session, code="150400", actor=Actor.operator())
    assert _push(client, key, batch([change(uuid.uuid4(), 1)])).status_code == 401
    assert _push(client, new_key, batch([change(uuid.uuid4(), 1)])).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"node": "150400"}',
        b'{"node":"150400","epoch":"e","from_seq":1,"to_seq":1,'
        b'"changes":[{"seq":1,"op":"upsert","id":"x","version":1,"origin":"150400","path":["150400"]}]}',
    ],
    ids=["bad-json", "missing-fields", "bad-change"],
)
def test_a_malformed_batch_is_422_and_applies_nothing(region, body):
    client, sessions, key = region
    response = _push(client, key, body)
    assert response.status_code == 422
    assert _count(sessions) == 0


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"abstract": "人口\x00信息"}, "abstract"),
        (
            {"items": [{"name": "a", "data_type": "C", "description": "\x00"}]},
            "items.0.description",
        ),
        ({"extra": {"k\x00": 1}}, "extra.k\\u0000"),
    ],
    ids=["text", "nested", "key"],
)
def test_a_copy_holding_nul_is_422_naming_where_and_applies_nothing(region, fields, path):
    client, sessions, key = region
    good, bad = uuid.uuid4(), uuid.uuid4()
    body = batch([change(good, 1), change(bad, 1, copy=resource_copy(bad, 1, **fields))])
    response = _push(client, key, body)
    assert response.status_code == 422, response.text
    assert response.json()["fields"] == [
        {"path": f"changes.1.resource.{path}", "reason": "must not contain the NUL character"}
    ]
    assert _count(sessions) == 0


def test_a_literal_backslash_u0000_in_a_copy_is_only_text(region):
    client, sessions, key = region
    rid = uuid.uuid4()
    body = batch([change(rid, 1, copy=resource_copy(rid, 1, abstract="见 \\u0000 转义"))])
    assert _push(client, key, body).status_code == 200
    assert _held(sessions, str(rid)) == (1, "published")


def test_a_batch_that_is_not_json_names_the_body(region):
    client, _, key = region
    response = _push(client, key, b'{"node": "150400", "changes": [')
    assert response.status_code == 422
    assert response.json()["fields"] == [{"path": "body", "reason": "not valid JSON"}]


def test_a_50_mb_body_is_413_and_applies_nothing(region):
    client, sessions, key = region
    body = b'{"pad":"' + b"x" * (50 * 1024 * 1024) + b'"}'
    assert _push(client, key, body).status_code == 413
    assert _count(sessions) == 0


def test_concurrent_ingests_of_the_same_records_keep_the_newest_without_deadlock(region):
    """Eight batches carrying the same new records at versions 1-8, each in its own order, all
    applied at once: every application succeeds (none waits on another in a cycle) and the
    newest version of each record is what is held, repeated to give the races their chance."""
    _client, sessions, _key = region
    for _ in range(6):
        ids = [uuid.uuid4() for _ in range(4)]
        copies = {rid: resource_copy(rid, 1) for rid in ids}
        bodies = []
        for version in range(1, 9):
            order = random.sample(ids, len(ids))
            changes = [change(rid, version, copy=copies[rid]) for rid in order]
            bodies.append(BatchIn.model_validate_json(batch(changes)))

        def apply(one: BatchIn) -> None:
            with sessions() as session:
                apply_batch(session, peer=peers.child(session, "150400"), batch=one, own=REGION)

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(apply, bodies))
        assert [_held(sessions, rid) for rid in ids] == [(8, "published")] * len(ids)


def test_a_link_registered_for_sm3_takes_sm3_signatures_only(region):
    client, sessions, _ = region
    with sessions() as session:
        key = peers.add_child(
            session,
            code="150700",
            name="呼伦贝尔市",
            url="http://hlbe.test",
            alg="hmac-sm3",
            own_code="150000",
            actor=Actor.operator(),
        )
    body = batch([change(uuid.uuid4(), 1, origin="150700")], node="150700")
    downgraded = _push(client, key, body, node="150700")
    assert downgraded.status_code == 401
    accepted = _push(client, key, body, node="150700", alg="hmac-sm3")
    assert accepted.status_code == 200, accepted.text


def test_two_batches_of_one_child_applied_at_once_keep_the_furthest_cursor_and_every_count(region):
    _client, sessions, _key = region
    later, earlier = (
        BatchIn.model_validate_json(batch([{**change(uuid.uuid4(), 1), "seq": s} for s in seqs]))
        for seqs in ((3, 4), (1, 2))
    )
    # Both applications read the child's row before either commits (a pull racing a push).
    with sessions() as first, sessions() as second:
        first_peer = peers.child(first, "150400")
        second_peer = peers.child(second, "150400")
        apply_batch(second, peer=second_peer, batch=later, own=REGION)
        answer = apply_batch(first, peer=first_peer, batch=earlier, own=REGION)
    assert answer.ack == 4
    with sessions() as session:
        peer = peers.child(session, "150400")
        assert (peer.cursor, peer.received) == (4, 4)
