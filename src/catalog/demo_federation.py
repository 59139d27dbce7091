"""`make demo`: three centres on one machine, each with its own embedded database.

The region 150000 (port P), Chifeng 150400 (P+1) and Hulunbuir 150700 (P+2). The cities are
registered as the region's children (their keys are re-issued at every start, so no key is kept
on disk), every centre is seeded, and the demo waits until the region holds everything the cities
published before it prints the three URLs and admin tokens.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.center import people
from catalog.center.models import Resource
from catalog.center.permissions import Actor
from catalog.config import Settings
from catalog.db import make_engine, make_sessionmaker, migrate
from catalog.demo import seed
from catalog.embedded import start_embedded, stop_embedded
from catalog.sync import peers

CENTRES = [
    ("150000", "内蒙古自治区政务信息资源目录中心"),
    ("150400", "赤峰市政务信息资源目录中心"),
    ("150700", "呼伦贝尔市政务信息资源目录中心"),
]


@dataclass
class Centre:
    """One centre of the demo: its settings, database and, once started, its process."""

    settings: Settings
    database_url: str
    sessions: sessionmaker[Session]
    process: subprocess.Popen[bytes] | None = None
    token: str = ""

    @property
    def code(self) -> str:
        return self.settings.node_code


def run(*, data_dir: Path, host: str, port: int, echo: object = print) -> None:
    """Prepare, start and sync the three centres, then serve until interrupted."""
    say = echo if callable(echo) else print
    centres = [
        _prepare(code, name, data_dir, host, port + i) for i, (code, name) in enumerate(CENTRES)
    ]
    region, cities = centres[0], centres[1:]
    operator = Actor.operator()
    for city in cities:
        with region.sessions() as session:
            if peers.child(session, city.code) is None:
                key = peers.add_child(
                    session,
                    code=city.code,
                    name=city.settings.node_name,
                    url=city.settings.public_url,
                    alg="hmac-sha256",
                    own_code=region.code,
                    actor=operator,
                )
            else:
                key = peers.rotate_key(session, code=city.code, actor=operator)
        city.settings.parent_url = region.settings.public_url
        city.settings.node_key = SecretStr(key)
    try:
        for centre in centres:
            _start(centre, host, data_dir)
        _wait_synced(region, cities)
        say("")
        for centre in centres:
            say(f"  {centre.settings.node_name} ({centre.code})")
            say(f"    portal:      {centre.settings.public_url}/  (log in as admin with the token)")
            say(f"    API docs:    {centre.settings.public_url}/docs")
            say(f"    OAI-PMH:     {centre.settings.public_url}/oai?verb=Identify")
            say(f"    admin token: {centre.token}")
        held = _count(region)
        say(f"  The region now holds {held} published or retired records from all three centres.")
        say(f"  Ctrl-C stops all three; their data stays in {data_dir}")
        say("")
        _wait_for_interrupt(centres)
    finally:
        for centre in centres:
            _stop(centre)
            stop_embedded(centre.settings.data_dir)


def _prepare(code: str, name: str, data_dir: Path, host: str, port: int) -> Centre:
    settings = Settings(
        _env_file=None,
        node_code=code,
        node_name=name,
        data_dir=data_dir / code,
        public_url=f"http://{host}:{port}",
        sync_sweep_seconds=2.0,
    )
    url = start_embedded(settings.data_dir)
    engine = make_engine(url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        seed(session, settings=settings)
        token = people.issue_token(
            session, username="admin", actor=Actor.operator(), ttl_days=settings.token_ttl_days
        ).token
    return Centre(settings=settings, database_url=url, sessions=sessions, token=token)


def _start(centre: Centre, host: str, data_dir: Path) -> None:
    s = centre.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    env.update(
        CATALOG_NODE_CODE=s.node_code,
        CATALOG_NODE_NAME=s.node_name,
        CATALOG_DATABASE_URL=centre.database_url,
        CATALOG_DATA_DIR=str(s.data_dir),
        CATALOG_PUBLIC_URL=s.public_url,
        CATALOG_SYNC_SWEEP_SECONDS="2",
    )
    if s.parent_url and s.node_key:
        env.update(CATALOG_PARENT_URL=s.parent_url, CATALOG_NODE_KEY=s.node_key.get_secret_value())
    port = s.public_url.rsplit(":", 1)[1]
    log = open(data_dir / f"{s.node_code}.log", "ab")  # noqa: SIM115 - the child keeps it
    catalog = Path(sys.executable).with_name("catalog")
    centre.process = subprocess.Popen(
        [str(catalog), "serve", "--host", host, "--port", port], env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(s.public_url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if centre.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{s.node_name} did not start; see {data_dir}/{s.node_code}.log")
        time.sleep(0.2)


def _shared(session: Session, origin: str | None = None) -> int:
    query = (
        select(func.count())
        .select_from(Resource)
        .where(Resource.status.in_(("published", "retired")), Resource.secret.is_(False))
    )
    if origin:
        query = query.where(Resource.origin_code == origin)
    return int(session.scalar(query) or 0)


def _count(centre: Centre) -> int:
    with centre.sessions() as session:
        return _shared(session)


def _wait_synced(region: Centre, cities: list[Centre], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with region.sessions() as session:
            held = {city.code: _shared(session, city.code) for city in cities}
        wanted = {}
        for city in cities:
            with city.sessions() as session:
                wanted[city.code] = _shared(session, city.code)
        if held == wanted:
            return
        time.sleep(0.5)
    raise RuntimeError("the cities did not finish syncing to the region in time")


def _wait_for_interrupt(centres: list[Centre]) -> None:
    stop = False

    def _interrupt(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    while not stop:
        if any(c.process is not None and c.process.poll() is not None for c in centres):
            raise RuntimeError("a centre exited; see the logs in the data dir")
        time.sleep(0.5)


def _stop(centre: Centre) -> None:
    if centre.process is None or centre.process.poll() is not None:
        return
    centre.process.send_signal(signal.SIGTERM)
    try:
        centre.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        centre.process.kill()
