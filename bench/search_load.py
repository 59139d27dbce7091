"""The loading half of bench/search.py: N records into the region's database, the region's
own third through the bulk publishing path and the cities' two thirds as batches received from
children, in one process per core, each making the chunks it loads (bench.corpus.chunk_of)."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.sync.nodes import NodeProcess

from bench.common import bounded_map
from bench.corpus import NODES, Record, chunk_of, department_names
from catalog.center import people
from catalog.center.bulk import publish_bulk
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.cli_support import freeze_startup_objects
from catalog.db import make_engine, make_sessionmaker
from catalog.sync import peers
from catalog.sync.ingest import apply_batch
from catalog.sync.wire import BatchIn

BATCH = 1000
CHUNK = 3 * BATCH  # records(), a third per node: one batch of each city, the region's third


def _view(record: Record, rid: uuid.UUID, number: int, published_on: date) -> dict[str, Any]:
    """A city's record as the city shows it, i.e. as its batches carry it."""
    name, _ = NODES[record.origin]
    department = record.body["department_code"]
    stamp = datetime.combine(published_on, datetime.min.time(), UTC).isoformat()
    return {
        **record.body,
        "id": str(rid),
        "code": f"{record.body['classification'][0]['code']}/{record.origin}{number:06d}",
        "status": "published",
        "version": 1,
        "department": {"code": department, "name": department_names(record.origin)[department]},
        "origin": {
            "code": record.origin,
            "name": name + "政务信息资源目录中心",
            "url": f"http://{record.origin}.example.gov.cn",
        },
        "path": [record.origin],
        "published_on": published_on.isoformat(),
        "created_at": stamp,
        "updated_at": stamp,
        "has_draft": False,
    }


def load(region: NodeProcess, count: int, loaders: int) -> dict[str, float]:
    """Load `count` records into the region with `loaders` processes, each taking whole chunks
    (both paths: the region's own third, then each city's batch); returns the rates.

    The load rate is records over wall-clock seconds, generating the records included; the
    per-path rates are records over the seconds the loaders spent in that path, so with one
    loader they add up to the load rate."""
    with region.sessions() as session:
        for code, name in department_names("150000").items():
            people.create_department(session, code=code, name=name, actor=Actor.operator())
        for code in ("150400", "150700"):
            # Keys are not needed: batches are applied through the service layer.
            peers.add_child(
                session,
                code=code,
                name=NODES[code][0],
                url=f"http://{code}.example.gov.cn",
                alg="hmac-sha256",
                own_code="150000",
                actor=Actor.operator(),
            )
    seconds = {"bulk": 0.0, "ingest": 0.0}
    counts = {"bulk": 0, "ingest": 0}
    started = time.perf_counter()
    with ProcessPoolExecutor(
        loaders,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_loader,
        initargs=(region.database_url, region.node),
    ) as pool:
        chunks = ((number, count) for number in range(-(-count // CHUNK)))
        for spent, done in bounded_map(pool, _load_chunk, chunks, ahead=2 * loaders):
            for path in seconds:
                seconds[path] += spent[path]
                counts[path] += done[path]
    wall = time.perf_counter() - started
    return {
        "loaders": loaders,
        "bulk_records_per_second": round(counts["bulk"] / seconds["bulk"], 1),
        "ingest_records_per_second": round(counts["ingest"] / seconds["ingest"], 1),
        "load_records_per_second": round(count / wall, 1),
    }


_loader: dict[str, Any] = {}


def _start_loader(database_url: str, node: Node) -> None:
    _loader["sessions"] = make_sessionmaker(make_engine(database_url))
    _loader["node"] = node
    # As every `catalog` command does: the modules loaded stay out of every later collection,
    # which validating a chunk sets off again and again.
    freeze_startup_objects()


def _load_chunk(numbered: tuple[int, int]) -> tuple[dict[str, float], dict[str, int]]:
    """One chunk of `records(count)`, made here: the region's records through the bulk path,
    each city's as one batch. Only the writing is timed per path."""
    number, count = numbered
    chunk = chunk_of(number, CHUNK, count)
    sessions, node = _loader["sessions"], _loader["node"]
    spent = {"bulk": 0.0, "ingest": 0.0}
    done = {"bulk": 0, "ingest": 0}
    local = [r for r in chunk if r.origin == "150000"]
    started = time.perf_counter()
    bodies = [ResourceBody.model_validate(r.body) for r in local]
    with sessions() as session:
        publish_bulk(session, bodies=bodies, actor=Actor.operator(), node=node)
    spent["bulk"], done["bulk"] = time.perf_counter() - started, len(local)
    day0 = date(2015, 1, 1)
    for origin in ("150400", "150700"):
        mine = [r for r in chunk if r.origin == origin]
        changes = []
        for index, record in enumerate(mine):
            seq = number * BATCH + index + 1  # a chunk holds BATCH records of each origin
            rid = uuid.uuid4()
            day = day0 + timedelta(days=(number * BATCH + index) % 4000)
            changes.append(
                {
                    "seq": seq,
                    "op": "upsert",
                    "id": str(rid),
                    "version": 1,
                    "origin": origin,
                    "path": [origin],
                    "resource": _view(record, rid, seq, day),
                }
            )
        started = time.perf_counter()
        batch = BatchIn.model_validate(
            {
                "node": origin,
                "epoch": "bench",
                "from_seq": changes[0]["seq"],
                "to_seq": changes[-1]["seq"],
                "changes": changes,
            }
        )
        with sessions() as session:
            peer = peers.child(session, origin)
            assert peer is not None
            apply_batch(session, peer=peer, batch=batch, own=node)
        spent["ingest"] += time.perf_counter() - started
        done["ingest"] += len(mine)
    return spent, done
