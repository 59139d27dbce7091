"""GB/T 21063.3 XML of a resource, and importing records (XML and JSON lines)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import rdflib
from lxml import etree
from rdflib.namespace import DCAT, DCTERMS, RDF, Namespace

from catalog.center import gbt21063
from tests.factories import DEPT, OTHER_DEPT, auth, create, published, resource_body

XML = {"Content-Type": "application/xml"}
JSONL = {"Content-Type": "application/x-ndjson"}
BODY_FIELDS = [*resource_body(), "custodian", "volume"]
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")


def xml_of(client, resource_id: str, token: str | None = None) -> bytes:
    response = client.get(f"/api/v1/resources/{resource_id}?format=xml", headers=auth(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return response.content


def import_(client, token: str, content: bytes, headers: dict[str, str], **params: str):
    return client.post(
        "/api/v1/import", content=content, headers={**headers, **auth(token)}, params=params
    )


def draft_body(client, token: str, resource_id: str) -> dict:
    response = client.get(f"/api/v1/resources/{resource_id}/draft", headers=auth(token))
    assert response.status_code == 200, response.text
    return {key: response.json().get(key) for key in BODY_FIELDS}


def resource_count(client, token: str) -> int:
    response = client.get("/api/v1/resources?limit=200", headers=auth(token))
    return len(response.json()["items"])


def test_a_published_resource_as_xml_validates_against_the_shipped_schema(client, cast):
    resource = published(client, cast)
    root = etree.fromstring(xml_of(client, resource["id"]))
    gbt21063.schema().assertValid(root)


def test_a_draft_as_xml_validates_against_the_shipped_schema(client, cast):
    resource = create(client, cast, spatial=None, temporal=None, items=[], links=[])
    root = etree.fromstring(xml_of(client, resource["id"], cast.cataloguer))
    gbt21063.schema().assertValid(root)


def test_the_xml_carries_the_core_elements_by_their_short_names(client, cast):
    resource = published(client, cast)
    root = etree.fromstring(xml_of(client, resource["id"]))
    ns = {"g": gbt21063.CORE}
    assert root.findtext("g:resTitle", namespaces=ns) == resource["name"]
    assert root.findtext("g:resID", namespaces=ns) == resource["code"]
    assert root.findtext("g:pubDate", namespaces=ns) == resource["published_on"]
    assert root.findtext("g:IdPoC/g:rpOrgNam", namespaces=ns) == "赤峰市统计局"
    assert root.findtext("g:TpCat/g:cateCode", namespaces=ns) == "1010101"
    assert root.findtext("g:ServInfo/g:servURL", namespaces=ns) == "http://data.chifeng.gov.cn/rk"


def test_an_accept_header_asking_for_xml_gets_xml(client, cast):
    resource = published(client, cast)
    response = client.get(
        f"/api/v1/resources/{resource['id']}", headers={"Accept": "application/xml"}
    )
    assert response.headers["content-type"].startswith("application/xml")
    assert b"resTitle" in response.content


def test_a_hidden_draft_is_not_found_as_xml_either(client, cast):
    resource = create(client, cast)
    response = client.get(f"/api/v1/resources/{resource['id']}?format=xml")
    assert response.status_code == 404


def test_export_then_import_round_trips_every_field(client, cast):
    resource = published(client, cast)
    document = xml_of(client, resource["id"])
    response = import_(client, cast.cataloguer, document, XML)
    assert response.status_code == 200, response.text
    [created] = response.json()["created"]
    assert created["code"] != resource["code"]
    assert draft_body(client, cast.cataloguer, created["id"]) == {
        key: resource.get(key) for key in BODY_FIELDS
    }


def test_json_lines_import_each_record_alone(client, cast):
    before = resource_count(client, cast.admin)
    lines = [
        json.dumps(resource_body(name="草原资源清查数据")),
        json.dumps(resource_body(share={"type": "conditional"})),
        "not json",
        json.dumps(resource_body(name="地下水监测数据")),
    ]
    response = import_(client, cast.cataloguer, "\n".join(lines).encode(), JSONL)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [c["index"] for c in answer["created"]] == [0, 3]
    assert [(e["index"], e["error"]) for e in answer["errors"]] == [
        (1, "validation_error"),
        (2, "validation_error"),
    ]
    assert answer["errors"][0]["fields"][0]["path"] == "share.condition"
    assert resource_count(client, cast.admin) == before + 2


def test_imported_records_are_drafts_of_the_importing_node(client, cast):
    line = json.dumps(resource_body(name="草原资源清查数据"))
    [created] = import_(client, cast.cataloguer, line.encode(), JSONL).json()["created"]
    view = client.get(f"/api/v1/resources/{created['id']}", headers=auth(cast.cataloguer)).json()
    assert view["status"] == "draft"
    assert view["origin"]["code"] == "150000"
    assert view["code"].split("/")[1].startswith("150000")


def test_a_record_of_another_department_is_refused_for_a_cataloguer(client, cast):
    line = json.dumps(resource_body(department_code=OTHER_DEPT))
    answer = import_(client, cast.cataloguer, line.encode(), JSONL).json()
    assert answer["created"] == []
    assert answer["errors"][0]["error"] == "forbidden"


def test_a_foreign_record_without_the_extension_names_what_it_lacks(client, cast):
    record = etree.Element(gbt21063.RECORD, nsmap={None: gbt21063.CORE})
    for tag, text in (("resTitle", "森林资源图"), ("abstract", "全市森林分布")):
        etree.SubElement(record, f"{{{gbt21063.CORE}}}{tag}").text = text
    category = etree.SubElement(record, f"{{{gbt21063.CORE}}}TpCat")
    for tag, text in (("cateStd", "政务"), ("cateName", "自然资源"), ("cateCode", "10301")):
        etree.SubElement(category, f"{{{gbt21063.CORE}}}{tag}").text = text
    response = import_(client, cast.cataloguer, etree.tostring(record), XML, department=DEPT)
    [refused] = response.json()["errors"]
    paths = {field["path"] for field in refused["fields"]}
    assert {"format", "share", "update_cycle"} <= paths
    assert "department_code" not in paths


def test_a_metadata_set_imports_every_record(client, cast):
    first, second = published(client, cast), published(client, cast, name="草原监测")
    records = [etree.fromstring(xml_of(client, r["id"])) for r in (first, second)]
    container = etree.Element(gbt21063.SET, nsmap={None: gbt21063.CORE})
    container.extend(records)
    response = import_(client, cast.cataloguer, etree.tostring(container), XML)
    assert [c["index"] for c in response.json()["created"]] == [0, 1]


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Metadata [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Metadata xmlns="urn:catalog:gbt21063.3"><resTitle>&xxe;</resTitle></Metadata>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<Metadata xmlns="urn:catalog:gbt21063.3"><resTitle>&lol4;</resTitle></Metadata>"""


