"""The published catalogue as DCAT (JSON-LD), the vocabulary open-data portals harvest.

Written as a stream of text pieces, a dataset at a time, so the catalogue of a million records
is never one object in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.center.models import Resource
from catalog.center.node import Node
from catalog.center.views import published_view
from catalog.center.vocab import LABELS

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "locn": "http://www.w3.org/ns/locn#",
}
_PAGE = 500
# How a link of each kind is offered in a distribution.
_URL_PROPERTY = {"download": "dcat:downloadURL"}


def catalogue(session: Session, *, node: Node, open_only: bool = False) -> Iterator[str]:
    """The catalogue document, in pieces: published, non-secret records (`open_only`: open ones)."""
    head = {
        "@context": CONTEXT,
        "@id": f"{node.url}/api/v1/dcat",
        "@type": "dcat:Catalog",
        "dct:title": node.name,
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": node.name},
        "foaf:homepage": {"@id": node.url},
    }
    text = json.dumps(head, ensure_ascii=False)
    yield text[:-1] + ', "dcat:dataset": ['
    first = True
    for view in _published(session, open_only=open_only):
        yield ("" if first else ",") + json.dumps(dataset(view), ensure_ascii=False)
        first = False
    yield "]}"


def _published(session: Session, *, open_only: bool) -> Iterator[dict[str, Any]]:
    statement = (
        select(Resource)
        .where(Resource.status == "published", Resource.secret.is_(False))
        .order_by(Resource.id)
        .limit(_PAGE)
    )
    if open_only:
        statement = statement.where(Resource.published["open"]["to_public"].as_boolean())
    after = None
    while True:
        page = session.scalars(
            statement if after is None else statement.where(Resource.id > after)
        ).all()
        for resource in page:
            yield published_view(resource)
        if len(page) < _PAGE:
            return
        after = page[-1].id
        session.expunge_all()


def dataset(view: dict[str, Any]) -> dict[str, Any]:
    """One resource as a dcat:Dataset."""
    origin = view["origin"]
    entry: dict[str, Any] = {
        "@id": f"{origin['url']}/api/v1/resources/{view['id']}",
        "@type": "dcat:Dataset",
        "dct:identifier": view["code"],
        "dct:title": view["name"],
        "dct:description": view["abstract"],
        "dcat:keyword": view.get("keywords", []),
        "dcat:theme": [
            {
                "@type": "skos:Concept",
                "skos:notation": c["code"],
                "skos:prefLabel": c["name"],
                "skos:inScheme": c["scheme"],
            }
            for c in view["classification"]
        ],
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": view["department"]["name"]},
        "dct:accrualPeriodicity": LABELS[view["update_cycle"]],
        "dct:accessRights": LABELS[view["share"]["type"]],
        "dcat:distribution": [_distribution(link, view) for link in view.get("links", [])],
    }
    if view.get("published_on"):
        entry["dct:issued"] = {"@value": view["published_on"], "@type": "xsd:date"}
    if view.get("updated_at"):
        entry["dct:modified"] = {"@value": view["updated_at"], "@type": "xsd:dateTime"}
    bbox = (view.get("spatial") or {}).get("bbox")
    if bbox:
        entry["dct:spatial"] = {"@type": "dct:Location", "dcat:bbox": _polygon(bbox)}
    temporal = view.get("temporal") or {}
    if temporal:
        period: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
        for key in ("start", "end"):
            if temporal.get(key):
                period[f"dcat:{key}Date"] = {"@value": temporal[key], "@type": "xsd:date"}
        entry["dct:temporal"] = period
    return entry


def _distribution(link: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    distribution: dict[str, Any] = {
        "@type": "dcat:Distribution",
        "dcat:accessURL": {"@id": link["url"]},
    }
    if link["kind"] in _URL_PROPERTY:
        distribution[_URL_PROPERTY[link["kind"]]] = {"@id": link["url"]}
    if link.get("title"):
        distribution["dct:title"] = link["title"]
    if view["format"].get("type"):
        distribution["dct:format"] = view["format"]["type"]
    return distribution


def _polygon(bbox: list[float]) -> dict[str, str]:
    west, south, east, north = bbox
    ring = f"{west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}"
    return {
        "@value": f"POLYGON(({ring}))",
        "@type": "http://www.opengis.net/ont/geosparql#wktLiteral",
    }
