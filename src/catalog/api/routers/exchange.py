"""Exchange formats: importing records (GB/T 21063.3 XML or JSON lines) and the DCAT catalogue."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from catalog.api.deps import NodeDep, ReaderDep, SessionDep, UserDep
from catalog.center import dcat, exchange, xmlsafe
from catalog.center.errors import UnsupportedMediaType, ValidationFailed

router = APIRouter(prefix="/api/v1", tags=["exchange"])

_XML = ("application/xml", "text/xml")
_JSON_LINES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")


async def _body(request: Request) -> tuple[str, bytes]:
    """The request's media type and bytes (already limited by the body-size middleware)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type, await request.body()


@router.post(
    "/import",
    openapi_extra={
        "requestBody": {
            "content": {t: {"schema": {"type": "string"}} for t in (*_XML, *_JSON_LINES)}
        }
    },
)
def import_records(
    body: Annotated[tuple[str, bytes], Depends(_body)],
    session: SessionDep,
    node: NodeDep,
    actor: UserDep,
    department: Annotated[
        str | None,
        Query(
            max_length=64,
            description="for records that name no department (default: the cataloguer's own)",
        ),
    ] = None,
) -> dict[str, Any]:
    """Each record all-or-nothing: valid ones become drafts, each invalid one is reported."""
    media_type, data = body
    if media_type in _XML:
        try:
            candidates = exchange.xml_document(data)
        except xmlsafe.UnsafeXML as error:
            raise ValidationFailed.on("body", str(error)) from None
    elif media_type in _JSON_LINES:
        candidates = exchange.json_lines(data.splitlines())
    else:
        accepted = ", ".join((*_XML, *_JSON_LINES))
        raise UnsupportedMediaType(f"expected one of {accepted}, got {media_type or 'nothing'}")
    report = exchange.import_records(
        session,
        candidates,
        actor=actor,
        node=node,
        department_code=department or actor.department_code,
    )
    return report.as_dict()


@router.get("/dcat")
def dcat_catalogue(
    session: SessionDep,
    node: NodeDep,
    actor: ReaderDep,
    open: Annotated[bool, Query(description="only resources open to the public")] = False,
    limit: Annotated[int, Query(ge=1, le=dcat.MAX_PAGE_SIZE)] = dcat.PAGE_SIZE,
    cursor: Annotated[
        uuid.UUID | None, Query(description="where the previous page ended (its next link)")
    ] = None,
) -> Response:
    """A page of the published catalogue as DCAT JSON-LD; `hydra:view` and the `Link` header
    name the next page."""
    page = dcat.catalogue(session, node=node, open_only=open, limit=limit, after=cursor)
    headers = {"Link": f'<{page.next_url}>; rel="next"'} if page.next_url else {}
    body = json.dumps(page.document, ensure_ascii=False).encode()
    return Response(body, media_type="application/ld+json", headers=headers)
