"""OAI-PMH 2.0 at /oai: the six verbs, sets, dates, resumption and the protocol's errors."""

from __future__ import annotations

from lxml import etree

from catalog.center import gbt21063, oai, oai_records
from tests.factories import (
    DEPT,
    OTHER_DEPT,
    approve_changes,
    create,
    make_department,
    published,
    retired,
)

NS = {"o": oai_records.OAI, "dc": oai_records.DC, "g": gbt21063.CORE}


def harvest(client, **args: str) -> etree._Element:
    response = client.get("/oai", params=args)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return etree.fromstring(response.content)


def error_code(root: etree._Element) -> str | None:
    error = root.find("o:error", NS)
    return error.get("code") if error is not None else None


def identifiers(root: etree._Element) -> list[str]:
    return root.xpath("//o:header/o:identifier/text()", namespaces=NS)


def test_identify_describes_the_repository(client, cast):
    root = harvest(client, verb="Identify")
    identify = root.find("o:Identify", NS)
    assert identify.findtext("o:baseURL", namespaces=NS) == "http://region.test/oai"
    assert identify.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"


def test_both_metadata_formats_are_offered_with_their_schemas(client, cast):
    root = harvest(client, verb="ListMetadataFormats")
    prefixes = root.xpath("//o:metadataPrefix/text()", namespaces=NS)
    assert prefixes == ["oai_dc", "gbt21063"]
    schema_url = root.xpath("//o:metadataFormat[2]/o:schema/text()", namespaces=NS)[0]
    served = client.get(schema_url.removeprefix("http://region.test"))
    assert served.status_code == 200 and b"resTitle" in served.content


def test_list_records_shows_published_records_in_dublin_core(client, cast):
    resource = published(client, cast)
    root = harvest(client, verb="ListRecords", metadataPrefix="oai_dc")
    assert identifiers(root) == [f"urn:uuid:{resource['id']}"]
    assert root.xpath("//dc:title/text()", namespaces=NS) == [resource["name"]]
    assert resource["code"] in root.xpath("//dc:identifier/text()", namespaces=NS)


def test_gbt21063_records_validate_against_the_shipped_schema(client, cast):
    published(client, cast)
    root = harvest(client, verb="ListRecords", metadataPrefix="gbt21063")
    [record] = root.xpath("//o:metadata/g:Metadata", namespaces=NS)
    gbt21063.schema().assertValid(record)


def test_drafts_and_secret_records_are_not_harvested(client, cast):
    create(client, cast)
    published(client, cast, secret=True, open={"to_public": False})
    root = harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert error_code(root) == "noRecordsMatch"


def test_a_record_made_secret_after_being_shared_stays_as_a_deleted_header_without_metadata(
    client, cast
):
    resource = published(client, cast, format={"category": "database"})
    approve_changes(client, cast, resource["id"], secret=True, format={"category": "web"})
    identifier = f"urn:uuid:{resource['id']}"

    root = harvest(client, verb="ListRecords", metadataPrefix="oai_dc")
    [record] = root.xpath("//o:record", namespaces=NS)
    header = record.find("o:header", NS)
    assert header.get("status") == "deleted"
    assert header.findtext("o:identifier", namespaces=NS) == identifier
    assert record.find("o:metadata", NS) is None
    specs = header.xpath("o:setSpec/text()", namespaces=NS)
    assert not [s for s in specs if s.startswith("format:")]
    for category in ("web", "database"):
        in_format = harvest(
            client, verb="ListIdentifiers", metadataPrefix="oai_dc", set=f"format:{category}"
        )
        assert error_code(in_format) == "noRecordsMatch"
    got = harvest(client, verb="GetRecord", identifier=identifier, metadataPrefix="gbt21063")
    assert got.find("o:GetRecord/o:record/o:header", NS).get("status") == "deleted"
    assert got.find("o:GetRecord/o:record/o:metadata", NS) is None


def test_a_retired_record_stays_as_a_deleted_header(client, cast):
    resource = retired(client, cast)
    root = harvest(
        client, verb="GetRecord", identifier=f"urn:uuid:{resource['id']}", metadataPrefix="oai_dc"
    )
    header = root.find("o:GetRecord/o:record/o:header", NS)
    assert header.get("status") == "deleted"
    assert root.find("o:GetRecord/o:record/o:metadata", NS) is None


