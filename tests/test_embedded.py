"""The embedded default store: a private PostgreSQL per data dir, surviving crashes of the node."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from catalog.db import libpq_url, make_engine, migrate
from catalog.embedded import memory_settings, start_embedded, stop_embedded


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Under /tmp, never a home directory: the server widens the permissions of the dir's parents.
    with tempfile.TemporaryDirectory(prefix="catalog-embedded-", dir="/tmp") as tmp:
        yield Path(tmp)
        stop_embedded(Path(tmp))


def _server_version(url: str) -> int:
    with psycopg.connect(libpq_url(url)) as conn:
        return int(conn.execute("SHOW server_version_num").fetchone()[0])


def test_the_embedded_server_starts_and_takes_the_migrations(data_dir):
    url = start_embedded(data_dir)
    assert _server_version(url) >= 180000
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()


def test_two_nodes_on_one_machine_get_their_own_servers(data_dir):
    first = start_embedded(data_dir / "a")
    second = start_embedded(data_dir / "b")
    assert make_url(first).query["host"] != make_url(second).query["host"]
    with psycopg.connect(libpq_url(first)) as conn:
        conn.execute("CREATE TABLE only_in_a (x int)")
    with psycopg.connect(libpq_url(second)) as conn:
        found = conn.execute("SELECT to_regclass('only_in_a')").fetchone()[0]
    assert found is None
    stop_embedded(data_dir / "a")
    stop_embedded(data_dir / "b")


def test_a_crashed_node_leaves_nothing_that_blocks_the_next_start(data_dir):
    script = (
        "import os, signal, sys; from pathlib import Path;"
        "from catalog.embedded import start_embedded;"
        "start_embedded(Path(sys.argv[1])); os.kill(os.getpid(), signal.SIGKILL)"
    )
    crashed = subprocess.run([sys.executable, "-c", script, str(data_dir)], timeout=60)
    assert crashed.returncode == -signal.SIGKILL
    url = start_embedded(data_dir)
    with psycopg.connect(libpq_url(url)) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    handles = (data_dir / "pgdata" / ".handle_pids.json").read_text()
    assert str(os.getpid()) in handles
    stop_embedded(data_dir)
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_on_the_embedded_store_and_stops_it_on_exit(data_dir):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    env.update(CATALOG_DATA_DIR=str(data_dir), CATALOG_NODE_CODE="150400")
    catalog = Path(sys.executable).with_name("catalog")
    node = subprocess.Popen(
        [str(catalog), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert node.poll() is None, "the node exited before serving"
                assert time.monotonic() < deadline, "the node did not come up"
                time.sleep(0.2)
        assert health.json()["database"] == "ok"
        assert health.json()["node"]["code"] == "150400"
    finally:
        node.send_signal(signal.SIGTERM)
        node.wait(timeout=30)
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()


def test_the_embedded_server_is_sized_for_the_machine(data_dir):
    url = start_embedded(data_dir)
    with psycopg.connect(libpq_url(url)) as conn:
        pages = conn.execute(
            "SELECT setting::bigint FROM pg_settings WHERE name = 'shared_buffers'"
        ).fetchone()[0]
    wanted = memory_settings(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    assert f"{pages * 8 // 1024}MB" == wanted["shared_buffers"]


def test_memory_settings_take_a_quarter_within_bounds():
    gib = 1024**3
    assert memory_settings(24 * gib)["shared_buffers"] == "6144MB"
    assert memory_settings(256 * 1024**2)["shared_buffers"] == "128MB"
    assert memory_settings(512 * gib)["shared_buffers"] == "8192MB"
