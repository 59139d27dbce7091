"""One file in, one proposal out: sniff the content, hand it to its reader, add what every file
has (name from the file name, size, checksum, media type)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from catalog.center.extract import documents, media, spatial, tables
from catalog.center.extract.proposal import Proposal, Unreadable
from catalog.center.extract.sniff import kind_of

_CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def extract_file(path: Path, filename: str, *, sha256: str | None = None) -> Proposal:
    """The proposal for a file; raises Unreadable for a damaged, hostile or mislabelled file."""
    kind, media_type = kind_of(path, filename)
    proposal = Proposal()
    _read(kind, path, proposal, media_type)
    stem = Path(filename).stem
    proposal.title(stem)
    proposal.describe(proposal.body.get("name") or stem)
    proposal.body.setdefault(
        "format", {"category": "other", "type": Path(filename).suffix.lstrip(".").lower() or None}
    )
    if proposal.body["format"].get("type") is None:
        del proposal.body["format"]["type"]
    proposal.facts.update(
        filename=filename,
        kind=kind,
        media_type=media_type,
        size=path.stat().st_size,
        sha256=sha256 or sha256_of(path),
    )
    proposal.facts = {k: v for k, v in proposal.facts.items() if v is not None}
    return proposal


def _read(kind: str, path: Path, proposal: Proposal, media_type: str | None) -> None:
    if kind == "pdf":
        documents.pdf(path, proposal)
    elif kind in ("docx", "pptx"):
        documents.ooxml(path, proposal, kind)
    elif kind == "xlsx":
        tables.xlsx(path, proposal)
        documents.ooxml(path, proposal, kind)
    elif kind == "ofd":
        documents.ofd(path, proposal)
    elif kind == "text":
        documents.text(path, proposal)
    elif kind == "html":
        documents.html_file(path, proposal)
    elif kind == "csv":
        tables.csv_file(path, proposal)
    elif kind == "dbf":
        tables.dbf(path, proposal)
    elif kind == "geojson":
        spatial.geojson(path, proposal)
    elif kind == "json":
        _json(path, proposal)
    elif kind == "shapefile":
        spatial.shapefile_zip(path, proposal)
    elif kind == "kml":
        spatial.kml_file(path, proposal)
    elif kind == "kmz":
        spatial.kmz(path, proposal)
    elif kind == "tiff":
        spatial.geotiff(path, proposal)
    elif kind == "image":
        media.image(path, proposal)
    elif kind == "media":
        media.audio_video(path, proposal, media_type)
    elif kind == "sqlite":
        proposal.body["format"] = {"category": "database", "type": "sqlite"}


def _json(path: Path, proposal: Proposal) -> None:
    """GeoJSON when it is one; other JSON is a self-describing file."""
    try:
        spatial.geojson(path, proposal)
    except Unreadable:
        proposal.body = {"format": {"category": "self_describing", "type": "json"}}
        proposal.facts = {}