@pytest.mark.parametrize("document", [XXE, LAUGHS, b"<Metadata><unclosed>"], ids=str)
def test_hostile_or_broken_xml_is_refused_whole(client, cast, document):
    before = resource_count(client, cast.admin)
    response = import_(client, cast.cataloguer, document, XML)
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == "body"
    assert resource_count(client, cast.admin) == before


def test_an_xml_document_of_another_vocabulary_is_refused(client, cast):
    response = import_(client, cast.cataloguer, b"<rss><channel/></rss>", XML)
    assert response.status_code == 422


def test_import_needs_a_known_media_type(client, cast):
    response = import_(client, cast.cataloguer, b"{}", {"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_import_needs_a_user(client, cast):
    response = import_(client, None, b"{}", JSONL)
    assert response.status_code == 401


def dcat_page(client, **params: str):
    response = client.get("/api/v1/dcat", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/ld+json")
    return response


def dcat_graph(client, **params: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=dcat_page(client, **params).text, format="json-ld")


def next_page(graph: rdflib.Graph) -> str | None:
    """Where a harvester goes next: the hydra:nextPage of the page's hydra:PagedCollection."""
    [view] = graph.subjects(RDF.type, HYDRA.PagedCollection)
    following = graph.value(view, HYDRA.nextPage)
    return None if following is None else str(following)


def test_dcat_lists_published_resources_as_datasets(client, cast):
    resource = published(client, cast)
    create(client, cast, name="未发布的草稿")
    graph = dcat_graph(client)
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert datasets == {rdflib.URIRef(f"http://region.test/api/v1/resources/{resource['id']}")}
    [dataset] = datasets
    assert str(graph.value(dataset, DCTERMS.title)) == resource["name"]
    assert str(graph.value(dataset, DCTERMS.identifier)) == resource["code"]
    distribution = graph.value(dataset, DCAT.distribution)
    assert str(graph.value(distribution, DCAT.accessURL)) == "http://data.chifeng.gov.cn/rk"


def test_dcat_open_only_leaves_out_what_is_not_open(client, cast):
    published(client, cast)
    opened = published(
        client, cast, share={"type": "unconditional"}, open={"to_public": True}, name="公开数据"
    )
    graph = dcat_graph(client, open="true")
    titles = {str(graph.value(d, DCTERMS.title)) for d in graph.subjects(RDF.type, DCAT.Dataset)}
    assert titles == {opened["name"]}


def test_dcat_pages_followed_by_their_next_links_give_every_dataset_once(client, cast):
    expected = {published(client, cast, name=f"分页数据{n}")["id"] for n in range(5)}
    seen: list[str] = []
    params = {"limit": "2"}
    for _ in range(5):
        response = dcat_page(client, **params)
        graph = rdflib.Graph().parse(data=response.text, format="json-ld")
        seen += [str(d).rsplit("/", 1)[1] for d in graph.subjects(RDF.type, DCAT.Dataset)]
        following = next_page(graph)
        if following is None:
            assert "link" not in response.headers
            break
        assert response.headers["link"] == f'<{following}>; rel="next"'
        params = dict(parse_qsl(urlsplit(following).query))

    assert sorted(seen) == sorted(expected)
    assert len(seen) == 5


def test_the_dcat_next_page_keeps_the_open_only_choice(client, cast):
    for n in range(3):
        published(
            client, cast, share={"type": "unconditional"}, open={"to_public": True}, name=f"开{n}"
        )
    following = next_page(dcat_graph(client, open="true", limit="1"))
    assert following is not None
    assert dict(parse_qsl(urlsplit(following).query))["open"] == "true"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": "0"}, "limit"), ({"limit": "1001"}, "limit"), ({"cursor": "x"}, "cursor")],
)
def test_bad_dcat_page_parameters_get_a_422_naming_the_parameter(client, params, field):
    response = client.get("/api/v1/dcat", params=params)
    assert response.status_code == 422, response.text
    assert [f["path"] for f in response.json()["fields"]] == [field]


def test_a_paper_resource_round_trips_its_custodian_and_volume(client, cast):
    paper = resource_body(
        name="赤峰市统计年鉴（1990-2000）",
        format={"category": "non_electronic", "type": "纸质档案"},
        location="赤峰市档案馆三楼",
        custodian="赤峰市档案馆",
        volume="11册",
        items=[],
    )
    resource = published(client, cast, **paper)
    document = xml_of(client, resource["id"])
    gbt21063.schema().assertValid(etree.fromstring(document))
    [created] = import_(client, cast.cataloguer, document, XML).json()["created"]
    copy = draft_body(client, cast.cataloguer, created["id"])
    assert (copy["custodian"], copy["volume"]) == ("赤峰市档案馆", "11册")


def test_records_naming_no_department_are_the_cataloguers_own(client, cast):
    body = resource_body()
    del body["department_code"]
    [created] = import_(client, cast.cataloguer, json.dumps(body).encode(), JSONL).json()["created"]
    assert draft_body(client, cast.cataloguer, created["id"])["department_code"] == DEPT
