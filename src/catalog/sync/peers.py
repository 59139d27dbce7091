"""Federation links: children registered at this node, and this node's link to its parent."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.center import security
from catalog.center.errors import Conflict, NotFound, ValidationFailed
from catalog.center.models import SyncPeer
from catalog.center.permissions import Actor, require_admin
from catalog.sync.division import covers
from catalog.sync.signing import ALGORITHMS, DEFAULT_ALG

_CODE = re.compile(r"^\d{6}$")


def add_child(
    session: Session, *, code: str, name: str, url: str, alg: str, own_code: str, actor: Actor
) -> str:
    """Register a child centre and return its new key (shown this once)."""
    require_admin(actor)
    if not _CODE.match(code):
        raise ValidationFailed.on("code", "a six-digit GB/T 2260 division code")
    if code == own_code or not covers(own_code, code):
        raise ValidationFailed.on(
            "code", f"{code} does not lie inside this node's division {own_code}"
        )
    if alg not in ALGORITHMS:
        raise ValidationFailed.on("alg", f"one of {', '.join(ALGORITHMS)}")
    if not re.match(r"^https?://\S+$", url):
        raise ValidationFailed.on("url", "an http or https URL")
    if child(session, code) is not None:
        raise Conflict(f"child {code} is already registered")
    key = _new_key()
    session.add(
        SyncPeer(
            direction="child",
            code=code,
            name=name,
            url=url.rstrip("/"),
            key=key,
            alg=alg,
            enabled=True,
            cursor=0,
            sent=0,
            received=0,
        )
    )
    security.record(session, kind="child_added", actor=actor.name, code=code, alg=alg)
    session.commit()
    return key


def rotate_key(session: Session, *, code: str, actor: Actor) -> str:
    """Issue a child a new key; the old one stops working at once."""
    require_admin(actor)
    peer = _existing_child(session, code)
    peer.key = _new_key()
    security.record(session, kind="child_key_rotated", actor=actor.name, code=code)
    session.commit()
    return peer.key


def disable_child(session: Session, *, code: str, actor: Actor) -> None:
    """Stop accepting a child's requests (its records stay)."""
    require_admin(actor)
    peer = _existing_child(session, code)
    peer.enabled = False
    security.record(session, kind="child_disabled", actor=actor.name, code=code)
    session.commit()


def child(session: Session, code: str) -> SyncPeer | None:
    """A registered child, enabled or not."""
    query = select(SyncPeer).where(SyncPeer.direction == "child", SyncPeer.code == code)
    return session.scalars(query).one_or_none()


def children(session: Session) -> list[SyncPeer]:
    """Every registered child."""
    query = select(SyncPeer).where(SyncPeer.direction == "child").order_by(SyncPeer.code)
    return list(session.scalars(query))


def parent_link(session: Session) -> SyncPeer | None:
    """This node's record of its parent, once it has talked to it."""
    return session.scalars(select(SyncPeer).where(SyncPeer.direction == "parent")).one_or_none()


def ensure_parent_link(session: Session, *, code: str, name: str, url: str) -> SyncPeer:
    """The parent's link row, created at first contact (its key stays in the settings)."""
    peer = parent_link(session)
    if peer is None:
        peer = SyncPeer(
            direction="parent",
            code=code,
            name=name,
            url=url,
            key=None,
            alg=DEFAULT_ALG,
            enabled=True,
            cursor=0,
            sent=0,
            received=0,
        )
        session.add(peer)
    else:
        peer.code, peer.name, peer.url = code, name, url
    session.flush()
    return peer


def note_error(session: Session, peer: SyncPeer, message: str) -> None:
    """Keep the last error of a link for the status page."""
    peer.last_error = message[:2000]
    peer.last_error_at = datetime.now(UTC)


def _existing_child(session: Session, code: str) -> SyncPeer:
    peer = child(session, code)
    if peer is None:
        raise NotFound(f"no child {code} is registered")
    return peer


def _new_key() -> str:
    return secrets.token_urlsafe(32)
