"""Builders for test data: departments, users with tokens, resource bodies, and workflow steps."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from catalog.center import people
from catalog.center.permissions import Actor
from catalog.center.vocab import Role

_serial = itertools.count(1)

DEPT = "D01"
OTHER_DEPT = "D02"

VALID_BODY: dict[str, Any] = {
    "name": "赤峰市人口基础信息库",
    "abstract": "赤峰市常住人口和户籍人口的基础信息，供各部门共享比对。",
    "department_code": DEPT,
    "classification": [{"scheme": "政务信息资源分类", "code": "1010101", "name": "人口"}],
    "format": {"category": "database", "type": "KingbaseES"},
    "keywords": ["人口", "户籍"],
    "items": [
        {"name": "公民身份号码", "code": "GMSFHM", "data_type": "C", "length": 18},
        {"name": "出生日期", "data_type": "D"},
    ],
    "share": {"type": "conditional", "condition": "仅限政务用途", "method": "共享平台方式"},
    "open": {"to_public": False},
    "secret": False,
    "update_cycle": "monthly",
    "links": [{"url": "http://data.chifeng.gov.cn/rk", "kind": "service", "title": "接口"}],
    "spatial": {"bbox": [116.2, 41.3, 121.0, 45.4], "region_code": "150400"},
    "temporal": {"start": "2015-01-01", "end": "2017-12-31"},
    "related_codes": ["1010101/150400000001"],
    "location": "赤峰市政务服务中心机房",
}


def resource_body(**overrides: Any) -> dict[str, Any]:
    """A valid resource body; keyword arguments replace top-level fields."""
    body = copy.deepcopy(VALID_BODY)
    body.update(overrides)
    return body


def make_department(session: Session, code: str, name: str | None = None) -> None:
    """A department of the node."""
    people.create_department(session, code=code, name=name or f"部门{code}", actor=Actor.operator())


def make_user(session: Session, role: Role, department: str | None = None) -> str:
    """A user of the given role; returns their token."""
    issued = people.create_user(
        session,
        username=f"{role.value}{next(_serial)}",
        role=role,
        department_code=department,
        actor=Actor.operator(),
        ttl_days=30,
    )
    return issued.token


@dataclass(frozen=True)
class Cast:
    """Tokens of one user per role; the cataloguer and dept_reader belong to DEPT."""

    admin: str
    reviewer: str
    cataloguer: str
    other_cataloguer: str
    reader: str
    dept_reader: str


def make_cast(session: Session) -> Cast:
    """Departments DEPT and OTHER_DEPT and a user of every role."""
    make_department(session, DEPT, "赤峰市统计局")
    make_department(session, OTHER_DEPT, "赤峰市公安局")
    return Cast(
        admin=make_user(session, Role.ADMIN),
        reviewer=make_user(session, Role.REVIEWER),
        cataloguer=make_user(session, Role.CATALOGUER, DEPT),
        other_cataloguer=make_user(session, Role.CATALOGUER, OTHER_DEPT),
        reader=make_user(session, Role.READER),
        dept_reader=make_user(session, Role.READER, DEPT),
    )


def auth(token: str | None) -> dict[str, str]:
    """Headers for a request as the holder of `token` (anonymous for None)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def create(
    client: TestClient, cast: Cast, *, token: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """A new draft, created by DEPT's cataloguer (or the holder of `token`)."""
    response = client.post(
        "/api/v1/resources", json=resource_body(**overrides), headers=auth(token or cast.cataloguer)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def act(client: TestClient, token: str, resource_id: str, action: str, **body: Any) -> Any:
    """POST a workflow action and return the response."""
    return client.post(
        f"/api/v1/resources/{resource_id}/{action}", json=body or None, headers=auth(token)
    )


def submitted(
    client: TestClient, cast: Cast, *, token: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """A draft that has been submitted for review."""
    resource = create(client, cast, token=token, **overrides)
    assert act(client, token or cast.cataloguer, resource["id"], "submit").status_code == 200
    return resource


def published(
    client: TestClient, cast: Cast, *, token: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """A resource that has been approved once (version 1)."""
    resource = submitted(client, cast, token=token, **overrides)
    response = act(client, cast.reviewer, resource["id"], "approve")
    assert response.status_code == 200, response.text
    return dict(response.json())


def approve_changes(client: TestClient, cast: Cast, resource_id: str, **changes: Any) -> None:
    """A new version of a published resource: its draft edited with `changes`, submitted and
    approved."""
    body = resource_body(**changes)
    headers = auth(cast.cataloguer)
    assert client.put(f"/api/v1/resources/{resource_id}", json=body, headers=headers).is_success
    assert act(client, cast.cataloguer, resource_id, "submit").is_success
    assert act(client, cast.reviewer, resource_id, "approve").is_success


def rejected(client: TestClient, cast: Cast, **overrides: Any) -> dict[str, Any]:
    """A submitted draft that a reviewer sent back."""
    resource = submitted(client, cast, **overrides)
    response = act(client, cast.reviewer, resource["id"], "reject", reason="摘要不完整")
    assert response.status_code == 200, response.text
    return dict(response.json())


def retired(client: TestClient, cast: Cast, **overrides: Any) -> dict[str, Any]:
    """A published resource that has been withdrawn."""
    resource = published(client, cast, **overrides)
    response = act(client, cast.reviewer, resource["id"], "retire", reason="已停止维护")
    assert response.status_code == 200, response.text
    return dict(response.json())
