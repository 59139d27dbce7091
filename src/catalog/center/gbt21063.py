"""The GB/T 21063.3 XML encoding of a resource (METADATA.md section 2), both ways.

The twelve core elements carry their short names in the core namespace; every other field of the
REST resource travels in the extension namespace, so that a record exported here and imported
elsewhere keeps every field. Decoding yields a dict of the REST body's shape, which the importer
validates with the same model as the API, so an error names the REST field (`share.condition`).
The XML Schema under xsd/ describes what `encode` writes; the tests validate exports against it.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from lxml import etree

CORE = "urn:catalog:gbt21063.3"
EXT = "urn:catalog:ext:1"
NSMAP: dict[Any, str] = {None: CORE, "ext": EXT}
RECORD = f"{{{CORE}}}Metadata"
SET = f"{{{CORE}}}MetadataSet"
SCHEMA_LOCATION = f"{CORE} gbt21063.xsd"

# Links of these kinds are the standard's online sources; service links are its ServInfo.
_ONLINE_KINDS = ("download", "page", "other")


def _c(name: str) -> str:
    return f"{{{CORE}}}{name}"


def _x(name: str) -> str:
    return f"{{{EXT}}}{name}"


def _sub(parent: etree._Element, tag: str, text: Any = None, **attrs: Any) -> etree._Element:
    present = {key: _text(value) for key, value in attrs.items() if value is not None}
    element = etree.SubElement(parent, tag, present)
    if text is not None:
        element.text = _text(text)
    return element


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode(view: dict[str, Any]) -> etree._Element:
    """The `<Metadata>` element of a resource as the API shows it (its published or draft face)."""
    root = etree.Element(RECORD, nsmap=NSMAP)
    _sub(root, _c("resTitle"), view["name"])
    if view.get("published_on"):
        _sub(root, _c("pubDate"), view["published_on"])
    _sub(root, _c("abstract"), view["abstract"])
    provider = _sub(root, _c("IdPoC"))
    _sub(provider, _c("rpOrgNam"), view["department"]["name"])
    if view.get("keywords"):
        keys = _sub(root, _c("DescKeys"))
        for keyword in view["keywords"]:
            _sub(keys, _c("keyword"), keyword)
    for category in view["classification"]:
        cat = _sub(root, _c("TpCat"))
        _sub(cat, _c("cateStd"), category["scheme"])
        _sub(cat, _c("cateName"), category["name"])
        _sub(cat, _c("cateCode"), category["code"])
    links = view.get("links", [])
    for link in links:
        if link["kind"] in _ONLINE_KINDS:
            _sub(root, _c("onLineSrc"), link["url"])
    _sub(root, _c("resID"), view["code"])
    for link in links:
        if link["kind"] == "service":
            service = _sub(root, _c("ServInfo"))
            _sub(service, _c("servURL"), link["url"])
            if link.get("title"):
                _sub(service, _c("servType"), link["title"])
    _sub(root, _c("mdId"), view["id"])
    origin = view.get("origin") or {}
    if origin.get("name"):
        contact = _sub(root, _c("MdContact"))
        _sub(contact, _c("rpOrgName"), origin["name"])
        if origin.get("url"):
            _sub(contact, _c("cntAdd"), origin["url"])
    updated = view.get("updated_at") or view.get("created_at")
    if updated:
        _sub(root, _c("mdDateUpd"), str(updated)[:10])
    _extension(root, view)
    return root


def _extension(root: etree._Element, view: dict[str, Any]) -> None:
    ext = _sub(root, _x("record"))
    _sub(ext, _x("departmentCode"), view["department_code"])
    fmt = view["format"]
    _sub(ext, _x("format"), category=fmt["category"], type=fmt.get("type"))
    for item in view.get("items", []):
        _sub(
            ext,
            _x("item"),
            name=item["name"],
            code=item.get("code"),
            dataType=item["data_type"],
            length=item.get("length"),
            description=item.get("description"),
        )
    share = _sub(ext, _x("share"), type=view["share"]["type"])
    for part in ("condition", "method"):
        if view["share"].get(part):
            _sub(share, _x(part), view["share"][part])
    openness = view.get("open") or {}
    opened = _sub(ext, _x("open"), toPublic=bool(openness.get("to_public")))
    if openness.get("condition"):
        _sub(opened, _x("condition"), openness["condition"])
    _sub(ext, _x("secret"), bool(view.get("secret")))
    _sub(ext, _x("updateCycle"), view["update_cycle"])
    for link in view.get("links", []):
        _sub(ext, _x("link"), url=link["url"], kind=link["kind"], title=link.get("title"))
    spatial = view.get("spatial")
    if spatial:
        bbox = spatial.get("bbox") or [None] * 4
        names = ("minLon", "minLat", "maxLon", "maxLat")
        _sub(
            ext,
            _x("spatial"),
            regionCode=spatial.get("region_code"),
            **dict(zip(names, bbox, strict=True)),
        )
    temporal = view.get("temporal")
    if temporal:
        _sub(ext, _x("temporal"), start=temporal.get("start"), end=temporal.get("end"))
    for code in view.get("related_codes", []):
        _sub(ext, _x("relatedCode"), code)
    for key in ("location", "custodian", "volume"):
        if view.get(key):
            _sub(ext, _x(key), view[key])
    _sub(ext, _x("status"), view["status"])
    _sub(ext, _x("version"), view["version"])
    origin = view.get("origin")
    if origin:
        _sub(ext, _x("origin"), code=origin["code"], name=origin["name"], url=origin.get("url"))
    for node in view.get("path", []):
        _sub(ext, _x("pathNode"), node)


def to_bytes(view: dict[str, Any]) -> bytes:
    """One record as a standalone UTF-8 document."""
    root = encode(view)
    root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", SCHEMA_LOCATION)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    """The shipped XML Schema (core plus extension), loaded from the package."""
    path = resources.files("catalog.center") / "xsd" / "gbt21063.xsd"
    with resources.as_file(path) as file:
        return etree.XMLSchema(etree.parse(str(file)))


def decode(record: etree._Element) -> dict[str, Any]:
    """The REST body a `<Metadata>` element describes; validation is the caller's.

    Records written by other catalogues may lack the extension: then the links come from the
    core online sources and service elements, and the fields only the extension holds are absent
    (the importer's defaults, or a validation error naming them).
    """
    body: dict[str, Any] = {}
    _put(body, "name", _find(record, _c("resTitle")))
    _put(body, "abstract", _find(record, _c("abstract")))
    body["classification"] = [
        {
            "scheme": _find(cat, _c("cateStd")),
            "name": _find(cat, _c("cateName")),
            "code": _find(cat, _c("cateCode")),
        }
        for cat in record.iterfind(_c("TpCat"))
    ]
    body["keywords"] = [k.text or "" for k in record.iterfind(f"{_c('DescKeys')}/{_c('keyword')}")]
    ext = record.find(_x("record"))
    if ext is None:
        online = [
            {"url": (e.text or "").strip(), "kind": "download"}
            for e in record.iterfind(_c("onLineSrc"))
        ]
        services = [
            _without_none(
                {
                    "url": _find(service, _c("servURL")),
                    "kind": "service",
                    "title": _find(service, _c("servType")),
                }
            )
            for service in record.iterfind(_c("ServInfo"))
        ]
        body["links"] = online + services
        return body
    _put(body, "department_code", _find(ext, _x("departmentCode")))
    fmt = ext.find(_x("format"))
    if fmt is not None:
        body["format"] = _attrs(fmt, category="category", type="type")
    body["items"] = [
        _attrs(
            item,
            name="name",
            code="code",
            data_type="dataType",
            length="length",
            description="description",
        )
        for item in ext.iterfind(_x("item"))
    ]
    share = ext.find(_x("share"))
    if share is not None:
        body["share"] = _without_none(
            {
                "type": share.get("type"),
                "condition": _find(share, _x("condition")),
                "method": _find(share, _x("method")),
            }
        )
    opened = ext.find(_x("open"))
    if opened is not None:
        body["open"] = _without_none(
            {"to_public": opened.get("toPublic"), "condition": _find(opened, _x("condition"))}
        )
    _put(body, "secret", _find(ext, _x("secret")))
    _put(body, "update_cycle", _find(ext, _x("updateCycle")))
    body["links"] = [
        _attrs(link, url="url", kind="kind", title="title") for link in ext.iterfind(_x("link"))
    ]
    spatial = ext.find(_x("spatial"))
    if spatial is not None:
        corners = [spatial.get(n) for n in ("minLon", "minLat", "maxLon", "maxLat")]
        body["spatial"] = _without_none(
            {
                "bbox": corners if any(c is not None for c in corners) else None,
                "region_code": spatial.get("regionCode"),
            }
        )
    temporal = ext.find(_x("temporal"))
    if temporal is not None:
        body["temporal"] = _attrs(temporal, start="start", end="end")
    body["related_codes"] = [(e.text or "").strip() for e in ext.iterfind(_x("relatedCode"))]
    for key in ("location", "custodian", "volume"):
        _put(body, key, _find(ext, _x(key)))
    return body


def _find(parent: etree._Element, tag: str) -> str | None:
    element = parent.find(tag)
    return element.text if element is not None and element.text is not None else None


def _put(body: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        body[key] = value


def _attrs(element: etree._Element, **names: str) -> dict[str, Any]:
    return _without_none({key: element.get(attr) for key, attr in names.items()})


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
