"""GET /healthz: 200 with the database, 503 `degraded` without it."""

from __future__ import annotations

import socket

from fastapi.testclient import TestClient

from catalog.api.app import create_app
from catalog.db import make_engine


def test_healthz_reports_the_node_and_its_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "node": {"code": "150000", "name": "内蒙古自治区政务信息资源目录中心"},
        "database": "ok",
    }


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_healthz_is_503_when_the_database_is_down(settings):
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{_closed_port()}/catalog")
    with TestClient(create_app(settings, engine=engine)) as client:
        response = client.get("/healthz")
    engine.dispose()
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["database"] == "unavailable"


def test_the_node_describes_itself(client):
    node = client.get("/api/v1/node").json()
    assert node["code"] == "150000"
    assert node["url"] == "http://region.test"
    assert node["parent"] is None
    assert node["children"] == []
