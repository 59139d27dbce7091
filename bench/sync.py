"""Federation benchmark: catch-up throughput, publish-to-region lag, and memory.

Starts a region and two cities as real `catalog serve` processes, each on its own database. The
cities first hold N published records between them (bulk path of the service layer, so the feed
is written as in production) with sync off; then their pushers start and the clock runs until the
region's directory finds all of them. Then single publishes at a city measure the lag until the
region's directory finds each. Prints one JSON object, with the CPU each node's Python and its
database's PostgreSQL backends spent per record during the catch-up (this machine's processes;
the server must run here for its share to show).

Usage (from the checkout):
    .venv/bin/python -m bench.sync [--records N] [--lag-samples K] [--database-url URL|embedded]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from tests.factories import resource_body
from tests.sync.nodes import NodeProcess, wait_for

from bench.common import (
    backend_cpu_seconds,
    bench_server,
    machine_speed,
    process_cpu_seconds,
    server_settings,
    throwaway_databases,
)
from catalog.center import people
from catalog.center.bulk import publish_bulk
from catalog.center.models import SearchDoc, SyncPeer
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.sync import peers


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _load(city: NodeProcess, count: int) -> None:
    with city.sessions() as session:
        people.create_department(session, code="D01", name="统计局", actor=Actor.operator())
    body = ResourceBody.model_validate(resource_body())
    for start in range(0, count, 1000):
        bodies = [
            body.model_copy(update={"name": f"{city.node.name}资源{i}"})
            for i in range(start, min(count, start + 1000))
        ]
        with city.sessions() as session:
            publish_bulk(session, bodies=bodies, actor=Actor.operator(), node=city.node)


CpuSnapshot = dict[str, tuple[float, dict[int, float]]]


def _cpu(nodes: list[NodeProcess]) -> CpuSnapshot:
    """Per node: CPU seconds so far of its `catalog serve` process and of each backend of its
    database (the benchmark's own polling connection to the region included)."""
    return {
        node.code: (
            process_cpu_seconds(node.process.pid) if node.process else 0.0,
            backend_cpu_seconds(make_url(node.database_url).database or ""),
        )
        for node in nodes
    }


def _cpu_per_record(
    before: CpuSnapshot, after: CpuSnapshot, records: int
) -> dict[str, dict[str, float]]:
    """Microseconds of CPU per record each node's Python and PostgreSQL spent between two
    snapshots: the catch-up's budget on two cores at 10,000 records/s is 200 µs in all. The
    cities' figures include their start-up (about 1.5 s of CPU each); a backend that exited in
    between is not counted."""
    out = {}
    for code, (python, backends) in after.items():
        python_before, backends_before = before.get(code, (0.0, {}))
        database = sum(cpu - backends_before.get(pid, 0.0) for pid, cpu in backends.items())
        out[code] = {
            "python": round((python - python_before) / records * 1e6, 1),
            "postgresql": round(database / records * 1e6, 1),
        }
    return out


def _received(region: NodeProcess) -> int:
    """Records the region has applied from its children: a cheap counter kept in the same
    transaction as the records and their search rows, so polling it does not steal a core from
    the run the way counting a growing table ten times a second would."""
    with region.sessions() as session:
        return int(session.scalar(select(func.coalesce(func.sum(SyncPeer.received), 0))) or 0)


def _searchable(region: NodeProcess) -> int:
    """Records the region's directory finds (its search rows, written with each ingest)."""
    with region.sessions() as session:
        query = select(func.count()).where(SearchDoc.status == "published")
        return int(session.scalar(query) or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--lag-samples", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with (
        bench_server(args.database_url) as (work, server),
        throwaway_databases(server) as create_database,
    ):
        speed_before = machine_speed(server)
        region = NodeProcess("150000", create_database(), work)
        cities = [NodeProcess(code, create_database(), work) for code in ("150400", "150700")]
        nodes = [region, *cities]
        try:
            for city in cities:
                with region.sessions() as session:
                    key = peers.add_child(
                        session,
                        code=city.code,
                        name=city.node.name,
                        url=city.url,
                        alg="hmac-sha256",
                        own_code="150000",
                        actor=Actor.operator(),
                    )
                city.settings.update(parent_url=region.url, node_key=key)
            share = args.records // len(cities)
            started = time.perf_counter()
            for city in cities:
                _load(city, share)
            load_seconds = time.perf_counter() - started

            region.start()
            cpu_before = _cpu(nodes)
            started = time.perf_counter()
            for city in cities:
                city.start()
            wait_for(
                lambda: _received(region) >= share * len(cities), what="catch-up", timeout=3600
            )
            wait_for(lambda: _searchable(region) >= share * len(cities), what="search rows")
            catch_up = time.perf_counter() - started
            cpu = _cpu_per_record(cpu_before, _cpu(nodes), share * len(cities))

            lags = []
            chifeng = cities[0]
            for _ in range(args.lag_samples):
                time.sleep(0.2)
                t0 = time.perf_counter()
                rid = chifeng.publish()
                with region.sessions() as session:
                    while (
                        session.scalar(select(func.count()).where(SearchDoc.resource_id == rid))
                        == 0
                    ):
                        session.rollback()
                        time.sleep(0.005)
                lags.append(time.perf_counter() - t0)
            lags.sort()
            result = {
                "benchmark": "sync",
                "postgresql": server_settings(server),
                "machine": {"before": speed_before, "after": machine_speed(server)},
                "records": share * len(cities),
                "bulk_load_records_per_second": round(share * len(cities) / load_seconds, 1),
                "catch_up_seconds": round(catch_up, 2),
                "catch_up_records_per_second": round(share * len(cities) / catch_up, 1),
                "catch_up_cpu_us_per_record": cpu,
                "lag_samples": len(lags),
                "lag_p50_ms": round(statistics.median(lags) * 1000, 1),
                "lag_p95_ms": round(lags[int(0.95 * (len(lags) - 1))] * 1000, 1),
                "peak_rss_mb": {n.code: _peak_rss_mb(n.process.pid) for n in nodes if n.process},
            }
        finally:
            for node in nodes:
                node.close()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
