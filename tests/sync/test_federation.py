"""Two and three real nodes on loopback: push, faults, pull, verify and repair, restore."""

from __future__ import annotations

import httpx
from sqlalchemy import delete, select, text

from catalog.center.models import Resource
from catalog.sync import reconcile
from catalog.sync.restore import restore_after_backup
from tests.sync.nodes import NodeProcess, region_and_chifeng, register_child, wait_for


def _converged(parent: NodeProcess, child: NodeProcess) -> bool:
    return parent.digests(child.code) == child.digests(child.code)


def test_published_records_travel_to_the_parent_and_locate_there(make_node):
    region, chifeng = region_and_chifeng(make_node)
    region.start()
    chifeng.start()
    rid = chifeng.publish()
    wait_for(lambda: region.count("150400") == 1, what="the record at the region")
    shown = httpx.get(f"{region.url}/api/v1/resources/{rid}").json()
    assert shown["origin"]["code"] == "150400"
    assert shown["path"] == ["150400", "150000"]
    chifeng.retire(rid)
    wait_for(lambda: _converged(region, chifeng), what="the retirement at the region")
    assert httpx.get(f"{region.url}/api/v1/resources/{rid}").json()["status"] == "retired"
    status = httpx.get(f"{chifeng.url}/api/v1/sync/status").json()["links"][0]
    assert status["direction"] == "parent" and status["backlog"] == 0 and status["sent"] == 2


def test_secret_resources_never_leave_their_node(make_node):
    region, chifeng = region_and_chifeng(make_node)
    region.start()
    chifeng.start()
    chifeng.publish(secret=True)
    public = chifeng.publish()
    wait_for(lambda: region.count("150400") == 1, what="the public record")
    with region.sessions() as session:
        assert [str(i) for i in session.scalars(select(Resource.id))] == [public]


def test_records_travel_up_a_chain_of_three(make_node):
    region = make_node("150000")
    chifeng = make_node("150400")
    county = make_node("150425")
    chifeng.settings.update(parent_url=region.url, node_key=register_child(region, chifeng))
    county.settings.update(parent_url=chifeng.url, node_key=register_child(chifeng, county))
    county.add_department()
    for node in (region, chifeng, county):
        node.start()
    rid = county.publish()
    wait_for(lambda: region.count("150425") == 1, what="the county's record at the region")
    shown = httpx.get(f"{region.url}/api/v1/resources/{rid}").json()
    assert shown["path"] == ["150425", "150400", "150000"]


def test_parent_down_while_the_child_publishes_then_back(make_node):
    region, chifeng = region_and_chifeng(make_node)
    chifeng.start()
    ids = [chifeng.publish() for _ in range(5)]
    region.start()
    wait_for(lambda: region.count("150400") == 5, what="all five at the region", timeout=60)
    assert _converged(region, chifeng)
    assert len(ids) == 5


def test_parent_killed_while_applying_a_batch(make_node):
    region, chifeng = region_and_chifeng(make_node)
    region.start(fault_point="ingest.before_commit")
    chifeng.start()
    for _ in range(3):
        chifeng.publish()
    region.wait_dead()
    assert region.count("150400") == 0
    region.start()
    wait_for(lambda: _converged(region, chifeng), what="convergence", timeout=60)
    assert region.count("150400") == chifeng.count("150400") == 3


def test_child_killed_after_sending_before_saving_the_ack(make_node):
    region, chifeng = region_and_chifeng(make_node)
    region.start()
    chifeng.start(fault_point="push.before_ack_saved")
    for _ in range(3):
        chifeng.publish()
    chifeng.wait_dead()
    chifeng.start()
    chifeng.publish()
    wait_for(lambda: _converged(region, chifeng), what="convergence", timeout=60)
    assert region.count("150400") == chifeng.count("150400") == 4
    with region.sessions() as session:
        feed_rows = session.scalar(
            text("SELECT count(DISTINCT (resource_id, version)) FROM change")
        )
        all_rows = session.scalar(text("SELECT count(*) FROM change"))
    assert feed_rows == all_rows == 4


