"""Directory benchmark: bulk load rate, then a fixed query mix through HTTP, with facets.

Generates N records (bench/corpus.py: the seed's places and departments, three origin nodes,
every format, some with a bounding box) in the region's database: the region's own third through
the bulk publishing path, the cities' two thirds as batches received from children (the ingest
path that copies take), in one loading process per core (`--loaders`, bench/search_load.py),
as a bulk load would use the machine; each process makes the chunks it loads
(bench.corpus.chunk_of), as a loader reads its own files. Then a `catalog serve` process answers the
committed query mix of QUERIES: each term alone, with one filter and with two; filter-only queries;
and page 50 of some queries (reached by following cursors; only page 50 is timed). Every query is
run once to warm the caches, then timed; then the portal's search page for the same text queries, by
its Server-Timing header. Prints one JSON object: load rates, p50/p95/p99 per band and kind, each
term's measured frequency, the answers estimated although they had 10,000 matches or fewer
(bench/exactness.py: there should be none), and the sizes of the table and its indexes.

Usage (from the checkout):
    .venv/bin/python -m bench.search [--records N] [--loaders K] [--database-url URL|embedded]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import defaultdict
from typing import Any

import httpx
from sqlalchemy import text
from tests.sync.nodes import NodeProcess

from bench.common import (
    bench_server,
    machine_speed,
    server_settings,
    throwaway_databases,
)
from bench.corpus import department_names, records
from bench.exactness import estimated_within_limit
from bench.search_load import CHUNK, load
from catalog.center.node import Node
from catalog.center.search_index import row_for_body
from catalog.center.search_text import normalise

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
