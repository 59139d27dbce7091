"""The published catalogue as DCAT (JSON-LD), the vocabulary open-data portals harvest.

A catalogue of a million records is about a gigabyte of JSON-LD and took this machine eight
minutes to write, so it goes out in pages: keyset pages in id order, each a complete catalogue
document naming the next page the way harvesters follow it (a `hydra:PagedCollection` with
`hydra:nextPage`, as CKAN's DCAT extension writes and reads them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

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
    "hydra": "http://www.w3.org/ns/hydra/core#",
}
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1_000
# How a link of each kind is offered in a distribution.
_URL_PROPERTY = {"download": "dcat:downloadURL"}


@dataclass(frozen=True)
class Page:
    """One page of the catalogue, and the address of the next (None on the last)."""

    document: dict[str, Any]
    next_url: str | None


def catalogue(
    session: Session,
    *,
    node: Node,
    open_only: bool = False,
    limit: int = PAGE_SIZE,
    after: uuid.UUID | None = None,
) -> Page:
    """A page of the catalogue: up to `limit` published, non-secret records (`open_only`: open
    ones) after the id `after`, in id order."""
    statement = (
        select(Resource)
        .where(Resource.status == "published", Resource.secret.is_(False))
        .order_by(Resource.id)
        .limit(limit + 1)
    )
    if open_only:
        statement = statement.where(Resource.published["open"]["to_public"].as_boolean())
    if after is not None:
        statement = statement.where(Resource.id > after)
    resources = list(session.scalars(statement))
    more = len(resources) > limit
    resources = resources[:limit]

    def url(cursor: str | None) -> str:
        query = {"open": "true"} if open_only else {}
        query |= {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        return f"{node.url}/api/v1/dcat?{urlencode(query)}"

    paging: dict[str, Any] = {
        "@id": url(str(after) if after else None),
        "@type": "hydra:PagedCollection",
        "hydra:itemsPerPage": limit,
        "hydra:firstPage": url(None),
    }
    next_url = url(str(resources[-1].id)) if more else None
    if next_url is not None:
        paging["hydra:nextPage"] = next_url
    document = {
        "@context": CONTEXT,
        "@id": f"{node.url}/api/v1/dcat",
        "@type": "dcat:Catalog",
        "dct:title": node.name,
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": node.name},
        "foaf:homepage": {"@id": node.url},
        "dcat:dataset": [dataset(published_view(r)) for r in resources],
        "hydra:view": paging,
    }
    return Page(document=document, next_url=next_url)


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
