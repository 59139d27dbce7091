"""`catalog catalogue DIR`: a draft for every file of a shared folder, resumable and idempotent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.center.models import Resource, ResourceDraft
from catalog.center.service_models import CataloguedFile
from catalog.db import make_engine, make_sessionmaker
from tests import extract_files as make


@pytest.fixture(autouse=True)
def department(run) -> None:
    assert run("departments", "create", "D01", "统计局").exit_code == 0


@pytest.fixture
def share(tmp_path) -> Path:
    """A department's folder: documents, a table, a map, a damaged file, a copy, a hidden file."""
    root = tmp_path / "share"
    (root / "公报").mkdir(parents=True)
    (root / "地图").mkdir()
    make.pdf(root / "公报" / "2016年统计公报.pdf")
    make.csv_file(root / "人口.csv")
    make.text(root / "总结.txt")
    make.geojson(root / "地图" / "区划.geojson")
    (root / "损坏.pdf").write_bytes(b"%PDF-1.7 truncated")
    (root / "公报" / "副本.csv").write_bytes((root / "人口.csv").read_bytes())
    (root / ".DS_Store").write_bytes(b"\0")
    return root


def drafts(env) -> dict[str, dict]:
    engine = make_engine(env["CATALOG_DATABASE_URL"])
    with make_sessionmaker(engine)() as session:
        rows = session.execute(select(Resource.code, ResourceDraft.body).join(ResourceDraft)).all()
        files = session.scalar(select(func.count()).select_from(CataloguedFile))
    engine.dispose()
    by_name = {body["name"]: body for _code, body in rows}
    assert files == len(rows)
    return by_name


def test_every_distinct_file_becomes_a_draft_of_the_department(run, env, share):
    result = run("catalogue", str(share), "--department", "D01")
    assert result.exit_code == 0, result.output
    assert "5 drafts created, 1 files already catalogued, 1 unreadable" in result.output
    made = drafts(env)
    assert set(made) == {
        "赤峰市2016年国民经济和社会发展统计公报",
        "人口",
        "2016年工作总结",
        "区划",
        "损坏",
    }
    assert made["人口"]["format"] == {"category": "spreadsheet", "type": "csv"}
    assert made["损坏"]["format"] == {"category": "other", "type": "pdf"}
    assert all(body["department_code"] == "D01" for body in made.values())
    assert made["人口"]["location"].endswith("share/人口.csv")


def test_a_second_run_catalogues_nothing_twice(run, env, share):
    run("catalogue", str(share), "--department", "D01")
    (share / "新文件.txt").write_text("新增的说明文件\n")
    result = run("catalogue", str(share), "--department", "D01")
    assert "1 drafts created, 6 files already catalogued" in result.output
    assert len(drafts(env)) == 6


def test_an_unknown_department_is_refused(run, share):
    result = run("catalogue", str(share), "--department", "D99")
    assert result.exit_code == 1
    assert "department_code" in result.output


def test_a_walk_killed_mid_way_resumes_where_its_last_batch_ended(run, env, share):
    catalog = Path(sys.executable).with_name("catalog")
    killed = subprocess.run(
        [str(catalog), "catalogue", str(share), "--department", "D01", "--batch", "2"],
        env={**os.environ, **env, "CATALOG_FAULT_POINT": "catalogue.after_batch"},
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -9
    assert len(drafts(env)) == 2
    result = run("catalogue", str(share), "--department", "D01", "--batch", "2")
    assert result.exit_code == 0, result.output
    assert "3 drafts created" in result.output
    assert len(drafts(env)) == 5


@pytest.mark.parametrize("workers", ["1", "2"])
def test_one_or_several_reading_processes_catalogue_the_same(run, env, share, workers):
    result = run(
        "catalogue", str(share), "--department", "D01", "--batch", "2", "--workers", workers
    )
    assert result.exit_code == 0, result.output
    assert "5 drafts created, 1 files already catalogued, 1 unreadable" in result.output
    assert len(drafts(env)) == 5
