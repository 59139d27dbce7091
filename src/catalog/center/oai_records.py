"""How an OAI-PMH answer shows one record: its header (identifier, datestamp, sets, deleted) and
its metadata in `oai_dc` or `gbt21063`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lxml import etree

from catalog.center import gbt21063
from catalog.center.models import Resource
from catalog.center.views import published_view
from catalog.center.vocab import LABELS

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def deleted(resource: Resource) -> bool:
    """Shown as a deleted record: retired, or made secret after being shared (its metadata is
    the secret version's, so none of it is shown, its format set included)."""
    return resource.status == "retired" or resource.secret


def header(resource: Resource) -> etree._Element:
    header = etree.Element(f"{{{OAI}}}header")
    if deleted(resource):
        header.set("status", "deleted")
    sub(header, "identifier", f"urn:uuid:{resource.id}")
    sub(header, "datestamp", stamp(resource.harvest_stamp))
    sub(header, "setSpec", f"node:{resource.origin_code}")
    sub(header, "setSpec", f"department:{resource.origin_code}:{resource.department_code}")
    if resource.published is not None and not resource.secret:
        sub(header, "setSpec", f"format:{resource.published['format']['category']}")
    return header


def record_element(resource: Resource, prefix: str) -> etree._Element:
    record = etree.Element(f"{{{OAI}}}record")
    record.append(header(resource))
    if not deleted(resource) and resource.published is not None:
        metadata = sub(record, "metadata")
        view = published_view(resource)
        metadata.append(dublin_core(view) if prefix == "oai_dc" else gbt21063.encode(view))
    return record


def dublin_core(view: dict[str, Any]) -> etree._Element:
    """The simple Dublin Core description of a resource (oai_dc)."""
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {OAI_DC_SCHEMA}")

    def dc(name: str, value: Any) -> None:
        if value:
            etree.SubElement(root, f"{{{DC}}}{name}").text = str(value)

    dc("title", view["name"])
    dc("creator", view["department"]["name"])
    for keyword in view.get("keywords", []):
        dc("subject", keyword)
    for category in view["classification"]:
        dc("subject", f"{category['code']} {category['name']}")
    dc("description", view["abstract"])
    dc("publisher", view["origin"]["name"])
    dc("date", view.get("published_on"))
    dc("type", LABELS.get(view["format"]["category"]))
    dc("format", view["format"].get("type"))
    dc("identifier", view["code"])
    for link in view.get("links", []):
        dc("identifier", link["url"])
    dc("language", "zh")
    for code in view.get("related_codes", []):
        dc("relation", code)
    dc("coverage", (view.get("spatial") or {}).get("region_code"))
    dc("rights", LABELS.get(view["share"]["type"]))
    return root


def sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{OAI}}}{name}")
    if text is not None:
        element.text = text
    return element


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
