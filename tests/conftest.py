"""Test databases: the machine's PostgreSQL when there is one, else the embedded server.

`CATALOG_TEST_DATABASE_URL` names a server explicitly; otherwise a server at 127.0.0.1:5432 is
used when it answers, and a private embedded server in a temporary directory when it does not.
Every test gets a transaction that is rolled back; tests that need real commits ask
`fresh_database` for a throwaway database of their own.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from catalog.api.app import create_app
from catalog.api.deps import get_session
from catalog.config import Settings
from catalog.db import libpq_url, make_engine, migrate, normalise_url
from catalog.embedded import start_embedded, stop_embedded
from tests.factories import Cast, make_cast

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _server_url(tmp_root: Path) -> str:
    explicit = os.environ.get("CATALOG_TEST_DATABASE_URL")
    if explicit:
        return normalise_url(explicit)
    try:
        psycopg.connect(LOCAL_SERVER, connect_timeout=2).close()
        return normalise_url(LOCAL_SERVER)
    except psycopg.OperationalError:
        return start_embedded(tmp_root / "embedded")


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A URL of a PostgreSQL server the tests may create databases on."""
    # Under /tmp, not a home directory: the embedded server widens its parents' permissions.
    with tempfile.TemporaryDirectory(prefix="catalog-test-", dir="/tmp") as tmp:
        yield _server_url(Path(tmp))
        # Stop the embedded server (if it was the one used) before its directory goes away.
        stop_embedded(Path(tmp) / "embedded")


@pytest.fixture(scope="session")
def fresh_database(server_url: str) -> Iterator[Callable[[], str]]:
    """Make throwaway databases with the schema migrated; all are dropped at the end."""
    created: list[str] = []

    def make() -> str:
        name = f"catalog_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        return url

    yield make
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(fresh_database: Callable[[], str]) -> str:
    """The database shared by the transactional tests."""
    return fresh_database()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        node_code="150000",
        node_name="内蒙古自治区政务信息资源目录中心",
        database_url=database_url,
        data_dir=tmp_path,
        public_url="http://region.test",
        sync_enabled=False,
        max_body_bytes=256 * 1024,
    )


@pytest.fixture
def client(settings: Settings, engine: Engine, session: Session) -> Iterator[TestClient]:
    """The node's app over the test's session, so each request sees and undoes with the test."""
    app = create_app(settings, engine=engine)

    def test_session() -> Iterator[Session]:
        try:
            yield session
        finally:
            session.rollback()

    app.dependency_overrides[get_session] = test_session
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def cast(session: Session) -> Cast:
    """Two departments and a user of every role, with their tokens."""
    return make_cast(session)


@pytest.fixture
def make_node(fresh_database: Callable[[], str], tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Start real `catalog serve` processes, each on a database of its own; all stop at the end."""
    from tests.sync.nodes import NodeProcess

    started: list[NodeProcess] = []

    def make(code: str, **settings: str) -> NodeProcess:
        node = NodeProcess(code, fresh_database(), tmp_path, **settings)
        started.append(node)
        return node

    yield make
    for node in started:
        node.close()


@pytest.fixture
def env(fresh_database: Callable[[], str], tmp_path: Path) -> dict[str, str]:
    """The settings of a node (Chifeng) on a database of its own, for CLI tests."""
    return {
        "CATALOG_DATABASE_URL": fresh_database(),
        "CATALOG_DATA_DIR": str(tmp_path),
        "CATALOG_NODE_CODE": "150400",
        "CATALOG_NODE_NAME": "赤峰市政务信息资源目录中心",
    }


@pytest.fixture
def run(env: dict[str, str]) -> Callable[..., Any]:
    """Run a `catalog` command in-process with those settings; returns click's result."""
    from typer.testing import CliRunner

    from catalog.cli import app

    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args), env=env)

    return invoke
