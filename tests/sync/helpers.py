"""Builders for federation tests: batches as a child would send them, and signed requests."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

from catalog.sync.signing import signed_headers
from tests.factories import resource_body

_seq = itertools.count(1)
_code = itertools.count(1)


def resource_copy(
    rid: uuid.UUID,
    version: int,
    *,
    origin: str = "150400",
    status: str = "published",
    **fields: Any,
) -> dict[str, Any]:
    """A resource as GET /api/v1/resources/{id} shows it at its origin."""
    body = resource_body(**fields)
    return {
        **body,
        "id": str(rid),
        "code": f"1010101/{origin}{next(_code):06d}",
        "status": status,
        "version": version,
        "department": {"code": body["department_code"], "name": "赤峰市统计局"},
        "origin": {
            "code": origin,
            "name": "赤峰市政务信息资源目录中心",
            "url": "http://chifeng.test",
        },
        "path": [origin],
        "published_on": "2026-11-01",
        "created_at": "2026-11-01T08:00:00+08:00",
        "updated_at": "2026-11-02T08:00:00+08:00",
        "has_draft": False,
    }


def change(
    rid: uuid.UUID,
    version: int,
    *,
    op: str = "upsert",
    origin: str = "150400",
    path: list[str] | None = None,
    copy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One change of a batch; the resource copy keeps its code across versions if given."""
    status = "retired" if op == "retire" else "published"
    resource = copy or resource_copy(rid, version, origin=origin, status=status)
    resource = {**resource, "version": version, "status": status}
    return {
        "seq": next(_seq),
        "op": op,
        "id": str(rid),
        "version": version,
        "origin": origin,
        "path": path or [origin],
        "resource": resource,
    }


def batch(changes: list[dict[str, Any]], *, node: str = "150400", epoch: str = "e1") -> bytes:
    """A batch body."""
    seqs = [c["seq"] for c in changes] or [0]
    return json.dumps(
        {
            "node": node,
            "epoch": epoch,
            "from_seq": min(seqs),
            "to_seq": max(seqs),
            "changes": changes,
        }
    ).encode()


def signed(
    key: str,
    *,
    node: str = "150400",
    method: str = "POST",
    path: str = "/sync/v1/batches",
    body: bytes = b"",
    alg: str = "hmac-sha256",
) -> dict[str, str]:
    """Headers for a signed request (plus the JSON content type)."""
    headers = signed_headers(key, alg, node=node, method=method, path_query=path, body=body)
    return {**headers, "Content-Type": "application/json"}
