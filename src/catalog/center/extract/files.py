"""One file in, one proposal out: sniff the content, hand it to its reader, add what every file
has (name from the file name, size, checksum, media type)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
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


Reader = Callable[[Path, Proposal, str | None], None]


def _sqlite(path: Path, proposal: Proposal, media_type: str | None) -> None:
    proposal.body["format"] = {"category": "database", "type": "sqlite"}


def _read(kind: str, path: Path, proposal: Proposal, media_type: str | None) -> None:
    reader = _READERS.get(kind)
    if reader is not None:
        reader(path, proposal, media_type)


def _json(path: Path, proposal: Proposal, media_type: str | None) -> None:
    """GeoJSON when it is one; other JSON is a self-describing file."""
    try:
        spatial.geojson(path, proposal)
    except Unreadable:
        proposal.body = {"format": {"category": "self_describing", "type": "json"}}
        proposal.facts = {}


def _xlsx(path: Path, proposal: Proposal, media_type: str | None) -> None:
    tables.xlsx(path, proposal)
    documents.ooxml(path, proposal, "xlsx")


# What reads each kind of content (sniff.kind_of); kinds without a reader get the common facts.
_READERS: dict[str, Reader] = {
    "pdf": lambda path, proposal, _: documents.pdf(path, proposal),
    "docx": lambda path, proposal, _: documents.ooxml(path, proposal, "docx"),
    "pptx": lambda path, proposal, _: documents.ooxml(path, proposal, "pptx"),
    "xlsx": _xlsx,
    "ofd": lambda path, proposal, _: documents.ofd(path, proposal),
    "text": lambda path, proposal, _: documents.text(path, proposal),
    "html": lambda path, proposal, _: documents.html_file(path, proposal),
    "csv": lambda path, proposal, _: tables.csv_file(path, proposal),
    "dbf": lambda path, proposal, _: tables.dbf(path, proposal),
    "geojson": lambda path, proposal, _: spatial.geojson(path, proposal),
    "json": _json,
    "shapefile": lambda path, proposal, _: spatial.shapefile_zip(path, proposal),
    "kml": lambda path, proposal, _: spatial.kml_file(path, proposal),
    "kmz": lambda path, proposal, _: spatial.kmz(path, proposal),
    "tiff": lambda path, proposal, _: spatial.geotiff(path, proposal),
    "image": lambda path, proposal, _: media.image(path, proposal),
    "media": media.audio_video,
    "sqlite": _sqlite,
}
