"""Shared-repository throughput: upload and download MB/s of one large file, and the node's memory.

Usage (from the checkout):
    .venv/bin/python -m bench.content [--megabytes 1024] [--database-url URL|embedded]
Starts a real node (`catalog serve`) on a throwaway database, uploads a file of random bytes
through POST /api/v1/resources/{id}/content, downloads it again through GET /api/v1/content/{id}
checking its SHA-256, and reads the node process's peak resident memory (VmHWM) before and after.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from pathlib import Path

import httpx
from tests.factories import DEPT
from tests.sync.nodes import NodeProcess

from bench.common import bench_server, throwaway_databases
from catalog.center.vocab import Role

CHUNK = 1024 * 1024


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size so far, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def random_file(path: Path, megabytes: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(megabytes):
            chunk = os.urandom(CHUNK)
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=1024)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with bench_server(args.database_url) as (work, server), throwaway_databases(server) as create:
        node = NodeProcess("150400", create(), work, sync_enabled="false")
        try:
            node.add_department()
            _, cataloguer = node.add_user(Role.CATALOGUER, DEPT)
            _, reader = node.add_user(Role.READER)
            rid = node.publish(share={"type": "unconditional"})
            source = work / "big.bin"
            sha = random_file(source, args.megabytes)
            node.start()
            assert node.process is not None
            before = peak_rss_mb(node.process.pid)
            with httpx.Client(timeout=600) as client, source.open("rb") as file:
                started = time.perf_counter()
                response = client.post(
                    f"{node.url}/api/v1/resources/{rid}/content",
                    files={"file": ("big.bin", file)},
                    headers={"Authorization": f"Bearer {cataloguer}"},
                )
                upload_seconds = time.perf_counter() - started
                response.raise_for_status()
                stored = response.json()
                after_upload = peak_rss_mb(node.process.pid)
                started = time.perf_counter()
                digest = hashlib.sha256()
                with client.stream(
                    "GET",
                    f"{node.url}/api/v1/content/{stored['content_id']}",
                    headers={"Authorization": f"Bearer {reader}"},
                ) as download:
                    for chunk in download.iter_bytes(CHUNK):
                        digest.update(chunk)
                download_seconds = time.perf_counter() - started
                after_download = peak_rss_mb(node.process.pid)
        finally:
            node.close()
    size = args.megabytes
    print(
        json.dumps(
            {
                "benchmark": "content",
                "megabytes": size,
                "upload_seconds": round(upload_seconds, 2),
                "upload_mb_per_second": round(size / upload_seconds, 1),
                "download_seconds": round(download_seconds, 2),
                "download_mb_per_second": round(size / download_seconds, 1),
                "checksums_match": stored["sha256"] == sha == digest.hexdigest(),
                "node_peak_rss_mb": {
                    "before": before,
                    "after_upload": after_upload,
                    "after_download": after_download,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
