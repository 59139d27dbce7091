"""What the `catalog` commands share: the node's database and identity, and how they fail."""

from __future__ import annotations

import gc

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


def freeze_startup_objects() -> None:
    """Keep the objects built so far (the modules, and for `serve` the app) out of every later
    garbage collection.

    They are hundreds of thousands of objects that live as long as the process; every full
    collection walked them again, and a batch of 1,000 records (tens of thousands of dicts) sets
    off collections all along its parsing. Measured with `python -m bench.sync --records 200000`:
    catch-up 4,673 -> 5,806 records/s, the region's Python time 28 -> 22 s; `catalog reindex` of
    100,000 records: 153-162 -> 133-135 µs of Python a record. Raising the collection thresholds
    as well gained 5 % more in the catch-up but let the cities' memory grow with the backlog
    (146 -> 287 MB), so they stay as they are. What is garbage now is collected first: frozen,
    it would never be freed (nor a connection it holds closed), which matters where commands run
    in a process that lives on, as in the tests.
    """
    gc.collect()
    gc.freeze()
