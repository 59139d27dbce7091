"""Registration throughput: drafts created and taken through review per second, on a real database.

Usage: .venv/bin/python bench/register.py [--count N] [--threads T] [--database-url URL]
Without a URL it uses a server at 127.0.0.1:5432, else an embedded one. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from catalog.center import people, registry
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.db import make_engine, make_sessionmaker, migrate, normalise_url
from catalog.embedded import start_embedded

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


def _server(tmp: Path) -> str:
    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
        return normalise_url("postgresql://postgres@127.0.0.1:5432/postgres")
    except psycopg.OperationalError:
        return start_embedded(tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        server = normalise_url(args.database_url) if args.database_url else _server(Path(tmp))
        name = f"catalog_bench_{uuid.uuid4().hex[:8]}"
        admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        engine = make_engine(make_url(server).set(database=name).render_as_string(False))
        try:
            migrate(engine)
            sessions = make_sessionmaker(engine)
            operator = Actor.operator()
            node = Node(code="150400", name="赤峰市", url="http://bench")
            with sessions() as session:
                people.create_department(session, code="B01", name="基准部门", actor=operator)
            body = ResourceBody.model_validate(BODY)

            def one(_: int) -> None:
                with sessions() as session:
                    rid = uuid.UUID(
                        registry.register_resource(session, body=body, actor=operator, node=node)[
                            "id"
                        ]
                    )
                    registry.submit_resource(session, resource_id=rid, actor=operator, node=node)
                    registry.approve_resource(session, resource_id=rid, actor=operator, node=node)

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.threads) as pool:
                list(pool.map(one, range(args.count)))
            elapsed = time.perf_counter() - started
        finally:
            engine.dispose()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
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
