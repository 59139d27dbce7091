"""What the benchmarks share: a PostgreSQL server to run on, and throwaway databases on it."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import psycopg
from sqlalchemy.engine import make_url

from catalog.db import libpq_url, make_engine, migrate, normalise_url
from catalog.embedded import start_embedded, stop_embedded

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url(tmp: Path, explicit: str | None) -> str:
    """The given server (`embedded`: the node's own embedded server, sized for this machine),
    else one at 127.0.0.1:5432 if it answers, else an embedded one in tmp."""
    if explicit == "embedded":
        return start_embedded(tmp / "embedded")
    if explicit:
        return normalise_url(explicit)
    try:
        psycopg.connect(LOCAL_SERVER, connect_timeout=2).close()
        return normalise_url(LOCAL_SERVER)
    except psycopg.OperationalError:
        return start_embedded(tmp / "embedded")


def server_settings(server: str) -> dict[str, str]:
    """The server's version and memory settings, printed with each result: the directory's
    figures depend on whether its table fits in shared buffers (Debian's default is 128 MB,
    deploy/README.md asks for a quarter of the memory)."""
    settings = {}
    with psycopg.connect(libpq_url(server)) as conn:
        for name in ("server_version", "shared_buffers", "effective_cache_size"):
            row = conn.execute(f"SHOW {name}").fetchone()
            settings[name] = str(row[0]) if row else ""
    return settings


def machine_speed(server: str) -> dict[str, float]:
    """Milliseconds (best of three) for a fixed pure-Python loop and a fixed PostgreSQL query,
    printed with each result, taken before and after a run: the machines here have differed
    twofold from one session to the next (the same code loaded 1,000,000 records at 3,978/s
    one day and 1,966/s the next), and within a session from one minute to the next (the
    Python loop took 113 ms, then 212, then 146), so figures are only comparable beside these."""

    def best(run: Callable[[], object]) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            run()
            times.append((time.perf_counter() - started) * 1000)
        return round(min(times), 1)

    def python_loop() -> int:
        total = 0
        for i in range(3_000_000):
            total += i
        return total

    with psycopg.connect(libpq_url(server)) as conn:
        query = "SELECT sum(i) FROM generate_series(1, 1000000) AS i"
        return {
            "python_loop_ms": best(python_loop),
            "postgresql_loop_ms": best(lambda: conn.execute(query).fetchone()),
        }


@contextmanager
def bench_server(explicit: str | None) -> Iterator[tuple[Path, str]]:
    """A work directory under /tmp and the server to run on (see server_url); an embedded server
    started here is stopped on the way out, before its directory goes."""
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        work = Path(tmp)
        try:
            yield work, server_url(work, explicit)
        finally:
            stop_embedded(work / "embedded")


@contextmanager
def throwaway_databases(server: str) -> Iterator[Callable[[], str]]:
    """Make migrated databases on `server`; all of them are dropped on the way out."""
    created: list[str] = []

    def create() -> str:
        name = f"catalog_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(libpq_url(server), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        return url

    try:
        yield create
    finally:
        with psycopg.connect(libpq_url(server), autocommit=True) as conn:
            for name in created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


T = TypeVar("T")
R = TypeVar("R")


def bounded_map(
    pool: Executor, function: Callable[[T], R], items: Iterable[T], *, ahead: int
) -> Iterator[R]:
    """`pool.map`, but with at most `ahead` items handed over and not yet answered:
    `Executor.map` takes the whole iterable at once, which held every record bench.search
    generated for a 1,000,000-record load in its own process (2.2 GB)."""
    pending: deque[Future[R]] = deque()
    for item in items:
        pending.append(pool.submit(function, item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU a process on this machine has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def backend_cpu_seconds(database: str) -> dict[int, float]:
    """CPU used so far by each PostgreSQL backend on this machine serving `database`, by pid.

    A backend names its database in its process title (`postgres: ... user database host`),
    which is how the benchmarks tell the region's share of the server from the cities'.
    Empty where the server runs elsewhere.
    """
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {database} " in f"{title} ":
            found[int(entry.name)] = process_cpu_seconds(int(entry.name))
    return found
