"""Small typed dependencies: the request's session, this node, and who is asking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from catalog.center import people
from catalog.center.content import ContentStore
from catalog.center.errors import Unauthenticated, UnsupportedMediaType
from catalog.center.node import Node
from catalog.center.permissions import Actor, require_user
from catalog.config import Settings
from catalog.sync.introspect import Introspector


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; whatever the service did not commit is rolled back."""
    with request.app.state.sessions() as session:
        yield session


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_node(request: Request) -> Node:
    """This node's identity."""
    node: Node = request.app.state.node
    return node


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NodeDep = Annotated[Node, Depends(get_node)]


def current_actor(request: Request, session: SessionDep) -> Actor:
    """The user of the bearer token, or anonymous when none was sent; a bad token is a 401.

    A token this node does not know may belong to a user of an ancestor centre: the parent is
    asked (cached), and such a user acts here as a federated reader.
    """
    header = request.headers.get("authorization")
    if not header:
        return Actor.anonymous()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use 'Authorization: Bearer <token>'")
    token = token.strip()
    actor = actor_for_token(request, session, token)
    if actor is not None:
        return actor
    people.refuse_token(
        session, token=token, remote=request.client.host if request.client else None
    )


def actor_for_token(request: Request, session: Session, token: str) -> Actor | None:
    """The user a token belongs to: one of this node's, or a user of an ancestor (asked of the
    parent, cached) acting here as a federated reader; None when nobody vouches for it."""
    actor = people.find_actor(session, token=token)
    if actor is not None:
        return actor
    introspector: Introspector | None = request.app.state.introspector
    if introspector is not None:
        answer = introspector.lookup(token)
        if answer.active and answer.username and answer.node:
            return Actor.federated(answer.username, answer.node)
    return None


def reader(actor: Annotated[Actor, Depends(current_actor)], settings: SettingsDep) -> Actor:
    """Anyone allowed to read: anonymous callers too while anonymous reading is on."""
    if actor.is_anonymous and not settings.anonymous_read:
        raise Unauthenticated("this node requires a bearer token for reading")
    return actor


def user(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """A caller with a valid token."""
    require_user(actor)
    return actor


ReaderDep = Annotated[Actor, Depends(reader)]
UserDep = Annotated[Actor, Depends(user)]


def require_json(request: Request) -> None:
    """Bodies of the JSON endpoints must say they are JSON (415 otherwise)."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    has_body = (
        request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    )
    if not has_body:
        return
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(f"expected application/json, got {media_type or 'nothing'}")


def get_store(request: Request) -> ContentStore:
    """The node's content store (the shared repository's bytes)."""
    store: ContentStore = request.app.state.content_store
    return store


StoreDep = Annotated[ContentStore, Depends(get_store)]
