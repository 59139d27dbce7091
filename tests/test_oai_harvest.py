"""A real OAI-PMH client (Sickle, from PyPI) harvests every record of a running node."""

from __future__ import annotations

from sickle import Sickle

from catalog.center.bulk import publish_bulk
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from tests.factories import resource_body

RECORDS = 450  # more than two pages of 200


def test_sickle_harvests_every_record_across_resumption_tokens(make_node):
    node = make_node("150400").start()
    node.add_department()
    bodies = [ResourceBody.model_validate(resource_body(name=f"资源{n}")) for n in range(RECORDS)]
    with node.sessions() as session:
        publish_bulk(session, bodies=bodies, actor=Actor.operator(), node=node.node)
    retired = node.publish(name="已下架的资源")
    node.retire(retired)

    client = Sickle(f"{node.url}/oai", max_retries=0)
    records = list(client.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))

    assert len(records) == RECORDS + 1
    assert len({r.header.identifier for r in records}) == RECORDS + 1
    [deleted] = [r for r in records if r.header.deleted]
    assert deleted.header.identifier == f"urn:uuid:{retired}"
    titles = {r.metadata["title"][0] for r in records if not r.header.deleted}
    assert titles == {f"资源{n}" for n in range(RECORDS)}


def test_sickle_reads_identify_and_the_gbt21063_records(make_node):
    node = make_node("150400").start()
    node.add_department()
    rid = node.publish(name="林地资源分布图")
    client = Sickle(f"{node.url}/oai", max_retries=0)
    assert client.Identify().deletedRecord == "persistent"
    record = client.GetRecord(identifier=f"urn:uuid:{rid}", metadataPrefix="gbt21063")
    assert record.metadata["resTitle"] == ["林地资源分布图"]
