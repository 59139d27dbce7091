"""Real node processes on free loopback ports, each with its own database, for federation tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.center import people, registry
from catalog.center.models import Resource
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.center.vocab import Role
from catalog.db import make_engine, make_sessionmaker
from catalog.sync import digest, peers
from tests.factories import DEPT, resource_body

NAMES = {
    "150000": "内蒙古自治区",
    "150400": "赤峰市",
    "150700": "呼伦贝尔市",
    "150425": "克什克腾旗",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NodeProcess:
    """One `catalog serve` process and a session factory on its database."""

    def __init__(self, code: str, database_url: str, workdir: Path, **settings: str) -> None:
        self.code = code
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.settings = settings
        self.engine = make_engine(database_url)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        self.node = Node(code=code, name=NAMES.get(code, code), url=self.url)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, **overrides: str) -> NodeProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
        env.update(
            CATALOG_NODE_CODE=self.code,
            CATALOG_NODE_NAME=self.node.name,
            CATALOG_DATABASE_URL=self.database_url,
            CATALOG_DATA_DIR=str(self.workdir / self.code),
            CATALOG_PUBLIC_URL=self.url,
            CATALOG_SYNC_SWEEP_SECONDS="1",
        )
        env.update({f"CATALOG_{k.upper()}": v for k, v in {**self.settings, **overrides}.items()})
        log = open(self.workdir / f"{self.code}-{self.port}.log", "ab")  # noqa: SIM115
        catalog = Path(sys.executable).with_name("catalog")
        self.process = subprocess.Popen(
            [str(catalog), "serve", "--port", str(self.port)], env=env, stdout=log, stderr=log
        )
        wait_for(lambda: self._healthy(), what=f"node {self.code} to start", timeout=60)
        return self

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"node {self.code} exited with {self.process.returncode}")
        try:
            return httpx.get(self.url + "/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def wait_dead(self, timeout: float = 30) -> None:
        assert self.process is not None
        self.process.wait(timeout=timeout)
        self.process = None

    def close(self) -> None:
        self.stop()
        self.engine.dispose()

    # --- data, straight through the service layer of this node's database ---

    def publish(self, **overrides: Any) -> str:
        body = ResourceBody.model_validate(resource_body(**overrides))
        operator = Actor.operator()
        with self.sessions() as session:
            view = registry.register_resource(session, body=body, actor=operator, node=self.node)
            rid = uuid.UUID(view["id"])
            registry.submit_resource(session, resource_id=rid, actor=operator, node=self.node)
            registry.approve_resource(session, resource_id=rid, actor=operator, node=self.node)
        return str(rid)

    def retire(self, rid: str) -> None:
        with self.sessions() as session:
            registry.retire_resource(
                session,
                resource_id=uuid.UUID(rid),
                actor=Actor.operator(),
                node=self.node,
                reason="x",
            )

    def add_user(self, role: Role, department: str | None = None) -> tuple[str, str]:
        """A user of this node: (username, token)."""
        username = f"{role.value}_{os.urandom(3).hex()}"
        with self.sessions() as session:
            issued = people.create_user(
                session,
                username=username,
                role=role,
                department_code=department,
                actor=Actor.operator(),
                ttl_days=1,
            )
        return username, issued.token

    def add_department(self) -> None:
        with self.sessions() as session:
            people.create_department(session, code=DEPT, name="统计局", actor=Actor.operator())

    def count(self, origin: str | None = None) -> int:
        with self.sessions() as session:
            query = select(func.count()).select_from(Resource).where(Resource.status != "draft")
            if origin:
                query = query.where(Resource.origin_code == origin)
            return int(session.scalar(query) or 0)

    def digests(self, origin: str) -> dict[str, Any]:
        with self.sessions() as session:
            return digest.bucket_digests(digest.entries(session, origin))


def register_child(parent: NodeProcess, child: NodeProcess, alg: str = "hmac-sha256") -> str:
    """Register `child` at `parent` (as `catalog nodes add` does); returns the link's key."""
    with parent.sessions() as session:
        return peers.add_child(
            session,
            code=child.code,
            name=child.node.name,
            url=child.url,
            alg=alg,
            own_code=parent.code,
            actor=Actor.operator(),
        )


def region_and_chifeng(make_node, **child_settings: str) -> tuple[NodeProcess, NodeProcess]:
    """A region (not started) and Chifeng registered as its child (not started)."""
    region = make_node("150000")
    chifeng = make_node("150400")
    key = register_child(region, chifeng)
    chifeng.settings.update(parent_url=region.url, node_key=key, **child_settings)
    chifeng.add_department()
    return region, chifeng


def wait_for(condition: Callable[[], bool], *, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
