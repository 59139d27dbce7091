"""Directory benchmark: bulk load rate, then a fixed query mix through HTTP, with facets.

Generates N records (bench/corpus.py: the seed's places and departments, three origin nodes,
every format, some with a bounding box) in the region's database: the region's own third through
the bulk publishing path, the cities' two thirds as batches received from children (the ingest
path that copies take), in one loading process per core (`--loaders`), as a bulk load would use
the machine; each process makes the chunks it loads (bench.corpus.chunk_of), as a loader reads
its own files. Then a `catalog serve` process answers the committed query mix of
QUERIES: each term alone, with one filter and with two; filter-only queries; and page 50 of some
queries (reached by following cursors; only page 50 is timed). Every query is run once to warm
the caches, then timed; then the portal's search page for the same text queries, by its
Server-Timing header. Prints one JSON object: load rates, p50/p95/p99 per band and kind, each
term's measured frequency, the answers estimated although they had 10,000 matches or fewer
(bench/exactness.py: there should be none), and the sizes of the table and its indexes.

Usage (from the checkout):
    .venv/bin/python -m bench.search [--records N] [--loaders K] [--database-url URL|embedded]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import time
import uuid
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from tests.sync.nodes import NodeProcess

from bench.common import (
    bench_server,
    bounded_map,
    machine_speed,
    server_settings,
    throwaway_databases,
)
from bench.corpus import NODES, Record, chunk_of, department_names, records
from bench.exactness import estimated_within_limit
from catalog.center import people
from catalog.center.bulk import publish_bulk
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.center.search_index import row_for_body
from catalog.center.search_text import normalise
from catalog.cli_support import freeze_startup_objects
from catalog.db import make_engine, make_sessionmaker
from catalog.sync import peers
from catalog.sync.ingest import apply_batch
from catalog.sync.wire import BatchIn

BATCH = 1000
CHUNK = 3 * BATCH  # records(), a third per node: one batch of each city, the region's third
QUERIES: dict[str, list[str]] = {
    # > 5 % of the records: topics, record kinds, years and the vocabulary of abstracts
    "common": [
        "人口",
        "户籍",
        "法人",
        "林地",
        "草原",
        "气象",
        "教育",
        "就业",
        "扶贫",
        "档案",
        "能源",
        "税收",
        "台账",
        "名录",
        "数据",
        "共享",
        "2012",
        "分布图",
        "信用",
        "养老",
    ],
    # 0.1-5 %: counties and banners
    "medium": [
        "红山区",
        "松山区",
        "林西县",
        "宁城县",
        "敖汉旗",
        "根河市",
        "阿荣旗",
        "海拉尔",
        "满洲里",
        "包头",
        "乌海",
        "通辽",
        "鄂尔多斯",
        "巴林左旗",
        "翁牛特旗",
        "牙克石",
        "扎兰屯",
        "额尔古纳",
        "鄂伦春",
        "克什克腾",
    ],
    # < 0.1 %: townships
    "rare": [
        "安宝镇",
        "昌达镇",
        "丰福镇",
        "广和镇",
        "河红镇",
        "华吉镇",
        "金锦镇",
        "康乐镇",
        "隆民镇",
        "宁平镇",
        "庆瑞镇",
        "山胜镇",
        "泰天镇",
        "旺文镇",
        "祥新镇",
        "兴阳镇",
        "永裕镇",
        "兆安镇",
        "宝昌",
        "锦康",
    ],
}
ONE_FILTER = [
    {"format": "database"},
    {"share": "conditional"},
    {"node": "150400"},
    {"classification": "1"},
    {"department": "TJJ"},
    {"open": "true"},
    {"update_cycle": "monthly"},
    {"bbox": "116,41,121,46"},
]
TWO_FILTERS = [
    {"format": "spreadsheet", "share": "unconditional"},
    {"node": "150700", "format": "image"},
    {"department": "GAJ", "share": "conditional"},
    {"classification": "2", "open": "false"},
    {"node": "150000", "update_cycle": "yearly"},
    {"format": "database", "bbox": "115,47,126,53"},
]
FILTER_ONLY = [
    *ONE_FILTER,
    *TWO_FILTERS,
    {"published_from": "2016-01-01"},
    {"node": "150000", "subtree": "true"},
    {"department": "150400:NMJ"},
    {"format": "non_electronic"},
    {"share": "none"},
    {"classification": "103"},
]
PAGE_50 = [
    *({"q": term} for term in QUERIES["common"][:7]),
    *({"q": term} for term in QUERIES["medium"][:7]),
    *FILTER_ONLY[:6],
]


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


def frequencies(count: int) -> dict[str, float]:
    """The share of records holding each query term, in the text the directory indexes."""
    terms = [normalise(t) for band in QUERIES.values() for t in band]
    hits = dict.fromkeys(terms, 0)
    for record in records(count, chunk=CHUNK):
        department = record.body["department_code"]
        indexed = row_for_body(
            record.body,
            resource_id="00000000-0000-0000-0000-000000000000",
            status="published",
            secret=False,
            origin={"code": record.origin},
            path=[record.origin],
            department={"code": department, "name": department_names(record.origin)[department]},
            code=None,
            published_on=None,
        )["body_text"]
        for term in terms:
            if term in indexed:
                hits[term] += 1
    return {term: round(100 * n / count, 3) for term, n in hits.items()}


def _timed(client: httpx.Client, params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = client.get("/api/v1/search", params=params)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed * 1000, response.json()


def _page_50(client: httpx.Client, params: dict[str, Any]) -> float:
    answer: dict[str, Any] = {"next_cursor": None}
    for page in range(1, 51):
        cursor = {"cursor": answer["next_cursor"]} if page > 1 else {}
        if page > 1 and not answer["next_cursor"]:
            return float("nan")
        elapsed, answer = _timed(client, {**params, **cursor})
    return elapsed


def mix() -> list[tuple[str, str, dict[str, Any]]]:
    """The committed query mix: (band, kind, parameters)."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for band, terms in QUERIES.items():
        for i, term in enumerate(terms):
            out.append((band, "text", {"q": term}))
            out.append((band, "text+1 filter", {"q": term, **ONE_FILTER[i % len(ONE_FILTER)]}))
            out.append((band, "text+2 filters", {"q": term, **TWO_FILTERS[i % len(TWO_FILTERS)]}))
    out += [("filters", "filters only", params) for params in FILTER_ONLY]
    return out


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(v for v in values if v == v)
    if not ordered:
        return {}

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 1),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1], 1),
    }


