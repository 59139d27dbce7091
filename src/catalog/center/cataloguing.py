"""The folder walk (`catalog catalogue DIR`): a draft for every file of a department's share.

Files are taken in a fixed (sorted) order and written in batches, each batch one transaction
that creates the drafts and records each file's content hash. A walk that is interrupted loses
at most the batch in flight; run again, it skips every file whose content the department has
already catalogued (wherever it now lies, under whatever name), so nothing is catalogued twice.
A file no extractor can read is still catalogued, as a plain file with its size and checksum,
and reported: the share's inventory is complete either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.center import bulk
from catalog.center.errors import ValidationFailed
from catalog.center.extract import drafts
from catalog.center.extract.files import extract_file, sha256_of
from catalog.center.extract.proposal import Proposal
from catalog.center.models import CataloguedFile
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody

BATCH = 100


@dataclass
class WalkReport:
    """What a walk did with each file it found."""

    created: int = 0
    skipped: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def files_under(root: Path) -> list[Path]:
    """Every regular file below `root`, in a stable order; hidden files and links are left out."""
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and not path.is_symlink():
            found.append(path)
    return sorted(found)


def catalogue_folder(
    sessions: sessionmaker[Session],
    root: Path,
    *,
    department_code: str,
    actor: Actor,
    node: Node,
    batch: int = BATCH,
    advance: Callable[[Path], None] = lambda path: None,
    after_batch: Callable[[], None] = lambda: None,
) -> WalkReport:
    """Catalogue every file under `root` for the department; `advance` is told of each file."""
    report = WalkReport()
    files = files_under(root)
    for start in range(0, len(files), batch):
        with sessions() as session:
            _batch(
                session,
                root,
                files[start : start + batch],
                department_code,
                actor,
                node,
                report,
                advance,
            )
            session.commit()
        after_batch()
    return report


def _batch(
    session: Session,
    root: Path,
    files: list[Path],
    department_code: str,
    actor: Actor,
    node: Node,
    report: WalkReport,
    advance: Callable[[Path], None],
) -> None:
    hashed = [(path, sha256_of(path)) for path in files]
    known = set(
        session.scalars(
            select(CataloguedFile.sha256).where(
                CataloguedFile.department_code == department_code,
                CataloguedFile.sha256.in_([sha for _path, sha in hashed]),
            )
        )
    )
    bodies: list[ResourceBody] = []
    recorded: list[tuple[str, str]] = []
    for path, sha in hashed:
        advance(path)
        if sha in known:
            report.skipped += 1
            continue
        known.add(sha)
        relative = str(path.relative_to(root))
        bodies.append(_body(path, sha, relative, department_code, report))
        recorded.append((sha, relative))
    if not bodies:
        return
    resources = bulk.add_drafts(session, bodies=bodies, actor=actor, node=node)
    session.add_all(
        CataloguedFile(department_code=department_code, sha256=sha, path=relative, resource_id=r.id)
        for (sha, relative), r in zip(recorded, resources, strict=True)
    )
    report.created += len(resources)


def _body(
    path: Path, sha: str, relative: str, department_code: str, report: WalkReport
) -> ResourceBody:
    """The draft body from what the file says; a plain-file body when it cannot be read."""
    try:
        proposal = extract_file(path, path.name, sha256=sha)
        proposal.body.setdefault("location", str(path)[:500])
        return drafts.completed(proposal, department_code=department_code)
    except ValidationFailed as error:  # Unreadable, or read into something invalid
        report.unreadable.append(
            (relative, error.fields[0].reason if error.fields else error.detail)
        )
    plain = Proposal()
    plain.title(path.stem or path.name)
    plain.describe(path.name)
    suffix = path.suffix.lstrip(".").lower()[:50]
    plain.body["format"] = {"category": "other", **({"type": suffix} if suffix else {})}
    plain.body["location"] = str(path)[:500]
    return drafts.completed(plain, department_code=department_code)
