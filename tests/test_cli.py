"""The `catalog` command's administration: departments and users from the console."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from catalog.cli import app


@pytest.fixture
def run(fresh_database, tmp_path):
    env = {
        "CATALOG_DATABASE_URL": fresh_database(),
        "CATALOG_DATA_DIR": str(tmp_path),
        "CATALOG_NODE_CODE": "150400",
        "CATALOG_NODE_NAME": "赤峰市政务信息资源目录中心",
    }
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), env=env)

    return invoke


def test_users_create_prints_the_token_as_the_last_line(run):
    assert run("departments", "create", "D01", "赤峰市统计局").exit_code == 0
    result = run("users", "create", "liu", "--role", "cataloguer", "--department", "D01")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("ct_")


def test_a_cataloguer_without_department_is_refused_with_the_field(run):
    result = run("users", "create", "liu", "--role", "cataloguer")
    assert result.exit_code == 1
    assert "department_code" in result.output


def test_an_unknown_role_is_refused(run):
    result = run("users", "create", "liu", "--role", "boss")
    assert result.exit_code != 0


def test_a_duplicate_department_is_refused(run):
    run("departments", "create", "D01", "赤峰市统计局")
    result = run("departments", "create", "D01", "赤峰市统计局")
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_users_revoke_revokes_every_token(run):
    run("users", "create", "wang", "--role", "reader")
    run("users", "token", "wang")
    result = run("users", "revoke", "wang")
    assert result.exit_code == 0
    assert "2 token(s)" in result.output


def test_migrate_is_idempotent(run):
    assert run("migrate").exit_code == 0
    assert run("migrate").exit_code == 0
