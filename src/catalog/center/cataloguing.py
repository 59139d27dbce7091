"""The folder walk (`catalog catalogue DIR`): a draft for every file of a department's share.

Files are taken in a fixed (sorted) order and written in batches, each batch one transaction
that creates the drafts and records each file's content hash. A walk that is interrupted loses
at most the batches in flight (one being read, one being written); run again, it skips every
file whose content the department has already catalogued (wherever it now lies, under whatever
name), so nothing is catalogued twice.
A file no extractor can read is still catalogued, as a plain file with its size and checksum,
and reported: the share's inventory is complete either way.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.center import bulk
from catalog.center.errors import ValidationFailed
from catalog.center.extract import drafts
from catalog.center.extract.files import extract_file, sha256_of
from catalog.center.extract.proposal import Proposal
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.center.service_models import CataloguedFile

BATCH = 100
_PR_SET_PDEATHSIG = 1


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
    workers: int = 1,
    found: Callable[[int], None] = lambda count: None,
    advance: Callable[[Path], None] = lambda path: None,
    after_batch: Callable[[], None] = lambda: None,
) -> WalkReport:
    """Catalogue every file under `root` for the department; `found` is told how many there
    are, `advance` of each one as it is taken.

    With `workers` > 1, files are hashed and read in that many processes, and the next batch is
    read while the previous one is written: reading is most of the work, and it is per file.
    """
    report = WalkReport()
    files = files_under(root)
    found(len(files))
    seen: set[str] = set()
    with _executor(workers) as pool:
        hashes = pool.map(sha256_of, files, chunksize=16)
        pending: _Batch | None = None
        for start in range(0, len(files), batch):
            chunk = [(path, next(hashes)) for path in files[start : start + batch]]
            with sessions() as session:
                reading = _read_batch(session, pool, root, chunk, department_code, seen, report)
            for path, _sha in chunk:
                advance(path)
            if pending is not None:
                _write(sessions, pending, department_code, actor, node, report)
                after_batch()
            pending = reading
        if pending is not None:
            _write(sessions, pending, department_code, actor, node, report)
            after_batch()
    return report


@dataclass
class _Batch:
    """A batch being read: for each new file, its hash, path and the future of its body."""

    files: list[tuple[str, str, Future[tuple[ResourceBody, str | None]]]]


def _executor(workers: int) -> Executor:
    if workers <= 1:
        return _InProcess()
    # spawn, not fork: the parent holds database connections a forked child must not share.
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )


def _die_with_parent(parent: int) -> None:
    """A reading process ends with its walk, even a walk that was killed: Linux kills it when
    the walk dies (prctl PR_SET_PDEATHSIG), and one that starts after the walk died leaves at
    once (its queues would never close: each worker holds both ends)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:
        os._exit(1)


class _InProcess(Executor):
    """An executor that runs each call at once, here (one worker: no processes to start)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to whoever reads the result, as a pool would
            future.set_exception(error)
        return future

    def map(self, fn: Callable[..., Any], *iterables: Any, **kwargs: Any) -> Iterator[Any]:
        return map(fn, *iterables)


def _read_batch(
    session: Session,
    pool: Executor,
    root: Path,
    chunk: list[tuple[Path, str]],
    department_code: str,
    seen: set[str],
    report: WalkReport,
) -> _Batch:
    """Skip what the department has (or this walk already took); start reading the rest."""
    known = set(
        session.scalars(
            select(CataloguedFile.sha256).where(
                CataloguedFile.department_code == department_code,
                CataloguedFile.sha256.in_([sha for _path, sha in chunk]),
            )
        )
    )
    reading = _Batch(files=[])
    for path, sha in chunk:
        if sha in known or sha in seen:
            report.skipped += 1
            continue
        seen.add(sha)
        relative = str(path.relative_to(root))
        future = pool.submit(_body, path, sha, department_code)
        reading.files.append((sha, relative, future))
    return reading


def _write(
    sessions: sessionmaker[Session],
    reading: _Batch,
    department_code: str,
    actor: Actor,
    node: Node,
    report: WalkReport,
) -> None:
    """Create the batch's drafts and record its files, in one transaction."""
    if not reading.files:
        return
    bodies = []
    for _sha, relative, future in reading.files:
        body, unreadable = future.result()
        bodies.append(body)
        if unreadable is not None:
            report.unreadable.append((relative, unreadable))
    with sessions() as session:
        resources = bulk.add_drafts(session, bodies=bodies, actor=actor, node=node)
        session.add_all(
            CataloguedFile(
                department_code=department_code, sha256=sha, path=relative, resource_id=r.id
            )
            for (sha, relative, _future), r in zip(reading.files, resources, strict=True)
        )
        session.commit()
    report.created += len(resources)


def _body(path: Path, sha: str, department_code: str) -> tuple[ResourceBody, str | None]:
    """The draft body from what the file says, or a plain-file body and why it could not be read.

    Runs in a worker process: it takes and returns only what pickles.
    """
    try:
        proposal = extract_file(path, path.name, sha256=sha)
        proposal.body.setdefault("location", str(path)[:500])
        return drafts.completed(proposal, department_code=department_code), None
    except ValidationFailed as error:  # Unreadable, or read into something invalid
        reason = error.fields[0].reason if error.fields else error.detail
    plain = Proposal()
    plain.title(path.stem or path.name)
    plain.describe(path.name)
    suffix = path.suffix.lstrip(".").lower()[:50]
    plain.body["format"] = {"category": "other", **({"type": suffix} if suffix else {})}
    plain.body["location"] = str(path)[:500]
    return drafts.completed(plain, department_code=department_code), reason
