"""The cataloguing commands: `catalog catalogue` (the folder walk), `export`, `import` and
`links check`."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from catalog import faults
from catalog.center.errors import CatalogError
from catalog.center.permissions import Actor
from catalog.cli_support import fail, open_database, session_of
from catalog.config import load_settings
from catalog.db import make_sessionmaker

app = typer.Typer()
links_app = typer.Typer(help="Links of this node's resources to content kept elsewhere.")


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

    settings = load_settings()
    faults.arm(settings.fault_point)
    engine = open_database(settings)
    columns = (*Progress.get_default_columns()[:2], BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, TimeRemainingColumn(), transient=False) as progress:
            task = progress.add_task(f"cataloguing {folder}", total=None)
            report = walk(
                make_sessionmaker(engine),
                folder,
                department_code=department,
                actor=Actor.operator(),
                node=settings.node,
                batch=batch,
                workers=workers,
                found=lambda count: progress.update(task, total=count),
                advance=lambda path: progress.advance(task),
                after_batch=lambda: faults.check("catalogue.after_batch"),
            )
    except CatalogError as error:
        raise fail(error) from None
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
    with session_of(settings) as session:
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
    with session_of(settings) as session, _binary_out(output) as out:
        records = exchange.views(session, status=status, include_secret=include_secret)
        if format == "xml":
            count = exchange.write_xml(out, records, node=settings.node)
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
    with session_of(settings) as session, source.open("rb") as file:
        candidates = exchange.xml_stream(file) if kind == "xml" else exchange.json_lines(file)
        try:
            report = exchange.import_records(
                session,
                candidates,
                actor=Actor.operator(),
                node=settings.node,
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
