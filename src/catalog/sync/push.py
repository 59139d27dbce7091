"""Pushing this node's feed to its parent: one pass (`catalog sync run`) and the worker of `serve`.

The worker holds a PostgreSQL advisory lock while it pushes, so among several `catalog serve`
processes on one database exactly one pushes; the others wait to take over. It wakes on commit
(LISTEN/NOTIFY), sweeps periodically as a fallback, and backs off exponentially with jitter while
the parent is unreachable.
"""

from __future__ import annotations

import logging
import random
import threading
import time

import psycopg
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog import faults
from catalog.center.feed import CHANNEL, current_epoch
from catalog.center.node import Node
from catalog.db import libpq_url
from catalog.sync import outbox, peers
from catalog.sync.client import PeerClient, PeerError, node_identity
from catalog.sync.signing import DEFAULT_ALG
from catalog.sync.wire import MAX_CHANGES

_log = logging.getLogger("catalog.sync")
PUSH_LOCK = 0x7075_7368  # "push"


class Pusher:
    """Sends batches after the acknowledged cursor until the parent has everything."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        node: Node,
        parent_url: str,
        key: str,
        alg: str = DEFAULT_ALG,
    ) -> None:
        self.sessions = sessions
        self.node = node
        self.parent_url = parent_url
        self.key = key
        self.alg = alg
        self.batch_size = MAX_CHANGES
        self._client: PeerClient | None = None

    def close(self) -> None:
        """Release the HTTP client."""
        if self._client is not None:
            self._client.close()

    def push_pending(self) -> int:
        """Push until the feed is drained; returns how many changes were sent."""
        client = self._connect()
        sent = 0
        while True:
            with self.sessions() as session:
                link = peers.parent_link(session)
                assert link is not None
                epoch = current_epoch(session)
                session.commit()
                batch = outbox.read_batch(
                    session,
                    node=self.node.code,
                    epoch=epoch,
                    after=link.cursor,
                    limit=self.batch_size,
                )
            if batch is None:
                return sent
            try:
                answer = client.post_batch(batch.body)
            except PeerError as error:
                if error.status == 413 and self.batch_size > 1:
                    self.batch_size //= 2
                    _log.warning("parent refused a batch as too large; now %d", self.batch_size)
                    continue
                self._note_error(str(error))
                raise
            faults.check("push.before_ack_saved")
            with self.sessions() as session:
                link = peers.parent_link(session)
                assert link is not None
                link.cursor = max(link.cursor, batch.to_seq)
                link.sent += batch.count
                link.last_success_at = func.now()
                link.last_error = None
                session.commit()
            sent += batch.count
            _log.info(
                "pushed to=%s seq=%d..%d changes=%d applied=%s skipped=%s",
                link.code,
                batch.from_seq,
                batch.to_seq,
                batch.count,
                answer.get("applied"),
                answer.get("skipped"),
            )

    def _connect(self) -> PeerClient:
        if self._client is None:
            identity = node_identity(self.parent_url)
            with self.sessions() as session:
                peers.ensure_parent_link(
                    session, code=identity["code"], name=identity["name"], url=self.parent_url
                )
                session.commit()
            self._client = PeerClient(
                self.parent_url, node=self.node.code, key=self.key, alg=self.alg
            )
        return self._client

    def _note_error(self, message: str) -> None:
        with self.sessions() as session:
            link = peers.parent_link(session)
            if link is not None:
                peers.note_error(session, link, message)
                session.commit()


def backoff_seconds(failures: int, *, base: float = 0.5, cap: float = 60.0) -> float:
    """Capped exponential backoff with full jitter."""
    return random.uniform(0, min(cap, base * 2 ** min(failures, 20)))


class PushWorker:
    """The background pusher of `catalog serve`."""

    def __init__(self, engine: Engine, pusher: Pusher, *, sweep_seconds: float = 30.0) -> None:
        self.engine = engine
        self.pusher = pusher
        self.sweep_seconds = sweep_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="catalog-push", daemon=True)

    def start(self) -> None:
        """Begin pushing in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Finish the current batch and stop."""
        self._stop.set()
        self._thread.join(timeout=30)
        self.pusher.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._lead()
            except Exception:
                _log.exception("push worker lost its database connection; retrying")
                self._stop.wait(5)

    def _lead(self) -> None:
        with self.engine.connect() as lock:
            if not lock.scalar(select(func.pg_try_advisory_lock(PUSH_LOCK))):
                lock.rollback()
                self._stop.wait(5)  # another process pushes; stand by to take over
                return
            lock.commit()
            with psycopg.connect(libpq_url(self.engine.url), autocommit=True) as listener:
                listener.execute(f"LISTEN {CHANNEL}")
                failures = 0
                while not self._stop.is_set():
                    try:
                        self.pusher.push_pending()
                        failures = 0
                    except (PeerError, OSError) as error:
                        failures += 1
                        delay = backoff_seconds(failures)
                        _log.warning("push failed (%s); retrying in %.1f s", error, delay)
                        self._stop.wait(delay)
                        continue
                    self._wait_for_changes(listener)

    def _wait_for_changes(self, listener: psycopg.Connection[tuple[object, ...]]) -> None:
        deadline = time.monotonic() + self.sweep_seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            woken = any(True for _ in listener.notifies(timeout=0.5, stop_after=1))
            if woken:
                # Drain the burst a busy transaction mix sends, then push once. (Not nested in
                # the loop above: a notifies() generator holds the connection's lock.)
                for _ in listener.notifies(timeout=0.01):
                    pass
                return
