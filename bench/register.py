"""Registration throughput: drafts created and taken through review per second, on a real database.

Usage (from the checkout):
    .venv/bin/python -m bench.register [--count N] [--threads T] [--database-url URL|embedded]
Without a URL it uses a server at 127.0.0.1:5432, else an embedded one. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench.common import bench_server, throwaway_databases
from catalog.center import people, registry
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.db import make_engine, make_sessionmaker

BODY = {
    "name": "赤峰市人口基础信息库",
    "abstract": "赤峰市常住人口和户籍人口的基础信息。",
    "department_code": "B01",
    "classification": [{"scheme": "政务信息资源分类", "code": "101001", "name": "人口"}],
    "format": {"category": "database", "type": "KingbaseES"},
    "items": [{"name": f"字段{i}", "data_type": "C", "length": 20} for i in range(20)],
    "share": {"type": "unconditional"},
    "update_cycle": "monthly",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with (
        bench_server(args.database_url) as (_, server),
        throwaway_databases(server) as create_database,
    ):
        engine = make_engine(create_database())
        sessions = make_sessionmaker(engine)
        operator = Actor.operator()
        node = Node(code="150400", name="赤峰市", url="http://bench")
        with sessions() as session:
            people.create_department(session, code="B01", name="基准部门", actor=operator)
        body = ResourceBody.model_validate(BODY)

        def one(_: int) -> None:
            with sessions() as session:
                view = registry.register_resource(session, body=body, actor=operator, node=node)
                rid = uuid.UUID(view["id"])
                registry.submit_resource(session, resource_id=rid, actor=operator, node=node)
                registry.approve_resource(session, resource_id=rid, actor=operator, node=node)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            list(pool.map(one, range(args.count)))
        elapsed = time.perf_counter() - started
        engine.dispose()
    print(
        json.dumps(
            {
                "benchmark": "register_submit_approve",
                "count": args.count,
                "threads": args.threads,
                "seconds": round(elapsed, 3),
                "resources_per_second": round(args.count / elapsed, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