def test_several_serve_processes_push_one_at_a_time(make_node):
    region, chifeng = region_and_chifeng(make_node)
    region.start()
    chifeng.start()
    second = NodeProcess(chifeng.code, chifeng.database_url, chifeng.workdir, **chifeng.settings)
    try:
        second.start()
        for _ in range(5):
            chifeng.publish()
        wait_for(lambda: _converged(region, chifeng), what="convergence")
        with chifeng.sessions() as session:
            pushers = session.scalar(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :k"),
                {"k": 0x7075_7368},
            )
        assert pushers == 1
        assert region.count("150400") == 5
    finally:
        second.close()


def test_pull_harvests_a_child_that_cannot_reach_its_parent(make_node):
    region, chifeng = region_and_chifeng(make_node, sync_enabled="false")
    chifeng.start()
    for _ in range(3):
        chifeng.publish()
    applied = reconcile.pull_child(region.sessions, code="150400", node=region.node)
    assert applied == 3
    assert _converged(region, chifeng)
    assert reconcile.pull_child(region.sessions, code="150400", node=region.node) == 0


def test_verify_finds_drift_and_repairs_only_what_differs(make_node):
    region, chifeng = region_and_chifeng(make_node, sync_enabled="false")
    chifeng.start()
    ids = [chifeng.publish() for _ in range(6)]
    reconcile.pull_child(region.sessions, code="150400", node=region.node)
    with region.sessions() as session:
        session.execute(delete(Resource).where(Resource.id == ids[0]))
        session.execute(text("UPDATE resource SET version = 0 WHERE id = :i"), {"i": ids[1]})
        session.commit()
    drift = reconcile.verify_child(region.sessions, code="150400", node=region.node, repair=False)
    assert (len(drift.missing), len(drift.stale)) == (1, 1)
    assert not _converged(region, chifeng)
    repaired = reconcile.verify_child(region.sessions, code="150400", node=region.node, repair=True)
    assert repaired.repaired == 2
    assert _converged(region, chifeng)


def test_verify_never_deletes_what_the_child_no_longer_reports(make_node):
    region, chifeng = region_and_chifeng(make_node, sync_enabled="false")
    chifeng.start()
    ids = [chifeng.publish() for _ in range(2)]
    reconcile.pull_child(region.sessions, code="150400", node=region.node)
    with chifeng.sessions() as session:
        session.execute(delete(Resource).where(Resource.id == ids[0]))
        session.commit()
    drift = reconcile.verify_child(region.sessions, code="150400", node=region.node, repair=True)
    assert drift.only_here == [ids[0]]
    assert region.count("150400") == 2


def test_a_restored_child_resumes_above_what_its_parent_holds(make_node):
    region, chifeng = region_and_chifeng(make_node)
    region.start()
    chifeng.start()
    rid = chifeng.publish()
    wait_for(lambda: _converged(region, chifeng), what="first sync")
    chifeng.stop()
    # The "backup" lost the record's publication: it is back at version 0 with a lower code number.
    with chifeng.sessions() as session:
        session.execute(text("UPDATE resource SET version = 0 WHERE id = :i"), {"i": rid})
        session.execute(text("SELECT setval('resource_code_seq', 1, false)"))
        session.commit()
    report = restore_after_backup(
        chifeng.sessions, node=chifeng.node, parent_url=region.url, key=chifeng.settings["node_key"]
    )
    assert report["requeued"] == 1 and report["code_floor"] >= 1
    chifeng.start()
    wait_for(lambda: _converged(region, chifeng), what="sync after restore")
    with region.sessions() as session:
        assert session.scalar(select(Resource.version).where(Resource.id == rid)) == 2
    second = chifeng.publish()
    assert second != rid
    wait_for(lambda: region.count("150400") == 2, what="the new record at the region")


def test_a_link_can_sign_with_sm3_end_to_end(make_node):
    region = make_node("150000")
    chifeng = make_node("150400")
    key = register_child(region, chifeng, alg="hmac-sm3")
    chifeng.settings.update(parent_url=region.url, node_key=key, sync_alg="hmac-sm3")
    chifeng.add_department()
    region.start()
    chifeng.start()
    chifeng.publish()
    wait_for(lambda: region.count("150400") == 1, what="the record over an SM3 link")
