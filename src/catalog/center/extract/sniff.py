"""What a file really is, whatever its name says, and the guards for containers and text.

Content decides the kind; the extension only breaks ties between text formats. A name that
promises a structured format the content is not (`report.pdf` holding a PNG) is refused, since a
cataloguer who sees it would want to know before the draft describes the wrong thing.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import filetype

from catalog.center.extract.proposal import Unreadable

MAX_MEMBERS = 10_000
MAX_EXPANDED = 1024 * 1024 * 1024
MAX_RATIO = 200
MAX_TEXT_BYTES = 64 * 1024 * 1024

# Names that promise a format, and the kinds of content that keep the promise.
_PROMISED = {
    ".pdf": {"pdf"},
    ".docx": {"docx"},
    ".xlsx": {"xlsx"},
    ".pptx": {"pptx"},
    ".ofd": {"ofd"},
    ".dbf": {"dbf"},
    ".zip": {"zip", "shapefile", "docx", "xlsx", "pptx", "ofd", "kmz"},
    ".kmz": {"kmz"},
    ".tif": {"tiff"},
    ".tiff": {"tiff"},
    ".png": {"image"},
    ".jpg": {"image"},
    ".jpeg": {"image"},
    ".gif": {"image"},
    ".mp3": {"media"},
    ".mp4": {"media"},
    ".wav": {"media"},
    ".flac": {"media"},
}
_TEXT_KINDS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".geojson": "geojson",
    ".json": "json",
    ".kml": "kml",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".md": "text",
}
_DBF_VERSIONS = {0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x83, 0x8B, 0x8E, 0xF5, 0xFB}


def kind_of(path: Path, filename: str) -> tuple[str, str | None]:
    """(kind, media type) of the file's content; raises Unreadable when the name lies."""
    suffix = Path(filename).suffix.lower()
    kind, media_type = _content_kind(path, suffix)
    promised = _PROMISED.get(suffix)
    if promised is not None and kind not in promised:
        raise Unreadable(f"the name says {suffix[1:]} but the content is {media_type or kind}")
    return kind, media_type


def _content_kind(path: Path, suffix: str) -> tuple[str, str | None]:
    guess = filetype.guess(str(path))
    mime = guess.mime if guess else None
    if mime == "application/pdf":
        return "pdf", mime
    if mime == "image/tiff":
        return "tiff", mime
    if mime and mime.startswith("image/"):
        return "image", mime
    if mime and (mime.startswith("audio/") or mime.startswith("video/")):
        return "media", mime
    if mime == "application/x-sqlite3":
        return "sqlite", mime
    if zipfile.is_zipfile(path):
        return _zip_kind(path)
    if guess is not None:
        return "other", mime
    with path.open("rb") as file:
        head = file.read(512)
    if suffix == ".dbf" and head and head[0] in _DBF_VERSIONS and len(head) >= 32:
        return "dbf", "application/x-dbf"
    if _looks_binary(head):
        return "other", "application/octet-stream"
    return _TEXT_KINDS.get(suffix, "text"), None


def _zip_kind(path: Path) -> tuple[str, str]:
    with zipfile.ZipFile(path) as archive:
        names = [info.filename for info in safe_members(archive)]
    lowered = [name.lower() for name in names]
    if "[Content_Types].xml" in names:
        for prefix, kind, mime in (
            ("word/", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml"),
            ("xl/", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml"),
            ("ppt/", "pptx", "application/vnd.openxmlformats-officedocument.presentationml"),
        ):
            if any(name.startswith(prefix) for name in names):
                return kind, mime + (".sheet" if kind == "xlsx" else ".document")
    if "ofd.xml" in lowered:
        return "ofd", "application/ofd"
    if any(name.endswith(".shp") for name in lowered):
        return "shapefile", "application/x-shapefile+zip"
    if any(name.endswith(".kml") for name in lowered):
        return "kmz", "application/vnd.google-earth.kmz"
    return "zip", "application/zip"


def safe_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's members, once it is known not to be a bomb (by the sizes it declares).

    The declared sizes are checked again while reading (`read_member`), since a hostile archive
    can declare small sizes and expand far beyond them.
    """
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise Unreadable(f"the archive holds more than {MAX_MEMBERS} files")
    expanded = sum(info.file_size for info in members)
    if expanded > MAX_EXPANDED:
        raise Unreadable(f"the archive expands to more than {MAX_EXPANDED} bytes")
    for info in members:
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Unreadable(f"{info.filename} expands {MAX_RATIO}+ times: a zip bomb")
    return members


def read_member(archive: zipfile.ZipFile, name: str, *, limit: int = MAX_TEXT_BYTES) -> bytes:
    """One member's bytes, stopping at `limit` whatever size the archive declared."""
    with archive.open(name) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise Unreadable(f"{name} is larger than {limit} bytes")
    return data


def find_member(archive: zipfile.ZipFile, name: str) -> str | None:
    """The member's real name, matched without regard to case (OFD writers differ)."""
    wanted = name.lower()
    return next((n for n in archive.namelist() if n.lower() == wanted), None)


def decode_text(data: bytes) -> str:
    """Text in UTF-8 (with or without BOM) or, failing that, GB 18030 (which covers GBK/GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def read_text(path: Path) -> str:
    """A text file's content, within the size limit."""
    with path.open("rb") as file:
        data = file.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise Unreadable(f"text files over {MAX_TEXT_BYTES} bytes are not read")
    return decode_text(data)


def _looks_binary(head: bytes) -> bool:
    return b"\x00" in head
