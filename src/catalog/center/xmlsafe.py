"""The one XML parser for everything that comes from outside: uploads, imports, fetched pages.

Built on lxml with every door closed: no DTD is loaded and none is allowed (a document that
declares one is refused, which stops entity expansion such as billion laughs and external
entities such as XXE before they start), no network access, libxml2's own limits on node size
(`huge_tree` off), and a size and nesting-depth limit of our own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from lxml import etree

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64


class UnsafeXML(ValueError):
    """The document is not well-formed, too large or too deep, or declares a DTD or entities."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def _refuse_dtd(tree: etree._ElementTree) -> None:
    info = tree.docinfo
    doctype = getattr(info, "doctype", "")  # not in lxml-stubs, present in lxml
    if doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise UnsafeXML("documents with a DTD (DOCTYPE) are not accepted")


def _check_depth(root: etree._Element, max_depth: int) -> None:
    for element in root.iter():
        depth = 0
        parent: etree._Element | None = element
        while parent is not None:
            depth += 1
            if depth > max_depth:
                raise UnsafeXML(f"elements are nested deeper than {max_depth} levels")
            parent = parent.getparent()


def parse(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """Parse a whole document held in memory and return its root element."""
    if len(data) > max_bytes:
        raise UnsafeXML(f"the document exceeds {max_bytes} bytes")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise UnsafeXML(f"not well-formed XML: {error}") from None
    _refuse_dtd(root.getroottree())
    _check_depth(root, max_depth)
    return root


def iter_records(
    source: IO[bytes], tag: str, *, max_depth: int = MAX_DEPTH
) -> Iterator[etree._Element]:
    """Stream the `tag` elements of a document: its root, or the root's children of that tag.

    For documents of any size (a whole catalogue): each record is freed once the caller is done
    with it, so memory holds one record, not the document. Other children of the root are skipped.
    """
    context = etree.iterparse(
        source,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_pis=True,
    )
    depth = 0
    root_is_record = False
    try:
        for event, element in context:
            if event == "start":
                depth += 1
                if depth == 1:
                    _refuse_dtd(element.getroottree())
                    root_is_record = element.tag == tag
                if depth > max_depth:
                    raise UnsafeXML(f"elements are nested deeper than {max_depth} levels")
                continue
            depth -= 1
            if root_is_record:
                if depth == 0:
                    yield element
                continue
            if depth != 1:
                continue
            if element.tag == tag:
                yield element
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        raise UnsafeXML(f"not well-formed XML: {error}") from None
