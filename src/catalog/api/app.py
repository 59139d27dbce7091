"""The FastAPI app of a node: settings, database, error handling and routers wired together."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from catalog import __version__
from catalog.api.errors import install_error_handlers
from catalog.api.limits import BodyLimit
from catalog.api.routers import health, people, resources
from catalog.center.node import Node
from catalog.config import Settings
from catalog.db import database_url, make_engine, make_sessionmaker


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """Build a node's app; the database is the given engine, the configured URL or the embedded one.

    Creating the app does not connect: a node whose database is down still answers /healthz.
    """
    engine = engine or make_engine(database_url(settings))
    app = FastAPI(
        title=f"catalog: {settings.node_name}",
        version=__version__,
        description="Directory-centre node of the federated government information catalogue.",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    app.state.node = Node(code=settings.node_code, name=settings.node_name, url=settings.public_url)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    app.include_router(people.router)
    app.include_router(resources.router)
    return app
