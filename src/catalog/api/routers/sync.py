"""The federation endpoints: node-to-node (signed) under /sync/v1, and the sync status."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from catalog.api.deps import NodeDep, ReaderDep, SessionDep, SettingsDep
from catalog.center import people
from catalog.center.errors import (
    FieldError,
    Forbidden,
    PayloadTooLarge,
    ValidationFailed,
    validation_fields,
)
from catalog.center.feed import current_epoch
from catalog.sync import digest, outbox, peers
from catalog.sync.auth import NodeSender, authenticate_node
from catalog.sync.ingest import apply_batch
from catalog.sync.introspect import Introspector
from catalog.sync.status import sync_status
from catalog.sync.wire import MAX_BATCH_BYTES, MAX_CHANGES, BatchIn

router = APIRouter(tags=["federation"])

Body = TypeVar("Body", bound=BaseModel)
_BUCKET = r"^[0-9a-f]$"
_ORIGIN = r"^\d{6}$"


async def raw_body(request: Request) -> bytes:
    """The exact bytes that were signed."""
    return await request.body()


def signed_node(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    body: Annotated[bytes, Depends(raw_body)],
) -> NodeSender:
    """The verified peer that signed this request (401 otherwise)."""
    query = request.url.query
    return authenticate_node(
        session,
        method=request.method,
        path_query=request.url.path + (f"?{query}" if query else ""),
        headers=request.headers,
        body=body,
        own_code=settings.node_code,
        parent_key=settings.node_key.get_secret_value() if settings.node_key else None,
        remote=request.client.host if request.client else None,
    )


SenderDep = Annotated[NodeSender, Depends(signed_node)]


def _parsed(model: type[Body], body: bytes, detail: str) -> Body:
    """A signed request's body as `model`, or a 422 naming each bad field (`body` for bad JSON).

    orjson then pydantic on the objects: 40 % faster than pydantic on the bytes for a batch.
    """
    try:
        return model.model_validate(orjson.loads(body))
    except orjson.JSONDecodeError:
        raise ValidationFailed(detail, [FieldError("body", "not valid JSON")]) from None
    except ValidationError as exc:
        raise ValidationFailed(detail, validation_fields(exc.errors())) from None


def _json(content: bytes) -> Response:
    return Response(content=content, media_type="application/json")


@router.post("/sync/v1/batches")
def receive_batch(
    sender: SenderDep,
    session: SessionDep,
    node: NodeDep,
    body: Annotated[bytes, Depends(raw_body)],
) -> dict[str, int]:
    """Apply a batch pushed by a registered child."""
    if sender.relation != "child":
        raise Forbidden("only a registered child may push batches here")
    if len(body) > MAX_BATCH_BYTES:
        raise PayloadTooLarge(f"a batch may hold at most {MAX_BATCH_BYTES} bytes")
    peer = peers.child(session, sender.code)
    assert peer is not None
    batch = _parsed(BatchIn, body, "malformed batch")
    try:
        result = apply_batch(session, peer=peer, batch=batch, own=node)
    except Forbidden as refusal:
        _remember_refusal(session, sender.code, refusal.detail)
        raise
    return {"ack": result.ack, "applied": result.applied, "skipped": result.skipped}


def _remember_refusal(session: Session, code: str, detail: str) -> None:
    session.rollback()
    peer = peers.child(session, code)
    if peer is not None:
        peers.note_error(session, peer, detail)
        session.commit()


@router.get("/sync/v1/changes")
def serve_changes(
    sender: SenderDep,
    session: SessionDep,
    node: NodeDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_CHANGES)] = MAX_CHANGES,
) -> Response:
    """A batch of this node's feed after `after`, for a parent harvesting it."""
    if sender.relation != "parent":
        raise Forbidden("only this node's parent may harvest its feed")
    epoch = current_epoch(session)
    session.commit()
    batch = outbox.read_batch(session, node=node.code, epoch=epoch, after=after, limit=limit)
    if batch is None:
        empty = outbox.encode_empty(
            node=node.code, epoch=epoch, seq=after, extra=',"next_after":null'
        )
        return _json(empty)
    next_after = batch.to_seq if batch.count == limit else None
    more = "null" if next_after is None else str(next_after)
    return _json(batch.body[:-1] + f',"next_after":{more}}}'.encode())


@router.get("/sync/v1/digest")
def serve_digest(
    sender: SenderDep,
    session: SessionDep,
    origin: Annotated[str | None, Query(pattern=_ORIGIN)] = None,
) -> dict[str, Any]:
    """Per-bucket digests of the records held from `origin` (without it: the origins held)."""
    if origin is None:
        return {"origins": digest.origins(session)}
    return digest.digest(session, origin)


@router.get("/sync/v1/digest/{bucket}")
def serve_bucket(
    bucket: Annotated[str, Path(pattern=_BUCKET)],
    sender: SenderDep,
    session: SessionDep,
    origin: Annotated[str, Query(pattern=_ORIGIN)],
) -> list[list[Any]]:
    """The (id, version) pairs of one bucket."""
    return [[rid, version] for rid, version in digest.entries(session, origin, bucket)]


class RecordsIn(BaseModel):
    ids: list[uuid.UUID] = Field(max_length=MAX_CHANGES)


@router.post("/sync/v1/records")
def serve_records(
    sender: SenderDep,
    session: SessionDep,
    node: NodeDep,
    body: Annotated[bytes, Depends(raw_body)],
) -> Response:
    """A batch holding the named records, for repair."""
    wanted = _parsed(RecordsIn, body, "malformed request")
    epoch = current_epoch(session)
    rows = [
        (
            index + 1,
            "retire" if r.status == "retired" else "upsert",
            r.id,
            r.version,
            r.origin_code,
            _dumps(list(r.path)),
            _dumps(view),
        )
        for index, (r, view) in enumerate(digest.records(session, wanted.ids))
    ]
    if not rows:
        return _json(outbox.encode_empty(node=node.code, epoch=epoch, seq=0))
    return _json(outbox.encode(node=node.code, epoch=epoch, rows=rows).body)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class TokenIn(BaseModel):
    token: str = Field(min_length=1, max_length=512)


@router.post("/api/v1/auth/introspect")
def introspect(
    request: Request,
    sender: SenderDep,
    session: SessionDep,
    node: NodeDep,
    body: Annotated[bytes, Depends(raw_body)],
) -> dict[str, Any]:
    """Tell a child who a bearer token belongs to (RFC 7662 style), asking upward if need be."""
    if sender.relation != "child":
        raise Forbidden("only a registered child may introspect tokens here")
    token = _parsed(TokenIn, body, "malformed request").token
    actor = people.find_actor(session, token=token)
    if actor is not None and actor.role is not None:
        return {
            "active": True,
            "username": actor.username,
            "node": node.code,
            "role": actor.role.value,
        }
    introspector: Introspector | None = request.app.state.introspector
    return introspector.lookup(token).as_dict() if introspector else {"active": False}


@router.get("/api/v1/sync/status")
def status(session: SessionDep, settings: SettingsDep, actor: ReaderDep) -> dict[str, Any]:
    """Cursor, backlog, lag, last success and error, and counts for every link."""
    return sync_status(session, parent_url=settings.parent_url)
