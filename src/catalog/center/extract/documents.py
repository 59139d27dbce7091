"""Documents: PDF (pypdf), OOXML core properties, OFD, plain text and HTML (lxml)."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from catalog.center import xmlsafe
from catalog.center.extract.proposal import Proposal, Unreadable
from catalog.center.extract.sniff import find_member, read_member, read_text, safe_members

_CORE_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
_APP_NS = {"ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"}
_OFD_NS = {"ofd": "http://www.ofdspec.org/2016"}
_KEYWORD_SPLIT = re.compile(r"[,，;；、\s]+")
_ABSTRACT_CHARS = 500


def pdf(path: Path, proposal: Proposal) -> None:
    """Title, author, subject, keywords, dates and page count from the document information."""
    try:
        reader = PdfReader(path, strict=False)
        pages = len(reader.pages)
        info: Any = reader.metadata or {}
        created, modified = _pdf_date(info.get("/CreationDate")), _pdf_date(info.get("/ModDate"))
        title, author = info.get("/Title"), info.get("/Author")
        subject, keywords = info.get("/Subject"), info.get("/Keywords")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise Unreadable(f"not a readable PDF ({type(error).__name__}: {error})") from None
    proposal.title(title)
    proposal.describe(subject)
    proposal.keywords(_split_keywords(keywords))
    proposal.body["format"] = {"category": "file", "type": "pdf"}
    proposal.facts.update(pages=pages, author=_text(author), created=created, modified=modified)


def _pdf_date(value: Any) -> str | None:
    """A PDF date string (D:YYYYMMDDHHmmSS...) as YYYY-MM-DD."""
    match = re.match(r"^D?:?(\d{4})(\d{2})?(\d{2})?", str(value or ""))
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    return _valid_date(f"{year}-{month}-{day}")


def ooxml(path: Path, proposal: Proposal, kind: str) -> None:
    """Core properties (title, creator, subject, keywords, description, dates) of docx/xlsx/pptx.

    The properties are plain XML parts of the package, read with the hardened parser.
    """
    with zipfile.ZipFile(path) as archive:
        safe_members(archive)
        core = _part(archive, "docProps/core.xml")
        app = _part(archive, "docProps/app.xml")
    if core is not None:
        proposal.title(core.findtext("dc:title", namespaces=_CORE_NS))
        proposal.describe(core.findtext("dc:description", namespaces=_CORE_NS))
        proposal.describe(core.findtext("dc:subject", namespaces=_CORE_NS))
        proposal.keywords(_split_keywords(core.findtext("cp:keywords", namespaces=_CORE_NS)))
        proposal.facts["author"] = _text(core.findtext("dc:creator", namespaces=_CORE_NS))
        proposal.facts["created"] = _iso_date(core.findtext("dcterms:created", namespaces=_CORE_NS))
        proposal.facts["modified"] = _iso_date(
            core.findtext("dcterms:modified", namespaces=_CORE_NS)
        )
    if app is not None:
        for name, fact in (("Pages", "pages"), ("Slides", "slides")):
            value = app.findtext(f"ep:{name}", namespaces=_APP_NS)
            if value and value.isdigit():
                proposal.facts[fact] = int(value)
    category = "spreadsheet" if kind == "xlsx" else "file"
    proposal.body.setdefault("format", {"category": category, "type": kind})


def ofd(path: Path, proposal: Proposal) -> None:
    """The OFD document information (GB/T 33190): title, author, subject, abstract, keywords,
    dates, and the page count of the first document."""
    with zipfile.ZipFile(path) as archive:
        safe_members(archive)
        entry = _part(archive, "OFD.xml")
        if entry is None:
            raise Unreadable("an OFD package must hold OFD.xml")
        body = entry.find("ofd:DocBody", _OFD_NS)
        info = body.find("ofd:DocInfo", _OFD_NS) if body is not None else None
        if info is not None:
            proposal.title(info.findtext("ofd:Title", namespaces=_OFD_NS))
            proposal.describe(info.findtext("ofd:Abstract", namespaces=_OFD_NS))
            proposal.describe(info.findtext("ofd:Subject", namespaces=_OFD_NS))
            keywords = info.findall("ofd:Keywords/ofd:Keyword", _OFD_NS)
            proposal.keywords([k.text or "" for k in keywords])
            proposal.facts["author"] = _text(info.findtext("ofd:Author", namespaces=_OFD_NS))
            proposal.facts["created"] = _valid_date(
                info.findtext("ofd:CreationDate", namespaces=_OFD_NS)
            )
            proposal.facts["modified"] = _valid_date(
                info.findtext("ofd:ModDate", namespaces=_OFD_NS)
            )
        root_path = body.findtext("ofd:DocRoot", namespaces=_OFD_NS) if body is not None else None
        document = _part(archive, root_path.strip().lstrip("/")) if root_path else None
        if document is not None:
            pages = document.findall(".//ofd:Pages/ofd:Page", _OFD_NS)
            proposal.facts["pages"] = len(pages)
    proposal.body["format"] = {"category": "file", "type": "OFD"}


def text(path: Path, proposal: Proposal) -> None:
    """Plain text: the first line is the name, the opening paragraph the abstract."""
    content = read_text(path)
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    if lines:
        proposal.title(lines[0])
        proposal.describe(" ".join(lines[1:])[:_ABSTRACT_CHARS] or lines[0])
    proposal.facts["characters"] = len(content)
    proposal.facts["lines"] = content.count("\n") + (1 if content and content[-1] != "\n" else 0)
    proposal.body["format"] = {"category": "file", "type": "txt"}


def html(content: str | bytes, proposal: Proposal) -> None:
    """An HTML page: title, description, keywords and language from its head.

    lxml's HTML parser knows no DTDs and loads nothing; it is given the text, not a URL.
    """
    try:
        parser = lxml.html.HTMLParser(no_network=True, remove_comments=True)
        root: Any = lxml.html.document_fromstring(content, parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise Unreadable(f"not a readable HTML page ({error})") from None
    title = root.findtext(".//title") or _meta(root, "og:title")
    proposal.title(title)
    proposal.describe(_meta(root, "description") or _meta(root, "og:description"))
    proposal.keywords(_split_keywords(_meta(root, "keywords")))
    language = root.get("lang") or _meta(root, "language") or _meta(root, "content-language")
    if language:
        proposal.facts["language"] = language
    modified = _meta(root, "last-modified") or _meta(root, "article:modified_time")
    if modified:
        proposal.facts["modified"] = _iso_date(modified) or modified
    if not proposal.body.get("abstract"):
        body_text = " ".join(root.text_content().split())
        proposal.describe(body_text[:_ABSTRACT_CHARS])
    proposal.body["format"] = {"category": "web", "type": "html"}


def html_file(path: Path, proposal: Proposal) -> None:
    """An HTML file from a folder or an upload."""
    html(read_text(path), proposal)


def _meta(root: Any, name: str) -> str | None:
    for element in root.iter("meta"):
        key = element.get("name") or element.get("property") or element.get("http-equiv") or ""
        if key.lower() == name and element.get("content"):
            return str(element.get("content"))
    return None


def _part(archive: zipfile.ZipFile, name: str) -> etree._Element | None:
    real = find_member(archive, name)
    if real is None:
        return None
    try:
        return xmlsafe.parse(read_member(archive, real))
    except xmlsafe.UnsafeXML as error:
        raise Unreadable(f"{name}: {error}") from None


def _split_keywords(value: Any) -> list[str]:
    return [part for part in _KEYWORD_SPLIT.split(str(value or "")) if part]


def _iso_date(value: str | None) -> str | None:
    return _valid_date((value or "").strip()[:10])


def _valid_date(value: str | None) -> str | None:
    if not value:
        return None
    candidate = value.strip()[:10]
    try:
        return datetime.strptime(candidate, "%Y-%m-%d").date().isoformat()
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return " ".join(str(value).split()) or None if value else None