def run_queries(url: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Warm up with the whole mix once, then time it; also the parameters of the answers that
    were estimated."""
    timings: dict[str, list[float]] = defaultdict(list)
    estimated: list[dict[str, Any]] = []
    with httpx.Client(base_url=url, timeout=60) as client:
        queries = mix()
        for _, _, params in queries:
            _timed(client, params)
        for band, kind, params in queries:
            elapsed, answer = _timed(client, params)
            timings[f"{band} / {kind}"].append(elapsed)
            timings[f"{band}"].append(elapsed)
            timings["all text" if band != "filters" else "all filters"].append(elapsed)
            if not answer["total_exact"]:
                estimated.append(params)
        for params in PAGE_50:
            timings["page 50"].append(_page_50(client, params))
    figures = {
        "latency_ms": {name: _percentiles(values) for name, values in sorted(timings.items())},
        "queries_estimated_beyond_10000": len(estimated),
    }
    return figures, estimated


def run_portal(url: str) -> dict[str, Any]:
    """The portal's search page for each text query of the mix: its Server-Timing (the node's
    own time, rendering included) after a warm-up pass."""
    timings: dict[str, list[float]] = defaultdict(list)
    with httpx.Client(base_url=url, timeout=60) as client:
        pages = [(band, params) for band, kind, params in mix() if kind != "filters only"]
        for _, params in pages:
            client.get("/search", params=params).raise_for_status()
        for band, params in pages:
            response = client.get("/search", params=params)
            response.raise_for_status()
            server = float(response.headers["server-timing"].split("dur=")[1])
            timings[band].append(server)
            timings["all"].append(server)
    return {"portal_search_page_server_ms": {k: _percentiles(v) for k, v in timings.items()}}


def sizes(region: NodeProcess) -> dict[str, float]:
    """The directory's table and indexes, in MB."""
    with region.sessions() as session:
        rows = session.execute(
            text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "WHERE c.relname LIKE 'search_doc%' OR c.relname LIKE 'ix_search_doc%'"
            )
        ).all()
    return {name: round(size / 1e6, 1) for name, size in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--loaders", type=int, default=os.cpu_count() or 1, help="loading processes (cores)"
    )
    args = parser.parse_args()
    with (
        bench_server(args.database_url) as (work, server),
        throwaway_databases(server) as create_database,
    ):
        region = NodeProcess("150000", create_database(), work, sync_enabled="false")
        region.node = Node(code="150000", name="内蒙古自治区", url=region.url)
        try:
            speed_before = machine_speed(server)
            started = time.perf_counter()
            rates = load(region, args.records, args.loaders)
            load_seconds = time.perf_counter() - started
            started = time.perf_counter()
            with region.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            vacuum_seconds = time.perf_counter() - started
            region.start()
            figures, estimated = run_queries(region.url)
            with region.sessions() as session:
                wrongly = estimated_within_limit(session, estimated, region.node)
            result = {
                "benchmark": "search",
                "postgresql": server_settings(server),
                "machine": {"before": speed_before, "after": machine_speed(server)},
                "records": args.records,
                **rates,
                "load_seconds": round(load_seconds, 1),
                "vacuum_analyze_seconds": round(vacuum_seconds, 1),
                **figures,
                # Answers estimated although they had 10,000 matches or fewer: should be none.
                "estimated_within_10000": wrongly,
                **run_portal(region.url),
                "size_mb": sizes(region),
                "term_frequency_percent": frequencies(min(args.records, 200_000)),
            }
        finally:
            region.close()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
