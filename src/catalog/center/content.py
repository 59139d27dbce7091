"""The shared repository: the content of a department's resources, kept on its node.

Bytes are stored once per SHA-256 under `<data dir>/content/ab/cd/<sha256>`: an upload streams
through a temporary file in the same directory tree while it is hashed (never held in memory),
then is renamed into place, or dropped when that content is already stored. A resource may hold
several content objects; uploading the same bytes to it again answers with the object it has.
Who may read content is decided in `acquisition.py`.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.center import acquisition, datasets, registry
from catalog.center.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from catalog.center.models import Resource
from catalog.center.node import Node
from catalog.center.permissions import Actor, require_editor
from catalog.center.service_models import AccessEvent, ContentObject

CHUNK = 1024 * 1024
_BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Stored:
    """Content written to the store."""

    sha256: str
    size: int
    path: Path


class ContentStore:
    """Content-addressed files under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        """Where the bytes with this hash live."""
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, source: IO[bytes], *, max_bytes: int) -> Stored:
        """Stream `source` into the store; over `max_bytes` it is refused and nothing is kept."""
        temporary = self.root / "tmp" / uuid.uuid4().hex
        temporary.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        try:
            with temporary.open("wb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLarge(f"content may be at most {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            final = self.path_of(sha256)
            if final.exists():
                temporary.unlink()
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temporary, final)
            return Stored(sha256=sha256, size=size, path=final)
        finally:
            temporary.unlink(missing_ok=True)


def check_filename(name: str | None) -> str:
    """The upload's file name, refused when it could name a path (traversal) or is unprintable."""
    if not name or not name.strip():
        raise ValidationFailed.on("file", "the upload must carry a file name")
    if _BAD_NAME.search(name) or name.strip() in (".", "..") or len(name) > 255:
        raise ValidationFailed.on("file", "a file name may not contain / \\ or control characters")
    return name.strip()


def add_content(
    session: Session,
    *,
    store: ContentStore,
    resource_id: uuid.UUID,
    actor: Actor,
    node: Node,
    source: IO[bytes],
    filename: str | None,
    max_bytes: int,
) -> tuple[dict[str, Any], bool]:
    """Keep an uploaded file for a resource of this node; returns its view and whether it is new.

    Everything that can refuse the upload is checked before a byte is stored.
    """
    name = check_filename(filename)
    resource = _writable(session, resource_id, actor, node)
    stored = store.put(source, max_bytes=max_bytes)
    return _keep(session, resource, stored, name, actor)


def _keep(
    session: Session, resource: Resource, stored: Stored, name: str, actor: Actor
) -> tuple[dict[str, Any], bool]:
    """Record stored bytes as the resource's content (once), load a dataset, log, commit."""
    existing = session.scalars(
        select(ContentObject).where(
            ContentObject.resource_id == resource.id, ContentObject.sha256 == stored.sha256
        )
    ).first()
    if existing is not None:
        return content_view(existing), False
    content = ContentObject(
        id=uuid.uuid4(),
        resource_id=resource.id,
        sha256=stored.sha256,
        size=stored.size,
        media_type=_media_type(stored.path, name),
        filename=name,
        created_by=actor.name,
        # The moment of this upload (not of its transaction): lists follow the upload order.
        created_at=datetime.now(UTC),
    )
    session.add(content)
    session.flush()
    datasets.load(session, content, stored.path)
    session.add(
        AccessEvent(
            resource_id=resource.id,
            actor=actor.name,
            action="upload",
            detail={"content_id": str(content.id), "sha256": stored.sha256, "size": stored.size},
        )
    )
    session.commit()
    return content_view(content), True


def stored(store: ContentStore, sha256: str) -> Stored:
    """Content already in the store, named by its hash (as a form carries it)."""
    # The hash names a path in the store: only a real SHA-256 may (no "../" of any length).
    if not _SHA256.fullmatch(sha256) or not store.path_of(sha256).is_file():
        raise ValidationFailed.on("content_sha256", "no such content in the repository")
    path = store.path_of(sha256)
    return Stored(sha256=sha256, size=path.stat().st_size, path=path)


def attach(
    session: Session,
    *,
    content: Stored,
    resource_id: uuid.UUID,
    filename: str,
    actor: Actor,
    node: Node,
) -> dict[str, Any]:
    """Give a resource content already in the store (the portal keeps the file it extracted from
    while the cataloguer completes the form); nothing is copied."""
    name = check_filename(filename)
    resource = _writable(session, resource_id, actor, node)
    view, _created = _keep(session, resource, content, name, actor)
    return view


def _writable(session: Session, resource_id: uuid.UUID, actor: Actor, node: Node) -> Resource:
    resource = registry.visible(session, resource_id, actor)
    if resource.origin_code != node.code:
        raise Forbidden(f"content is kept at the resource's origin, node {resource.origin_code}")
    require_editor(actor, registry.working_department(resource))
    return resource


def _media_type(path: Path, filename: str) -> str:
    guess = filetype.guess(str(path))
    if guess is not None:
        return str(guess.mime)
    by_name, _ = mimetypes.guess_type(filename)
    return by_name or "application/octet-stream"


def content_view(content: ContentObject) -> dict[str, Any]:
    """A content object as the API shows it."""
    view: dict[str, Any] = {
        "content_id": str(content.id),
        "resource_id": str(content.resource_id),
        "sha256": content.sha256,
        "size": content.size,
        "media_type": content.media_type,
        "filename": content.filename,
        "created_at": content.created_at.isoformat() if content.created_at else None,
    }
    if content.columns is not None:
        view["dataset"] = {"columns": content.columns, "rows": content.rows}
    return view


def list_content(session: Session, *, resource_id: uuid.UUID, actor: Actor) -> list[dict[str, Any]]:
    """The content objects of a resource the actor may see (metadata only: no right needed)."""
    resource = registry.visible(session, resource_id, actor)
    objects = session.scalars(
        select(ContentObject)
        .where(ContentObject.resource_id == resource.id)
        .order_by(ContentObject.created_at, ContentObject.id)
    )
    return [content_view(content) for content in objects]


def content_object(session: Session, content_id: uuid.UUID) -> ContentObject:
    """One content object, or 404."""
    content = session.get(ContentObject, content_id)
    if content is None:
        raise NotFound(f"no content {content_id}")
    return content


def stored_path(store: ContentStore, content: ContentObject) -> Path:
    """The stored file of a content object (404 if the store has lost it)."""
    path = store.path_of(content.sha256)
    if not path.is_file():
        raise NotFound(f"the bytes of content {content.id} are missing from the store")
    return path


def downloadable(
    session: Session, *, store: ContentStore, content_id: uuid.UUID, actor: Actor, node: Node
) -> tuple[ContentObject, Path]:
    """A content object and its file, for an actor with a right to it; the use is logged."""
    content = content_object(session, content_id)
    resource = registry.visible(session, content.resource_id, actor)
    acquisition.require_content_right(session, resource, actor, node)
    path = stored_path(store, content)
    acquisition.record_use(
        session, resource, actor, "download", content_id=str(content.id), size=content.size
    )
    return content, path
