"""What the `catalog` commands share: the node's database and identity, and how they fail."""

from __future__ import annotations

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from catalog.center.errors import CatalogError
from catalog.config import Settings
from catalog.db import database_url, make_engine, make_sessionmaker, migrate


def open_database(settings: Settings) -> Engine:
    """The node's database, migrated to the current schema."""
    engine = make_engine(database_url(settings))
    migrate(engine)
    return engine


def session_of(settings: Settings) -> Session:
    """A session on the node's (migrated) database."""
    return make_sessionmaker(open_database(settings))()


def fail(error: CatalogError) -> typer.Exit:
    """Print a domain error with its fields and give the exit to raise."""
    typer.echo(f"error: {error.detail}", err=True)
    for field in error.fields:
        typer.echo(f"  {field.path}: {field.reason}", err=True)
    return typer.Exit(code=1)
