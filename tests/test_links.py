"""`catalog links check`: every link of the published resources asked once, dead ones listed."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from catalog.center.bulk import publish_bulk
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.db import make_engine, make_sessionmaker
from tests.factories import resource_body
from tests.sync.nodes import free_port


class _Site(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(200 if self.path == "/ok" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def publish_with_links(env, *urls: str) -> None:
    engine = make_engine(env["CATALOG_DATABASE_URL"])
    with make_sessionmaker(engine)() as session:
        links = [{"url": url, "kind": "service"} for url in urls]
        bodies = [ResourceBody.model_validate(resource_body(links=links))]
        node = Node(code="150400", name="赤峰市", url="http://chifeng.test")
        publish_bulk(session, bodies=bodies, actor=Actor.operator(), node=node)
    engine.dispose()


def test_dead_links_are_listed_and_fail_the_command(run, env, site):
    assert run("departments", "create", "D01", "统计局").exit_code == 0
    closed = f"http://127.0.0.1:{free_port()}/service"
    publish_with_links(env, f"{site}/ok", f"{site}/gone", closed)
    result = run("links", "check", "--timeout", "3")
    assert result.exit_code == 1
    assert f"dead: {site}/gone (HTTP 404)" in result.output
    assert f"dead: {closed} (ConnectError" in result.output
    assert "3 links checked, 2 dead" in result.output


def test_json_output_reports_every_link_and_its_resources(run, env, site):
    assert run("departments", "create", "D01", "统计局").exit_code == 0
    publish_with_links(env, f"{site}/ok")
    result = run("links", "check", "--json")
    assert result.exit_code == 0
    [line] = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert line["ok"] is True and line["status"] == 200 and len(line["resources"]) == 1
