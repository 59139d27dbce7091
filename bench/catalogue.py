"""Cataloguing throughput: files per second for `catalog catalogue` over a folder of mixed files.

Usage (from the checkout):
    .venv/bin/python -m bench.catalogue [--files N] [--batch B] [--database-url URL|embedded]
Builds N small files of the kinds a department's share holds (text, CSV, PDF, HTML, Word, Excel,
GeoJSON, photos, recordings; every one distinct), runs the real command on them against a
throwaway database, and prints one JSON object. Without a URL it uses a server at
127.0.0.1:5432, else an embedded one.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import time
import wave
import zipfile
from collections import Counter
from pathlib import Path

from tests import extract_files as make

from bench.common import bench_server, throwaway_databases

# The mix, by share of the files (a department share is mostly documents and tables).
MIX = {
    "txt": 30,
    "csv": 20,
    "pdf": 15,
    "html": 10,
    "docx": 10,
    "xlsx": 5,
    "geojson": 5,
    "jpg": 3,
    "wav": 2,
}


def build(folder: Path, count: int) -> Counter[str]:
    """`count` distinct files in sub-folders of 500, in the proportions of MIX."""
    templates = folder / ".templates"
    templates.mkdir(parents=True)
    pdf = make.pdf(templates / "t.pdf").read_bytes()
    docx = make.docx(templates / "t.docx")
    xlsx = make.xlsx(templates / "t.xlsx", rows=50)
    jpg = make.jpeg_with_gps(templates / "t.jpg").read_bytes()
    kinds = [kind for kind, share in MIX.items() for _ in range(share)]
    made: Counter[str] = Counter()
    for n in range(count):
        kind = kinds[n % len(kinds)]
        target = folder / f"dir{n // 500:03d}" / f"文件{n:06d}.{kind}"
        target.parent.mkdir(exist_ok=True)
        _write(kind, target, n, pdf=pdf, docx=docx, xlsx=xlsx, jpg=jpg)
        made[kind] += 1
    return made


def _write(
    kind: str, target: Path, n: int, *, pdf: bytes, docx: Path, xlsx: Path, jpg: bytes
) -> None:
    if kind == "txt":
        target.write_text(f"第{n}号工作报告\n\n本报告说明第{n}项工作的进展情况。\n")
    elif kind == "csv":
        rows = "\n".join(f"{n}-{i},{i * 7},{i * 1.5},2017-01-{1 + i % 28:02d}" for i in range(40))
        target.write_text(f"编号,数量,金额,日期\n{rows}\n")
    elif kind == "pdf":
        target.write_bytes(pdf + f"%{n}\n".encode())
    elif kind == "html":
        target.write_text(
            f'<html lang="zh-CN"><head><title>第{n}号公告</title>'
            f'<meta name="description" content="公告{n}"></head><body>正文</body></html>'
        )
    elif kind in ("docx", "xlsx"):
        _zip_copy(docx if kind == "docx" else xlsx, target, comment=str(n).encode())
    elif kind == "geojson":
        feature = {"type": "Point", "coordinates": [117 + n % 5, 42 + n % 3]}
        target.write_text(
            json.dumps({"type": "Feature", "geometry": feature, "properties": {"n": n}})
        )
    elif kind == "jpg":
        target.write_bytes(jpg + str(n).encode())
    elif kind == "wav":
        with wave.open(str(target), "wb") as audio:
            audio.setnchannels(1)
            audio.setsampwidth(2)
            audio.setframerate(8000)
            audio.writeframes(struct.pack("<i", n) + b"\0" * 8000)


def _zip_copy(source: Path, target: Path, *, comment: bytes) -> None:
    target.write_bytes(source.read_bytes())
    with zipfile.ZipFile(target, "a") as archive:
        archive.comment = comment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with bench_server(args.database_url) as (work, server), throwaway_databases(server) as create:
        share = work / "share"
        made = build(share, args.files)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")},
            "CATALOG_DATABASE_URL": create(),
            "CATALOG_DATA_DIR": str(work / "data"),
            "CATALOG_NODE_CODE": "150400",
        }
        catalog = str(Path(sys.executable).with_name("catalog"))
        subprocess.run(
            [catalog, "departments", "create", "B01", "统计局"],
            env=env,
            check=True,
            capture_output=True,
        )
        started = time.perf_counter()
        done = subprocess.run(
            [catalog, "catalogue", str(share), "--department", "B01", "--batch", str(args.batch)],
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        summary = (
            done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
        )
    print(
        json.dumps(
            {
                "benchmark": "catalogue",
                "files": args.files,
                "mix": dict(made),
                "batch": args.batch,
                "seconds": round(seconds, 2),
                "files_per_second": round(args.files / seconds, 1),
                "exit_code": done.returncode,
                "summary": summary,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
