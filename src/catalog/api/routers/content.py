"""The shared repository and acquisition: content upload and download, datasets, access requests."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from catalog.api.deps import NodeDep, ReaderDep, SessionDep, SettingsDep, StoreDep, UserDep
from catalog.center import acquisition, content, datasets
from catalog.center.schemas import Storable
from catalog.center.service_models import ContentObject

router = APIRouter(prefix="/api/v1", tags=["acquisition"])

ResourceId = uuid.UUID


class AccessRequestIn(BaseModel):
    purpose: Annotated[str, Field(min_length=1, max_length=2000), Storable]
    until: date


class Reason(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=2000), Storable]


@router.post("/resources/{resource_id}/content", status_code=201)
def upload(
    resource_id: ResourceId,
    file: Annotated[
        UploadFile, File(description="the content: any format, any size up to the limit")
    ],
    session: SessionDep,
    node: NodeDep,
    settings: SettingsDep,
    store: StoreDep,
    actor: UserDep,
) -> Response:
    """Keep a file in the department's shared repository (201; 200 when the resource has it)."""
    view, created = content.add_content(
        session,
        store=store,
        resource_id=resource_id,
        actor=actor,
        node=node,
        source=file.file,
        filename=file.filename,
        max_bytes=settings.max_upload_bytes,
    )
    return JSONResponse(view, status_code=201 if created else 200)


@router.get("/resources/{resource_id}/content")
def list_content(
    resource_id: ResourceId, session: SessionDep, actor: ReaderDep
) -> list[dict[str, Any]]:
    """The resource's content objects (what there is; fetching the bytes needs a right)."""
    return content.list_content(session, resource_id=resource_id, actor=actor)


@router.get("/content/{content_id}", response_class=FileResponse)
def download(
    content_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    node: NodeDep,
    store: StoreDep,
    actor: UserDep,
) -> Response:
    """The bytes, by share type; Range (seeking), ETag (the SHA-256) and If-None-Match."""
    found, path = content.downloadable(
        session, store=store, content_id=content_id, actor=actor, node=node
    )
    return file_response(request, found, path)


def file_response(request: Request, found: ContentObject, path: Path) -> Response:
    """The bytes of a content object: Range (seeking), ETag (the SHA-256), If-None-Match, the
    sniffed type and its file name; the API's download and the portal's share it."""
    etag = f'"{found.sha256}"'
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"ETag": etag})
    return FileResponse(
        path,
        media_type=found.media_type,
        filename=found.filename,
        headers={"ETag": etag, "Cache-Control": "private, no-cache"},
    )


@router.get("/resources/{resource_id}/dataset", response_model=None)
def dataset(
    resource_id: ResourceId,
    request: Request,
    session: SessionDep,
    node: NodeDep,
    actor: UserDep,
    content_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    format: Literal["json", "csv"] = "json",
) -> dict[str, Any] | StreamingResponse:
    """Rows of tabular content, filtered by `where.<column>=<value>`, in pages (or all as CSV)."""
    where = {
        key.removeprefix("where."): value
        for key, value in request.query_params.items()
        if key.startswith("where.")
    }
    if format == "csv":
        found, rows = datasets.export(
            session,
            resource_id=resource_id,
            content_id=content_id,
            actor=actor,
            node=node,
            where=where,
        )
        columns = found.columns or []
        return StreamingResponse(
            _csv(columns, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{found.id}.csv"'},
        )
    found, page, next_cursor = datasets.query(
        session,
        resource_id=resource_id,
        content_id=content_id,
        actor=actor,
        node=node,
        where=where,
        limit=limit,
        cursor=cursor,
    )
    return {
        "content_id": str(found.id),
        "columns": found.columns,
        "total_rows": found.rows,
        "rows": [data for _number, data in page],
        "next_cursor": next_cursor,
    }


def _csv(columns: list[str], rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # so spreadsheet programs read the Chinese as UTF-8
    writer.writerow(columns)
    for count, row in enumerate(rows, start=1):
        writer.writerow([row.get(column) for column in columns])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@router.post("/resources/{resource_id}/access-requests", status_code=201)
def request_access(
    resource_id: ResourceId,
    body: AccessRequestIn,
    session: SessionDep,
    node: NodeDep,
    actor: UserDep,
) -> dict[str, Any]:
    """Ask for a conditional resource (any user, federated readers too)."""
    return acquisition.request_access(
        session,
        resource_id=resource_id,
        actor=actor,
        node=node,
        purpose=body.purpose,
        until=body.until,
    )


@router.post("/access-requests/{request_id}/approve")
def approve(request_id: uuid.UUID, session: SessionDep, actor: UserDep) -> dict[str, Any]:
    """Grant access until the requested date (reviewer or admin of this node)."""
    return acquisition.decide(session, request_id=request_id, actor=actor, approve=True)


@router.post("/access-requests/{request_id}/deny")
def deny(
    request_id: uuid.UUID, body: Annotated[Reason, Body()], session: SessionDep, actor: UserDep
) -> dict[str, Any]:
    """Refuse, with a reason (reviewer or admin of this node)."""
    return acquisition.decide(
        session, request_id=request_id, actor=actor, approve=False, reason=body.reason
    )


@router.get("/access-requests")
def list_requests(session: SessionDep, node: NodeDep, actor: UserDep) -> list[dict[str, Any]]:
    """My requests; reviewers and admins see all of this node's."""
    return acquisition.list_requests(session, actor=actor, node=node)


@router.get("/resources/{resource_id}/access-log")
def access_log(
    resource_id: ResourceId,
    session: SessionDep,
    actor: UserDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Who uploaded, asked, was granted or denied, and downloaded (newest first)."""
    return acquisition.access_log(session, resource_id=resource_id, actor=actor, limit=limit)
