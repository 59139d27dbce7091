"""GET /healthz: is this node up, and can it reach its database."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from catalog.db import ping

router = APIRouter(tags=["node"])


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    """200 when the database answers, 503 `degraded` when it does not."""
    node = request.app.state.node
    if ping(request.app.state.engine):
        body = {"status": "ok", "node": {"code": node.code, "name": node.name}, "database": "ok"}
        return JSONResponse(body)
    body = {
        "status": "degraded",
        "node": {"code": node.code, "name": node.name},
        "database": "unavailable",
    }
    return JSONResponse(body, status_code=503)
