"""POST /api/v1/extract (uploads), /extract/database and /extract/webpage, and the paper form."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import psycopg
import pymysql
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from catalog.api.app import create_app
from catalog.db import libpq_url
from tests import extract_files as make
from tests.factories import DEPT, auth


def upload(client, token, path, *, name=None, **params):
    with path.open("rb") as file:
        return client.post(
            "/api/v1/extract",
            files={"file": (name or path.name, file)},
            data=params.pop("data", None),
            params=params,
            headers=auth(token),
        )


def resource_total(client, token) -> int:
    return len(client.get("/api/v1/resources?limit=200", headers=auth(token)).json()["items"])


def test_an_upload_is_proposed_and_not_saved(client, cast, tmp_path):
    before = resource_total(client, cast.admin)
    response = upload(client, cast.cataloguer, make.pdf(tmp_path / "公报.pdf"))
    assert response.status_code == 200, response.text
    proposal = response.json()
    assert proposal["name"] == "赤峰市2016年国民经济和社会发展统计公报"
    assert proposal["extracted"]["pages"] == 3
    assert proposal["extracted"]["filename"] == "公报.pdf"
    assert resource_total(client, cast.admin) == before


def test_save_makes_a_draft_with_placeholders_it_names(client, cast, tmp_path):
    response = upload(client, cast.cataloguer, make.xlsx(tmp_path / "名册.xlsx"), save="true")
    assert response.status_code == 200, response.text
    draft = response.json()
    assert draft["status"] == "draft"
    assert draft["department"]["code"] == DEPT
    assert sorted(draft["extracted"]["defaulted"]) == ["classification", "share", "update_cycle"]
    assert draft["share"]["type"] == "none"
    stored = client.get(f"/api/v1/resources/{draft['id']}/draft", headers=auth(cast.cataloguer))
    assert [item["name"] for item in stored.json()["items"]][:2] == ["姓名", "年龄"]


def test_fields_given_with_the_upload_replace_the_placeholders(client, cast, tmp_path):
    given = '{"share": {"type": "unconditional"}, "update_cycle": "yearly"}'
    response = upload(
        client,
        cast.cataloguer,
        make.csv_file(tmp_path / "人口.csv"),
        save="true",
        data={"resource": given},
    )
    draft = response.json()
    assert (draft["share"]["type"], draft["update_cycle"]) == ("unconditional", "yearly")
    assert draft["extracted"]["defaulted"] == ["classification"]


def test_a_reader_may_not_extract_and_anonymous_must_log_in(client, cast, tmp_path):
    path = make.text(tmp_path / "总结.txt")
    assert upload(client, cast.reader, path).status_code == 403
    assert upload(client, None, path).status_code == 401


def test_an_admin_saving_must_name_the_department(client, cast, tmp_path):
    response = upload(client, cast.admin, make.text(tmp_path / "总结.txt"), save="true")
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == "department"


@pytest.mark.parametrize(
    ("builder", "name", "reason"),
    [
        (make.zip_bomb, "报告.docx", "zip bomb"),
        (make.jpeg_with_gps, "报告.pdf", "the name says pdf"),
    ],
)
def test_hostile_uploads_are_refused_with_the_reason(client, cast, tmp_path, builder, name, reason):
    before = resource_total(client, cast.admin)
    made = builder(tmp_path / f"made{builder.__name__}.jpg")
    response = upload(client, cast.cataloguer, made, name=name, save="true")
    assert response.status_code == 422
    [field] = response.json()["fields"]
    assert field["path"] == "file" and reason in field["reason"]
    assert resource_total(client, cast.admin) == before


def test_an_upload_over_the_upload_limit_is_413(settings, engine, cast, tmp_path):
    small = settings.model_copy(update={"max_upload_bytes": 1000})
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 5000)
    with TestClient(create_app(small, engine=engine)) as client:
        assert upload(client, cast.cataloguer, path).status_code == 413


def test_the_paper_template_is_a_form(client, cast):
    response = client.get("/api/v1/extract/template", headers=auth(cast.cataloguer))
    form = {f["field"]: f for f in response.json()["extracted"]["form"]}
    assert form["location"]["required"] is True
    assert {"custodian", "volume"} <= set(form)


# --- databases -------------------------------------------------------------------------------


@pytest.fixture
def census_database(fresh_database) -> dict:
    """A PostgreSQL database with a commented table in schema census, and how to reach it."""
    url = make_url(fresh_database())
    with psycopg.connect(
        libpq_url(url.render_as_string(hide_password=False)), autocommit=True
    ) as conn:
        conn.execute("CREATE SCHEMA census")
        conn.execute("SET search_path TO census")
        conn.execute(
            "CREATE TABLE households (id integer PRIMARY KEY, head varchar(30),"
            " income numeric(10,2), registered date, notes text)"
        )
        conn.execute("COMMENT ON TABLE households IS '贫困户信息表'")
        conn.execute("COMMENT ON COLUMN households.head IS '户主姓名'")
        conn.execute(
            "INSERT INTO households"
            " SELECT g, 'x', 1, current_date, '' FROM generate_series(1, 42) g"
        )
        conn.execute("ANALYZE households")
    return {
        "kind": "postgresql",
        "host": url.host or url.query["host"],
        "port": url.port or 5432,
        "database": url.database,
        "user": url.username or "postgres",
        "password": "s3cret-never-shown",
        "schema": "census",
    }


def test_a_postgresql_database_gives_one_proposal_per_table(client, cast, census_database):
    response = client.post(
        "/api/v1/extract/database", json=census_database, headers=auth(cast.cataloguer)
    )
    assert response.status_code == 200, response.text
    tables = {p["extracted"]["table"]: p for p in response.json()["proposals"]}
    households = tables["census.households"]
    assert households["name"] == "贫困户信息表"
    assert households["format"] == {"category": "database", "type": "PostgreSQL"}
    assert households["extracted"]["rows"] == 42
    items = {i["code"]: i for i in households["items"]}
    assert items["head"]["name"] == "户主姓名" and items["head"]["length"] == 30
    assert [items[c]["data_type"] for c in ("id", "income", "registered", "notes")] == [
        "I",
        "N",
        "D",
        "M",
    ]
    assert "s3cret" not in response.text


def test_save_registers_a_draft_per_table(client, cast, census_database):
    response = client.post(
        "/api/v1/extract/database?save=true", json=census_database, headers=auth(cast.cataloguer)
    )
    [draft] = response.json()["proposals"]
    assert draft["status"] == "draft" and draft["code"]


def test_a_failed_login_names_the_database_and_hides_the_password(client, cast, census_database):
    wrong = {**census_database, "database": "no_such_db_x", "password": "hunter2-secret"}
    response = client.post("/api/v1/extract/database", json=wrong, headers=auth(cast.cataloguer))
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == "database"
    assert "hunter2" not in response.text


def test_missing_connection_details_are_named(client, cast):
    response = client.post(
        "/api/v1/extract/database",
        json={"kind": "mysql", "host": "db"},
        headers=auth(cast.cataloguer),
    )
    assert response.status_code == 422


def test_sqlite_is_read_from_the_drop_folder_only(client, cast, settings):
    import sqlite3

    folder = settings.data_dir / "extract"
    folder.mkdir()
    with sqlite3.connect(folder / "archive.db") as conn:
        conn.execute("CREATE TABLE files (id INTEGER, title VARCHAR(80), filed DATE, size REAL)")
        conn.executemany(
            "INSERT INTO files VALUES (?, 'a', '2017-01-01', 1.5)", [(n,) for n in range(3)]
        )
    ok = client.post(
        "/api/v1/extract/database",
        json={"kind": "sqlite", "path": "archive.db"},
        headers=auth(cast.cataloguer),
    )
    [proposal] = ok.json()["proposals"]
    assert [i["data_type"] for i in proposal["items"]] == ["I", "C", "D", "B"]
    assert proposal["extracted"]["rows"] == 3
    escape = client.post(
        "/api/v1/extract/database",
        json={"kind": "sqlite", "path": "../../etc/passwd"},
        headers=auth(cast.cataloguer),
    )
    assert escape.status_code == 422 and escape.json()["fields"][0]["path"] == "path"


def _mariadb() -> pymysql.Connection | None:
    try:
        return pymysql.connect(
            host="127.0.0.1", port=3306, user="root", password="", connect_timeout=2
        )
    except pymysql.MySQLError:
        return None


def test_a_mysql_database_is_introspected(client, cast):
    conn = _mariadb()
    if conn is None:
        pytest.skip("no MySQL/MariaDB server at 127.0.0.1:3306 on this machine")
    with conn.cursor() as cursor:
        cursor.execute("CREATE DATABASE IF NOT EXISTS catalog_extract_test")
        cursor.execute("DROP TABLE IF EXISTS catalog_extract_test.permits")
        cursor.execute(
            "CREATE TABLE catalog_extract_test.permits"
            " (id INT, holder VARCHAR(50) COMMENT '持证人', issued DATETIME, valid TINYINT(1),"
            " fee DECIMAL(8,2)) COMMENT='许可证信息'"
        )
    source = {
        "kind": "mysql",
        "host": "127.0.0.1",
        "port": 3306,
        "database": "catalog_extract_test",
        "user": "root",
    }
    try:
        response = client.post(
            "/api/v1/extract/database", json=source, headers=auth(cast.cataloguer)
        )
    finally:
        with conn.cursor() as cursor:
            cursor.execute("DROP DATABASE catalog_extract_test")
        conn.close()
    [proposal] = response.json()["proposals"]
    assert proposal["name"] == "许可证信息"
    assert [i["data_type"] for i in proposal["items"]] == ["I", "C", "T", "L", "N"]
    assert proposal["items"][1]["name"] == "持证人"


# --- web pages -------------------------------------------------------------------------------

PAGE = (
    '<html lang="zh-CN"><head><title>赤峰市人民政府</title>'
    '<meta name="description" content="政务公开与政务服务">'
    '<meta name="keywords" content="政务公开，服务">'
    "</head><body>...</body></html>"
).encode()


class _Site(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Last-Modified", "Wed, 15 Mar 2017 08:00:00 GMT")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch(client, token, url):
    return client.post("/api/v1/extract/webpage", json={"url": url}, headers=auth(token))


@pytest.fixture
def intranet_client(settings, engine, session) -> Iterator[TestClient]:
    """A node whose address rules allow 127.0.0.1 (standing in for an intranet range)."""
    from catalog.api.deps import get_session

    allowed = settings.model_copy(update={"fetch_allow": ["127.0.0.1/32"]})
    app = create_app(allowed, engine=engine)
    app.dependency_overrides[get_session] = lambda: session
    with TestClient(app) as client:
        yield client


def test_a_page_is_proposed_from_its_head_and_headers(intranet_client, cast, site):
    response = fetch(intranet_client, cast.cataloguer, site + "/index.html")
    assert response.status_code == 200, response.text
    proposal = response.json()
    assert proposal["name"] == "赤峰市人民政府"
    assert proposal["abstract"] == "政务公开与政务服务"
    assert proposal["keywords"] == ["政务公开", "服务"]
    assert proposal["links"] == [{"url": site + "/index.html", "kind": "page"}]
    assert proposal["extracted"]["language"] == "zh-CN"
    assert proposal["extracted"]["modified"] == "2017-03-15"


def test_loopback_is_refused_by_default(client, cast, site):
    response = fetch(client, cast.cataloguer, site + "/index.html")
    assert response.status_code == 422
    assert "may not fetch" in response.json()["fields"][0]["reason"]


def test_a_redirect_to_a_refused_address_is_refused(intranet_client, cast, site):
    response = fetch(intranet_client, cast.cataloguer, site + "/moved")
    assert response.status_code == 422
    assert "169.254.169.254" in response.json()["fields"][0]["reason"]


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "http://"])
def test_only_http_and_https_urls_are_fetched(client, cast, url):
    response = fetch(client, cast.cataloguer, url)
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == "url"
