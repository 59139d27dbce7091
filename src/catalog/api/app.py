"""The FastAPI app of a node: settings, database, error handling and routers wired together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from catalog import __version__, faults
from catalog.api.errors import install_error_handlers
from catalog.api.limits import BodyLimit
from catalog.api.portal import routes as portal
from catalog.api.routers import (
    content,
    exchange,
    extract,
    health,
    oai,
    people,
    resources,
    search,
    sync,
)
from catalog.api.timing import ServerTiming
from catalog.center.content import ContentStore
from catalog.config import Settings
from catalog.db import database_url, make_engine, make_sessionmaker
from catalog.sync.client import PeerClient
from catalog.sync.introspect import Introspector
from catalog.sync.push import Pusher, PushWorker


def _push_worker(settings: Settings, engine: Engine) -> PushWorker | None:
    if not (settings.sync_enabled and settings.parent_url and settings.node_key):
        return None
    pusher = Pusher(
        make_sessionmaker(engine),
        node=settings.node,
        parent_url=settings.parent_url,
        key=settings.node_key.get_secret_value(),
        alg=settings.sync_alg,
    )
    return PushWorker(engine, pusher, sweep_seconds=settings.sync_sweep_seconds)


def _introspector(settings: Settings) -> Introspector | None:
    """Who vouches for tokens this node does not know: its parent, when it has one."""
    if not (settings.parent_url and settings.node_key):
        return None
    client = PeerClient(
        settings.parent_url,
        node=settings.node_code,
        key=settings.node_key.get_secret_value(),
        alg=settings.sync_alg,
        timeout=5.0,
    )
    return Introspector(client)


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """Build a node's app; the database is the given engine, the configured URL or the embedded one.

    Creating the app does not connect: a node whose database is down still answers /healthz.
    The push worker (when this node has a parent and sync is enabled) runs while the app serves.
    """
    engine = engine or make_engine(database_url(settings))
    faults.arm(settings.fault_point)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = _push_worker(settings, engine)
        if worker is not None:
            worker.start()
        yield
        if worker is not None:
            worker.stop()
        if app.state.introspector is not None:
            app.state.introspector.close()

    app = FastAPI(
        lifespan=lifespan,
        title=f"catalog: {settings.node_name}",
        version=__version__,
        description="Directory-centre node of the federated government information catalogue.",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    app.state.node = settings.node
    app.state.introspector = _introspector(settings)
    app.state.content_store = ContentStore(settings.data_dir / "content")
    install_error_handlers(app)
    app.add_middleware(ServerTiming)
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes
    )
    app.include_router(health.router)
    app.include_router(people.router)
    app.include_router(resources.router)
    app.include_router(search.router)
    app.include_router(sync.router)
    app.include_router(exchange.router)
    app.include_router(oai.router)
    app.include_router(extract.router)
    app.include_router(content.router)
    app.include_router(portal.router)
    return app