def test_sets_select_by_department_node_and_format(client, cast):
    database = published(client, cast)
    image = published(client, cast, format={"category": "image", "type": "shp"})
    ids = {r["id"]: f"urn:uuid:{r['id']}" for r in (database, image)}
    by_format = harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="format:image")
    assert identifiers(by_format) == [ids[image["id"]]]
    by_department = harvest(
        client, verb="ListIdentifiers", metadataPrefix="oai_dc", set=f"department:150000:{DEPT}"
    )
    assert sorted(identifiers(by_department)) == sorted(ids.values())
    by_node = harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="node:150400")
    assert error_code(by_node) == "noRecordsMatch"


def test_list_sets_names_the_sets_records_belong_to(client, cast):
    published(client, cast)
    root = harvest(client, verb="ListSets")
    specs = root.xpath("//o:setSpec/text()", namespaces=NS)
    assert {"node:150000", f"department:150000:{DEPT}", "format:database"} <= set(specs)


def department_sets(client) -> dict[str, str]:
    root = harvest(client, verb="ListSets")
    sets = root.xpath("//o:set", namespaces=NS)
    named = {
        s.findtext("o:setSpec", namespaces=NS): s.findtext("o:setName", namespaces=NS) for s in sets
    }
    return {spec: name for spec, name in named.items() if spec.count(":") == 2}


def test_list_sets_offers_the_departments_with_a_harvestable_record_under_their_names(
    client, cast, session
):
    make_department(session, "D03", "赤峰市林业局")
    make_department(session, "D04", "赤峰市审计局")
    published(client, cast)
    retired(client, cast, token=cast.admin, department_code=OTHER_DEPT)
    published(client, cast, token=cast.admin, department_code="D03", secret=True)
    create(client, cast, token=cast.admin, department_code="D04")

    assert department_sets(client) == {
        f"department:150000:{DEPT}": "赤峰市统计局",
        f"department:150000:{OTHER_DEPT}": "赤峰市公安局",  # named by its retired record
    }


def test_from_and_until_select_by_datestamp(client, cast):
    published(client, cast)
    root = harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    stamp = root.findtext(".//o:datestamp", namespaces=NS)
    day = stamp[:10]
    assert identifiers(
        harvest(
            client,
            verb="ListIdentifiers",
            metadataPrefix="oai_dc",
            **{"from": stamp, "until": stamp},
        )
    )
    assert identifiers(harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until=day))
    later = harvest(
        client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2999-01-01"}
    )
    assert error_code(later) == "noRecordsMatch"


def test_resumption_tokens_page_through_every_record(client, cast, monkeypatch):
    monkeypatch.setattr(oai, "PAGE", 2)
    made = {f"urn:uuid:{published(client, cast, name=f'资源{n}')['id']}" for n in range(5)}
    seen: list[str] = []
    root = harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    while True:
        seen += identifiers(root)
        token = root.findtext(".//o:resumptionToken", namespaces=NS)
        if not token:
            break
        root = harvest(client, verb="ListIdentifiers", resumptionToken=token)
    assert len(seen) == 5 and set(seen) == made


def test_the_protocol_errors_have_their_codes(client, cast):
    cases = {
        "badVerb": {"verb": "Dance"},
        "badArgument": {"verb": "ListRecords"},
        "cannotDisseminateFormat": {"verb": "ListRecords", "metadataPrefix": "marc"},
        "idDoesNotExist": {
            "verb": "GetRecord",
            "identifier": "urn:uuid:nope",
            "metadataPrefix": "oai_dc",
        },
        "badResumptionToken": {"verb": "ListRecords", "resumptionToken": "garbage"},
    }
    for code, args in cases.items():
        assert error_code(harvest(client, **args)) == code, code


def test_an_unknown_argument_and_mixed_granularity_are_bad_arguments(client, cast):
    extra = harvest(client, verb="Identify", colour="blue")
    mixed = harvest(
        client,
        verb="ListRecords",
        metadataPrefix="oai_dc",
        **{"from": "2020-01-01", "until": "2021-01-01T00:00:00Z"},
    )
    assert error_code(extra) == error_code(mixed) == "badArgument"
    assert extra.find("o:request", NS).attrib == {}


def test_a_repeated_argument_is_a_bad_argument(client, cast):
    response = client.get("/oai?verb=Identify&verb=Identify")
    assert error_code(etree.fromstring(response.content)) == "badArgument"


def test_the_verbs_answer_a_form_post_too(client, cast):
    response = client.post("/oai", data={"verb": "Identify"})
    assert etree.fromstring(response.content).find("o:Identify", NS) is not None
