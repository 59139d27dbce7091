"""Portal sessions: a login with username and token becomes a server-side session.

The browser keeps a random session id in an HttpOnly cookie; the database keeps its SHA-256
(as with API tokens, the stored form is useless to a thief), who the session acts for, and the
CSRF token every form of the session must carry. A session lives eight hours; revoking a user's
tokens ends their sessions too (people.revoke_user deletes them).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from catalog.center import security
from catalog.center.permissions import Actor
from catalog.center.service_models import WebSession
from catalog.center.vocab import Role

LIFETIME = timedelta(hours=8)


@dataclass(frozen=True)
class Started:
    """A new session: the cookie value (shown once) and its CSRF token."""

    session_id: str
    csrf: str


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(session: Session, *, actor: Actor, remote: str | None) -> Started:
    """Open a session for an authenticated actor."""
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    assert actor.username is not None and actor.role is not None
    session.add(
        WebSession(
            id_hash=_hash(session_id),
            username=actor.username,
            role=actor.role.value,
            department_code=actor.department_code,
            home_node=actor.home_node,
            user_id=actor.user_id,
            csrf=csrf,
            expires_at=datetime.now(UTC) + LIFETIME,
        )
    )
    security.record(session, kind="portal_login", actor=actor.name, remote=remote)
    session.commit()
    return Started(session_id=session_id, csrf=csrf)


def find(session: Session, session_id: str | None) -> tuple[Actor, str] | None:
    """The actor and CSRF token of a live session, or None."""
    if not session_id:
        return None
    row = session.scalars(
        select(WebSession).where(
            WebSession.id_hash == _hash(session_id), WebSession.expires_at > datetime.now(UTC)
        )
    ).first()
    if row is None:
        return None
    actor = Actor(
        username=row.username,
        role=Role(row.role),
        department_code=row.department_code,
        user_id=row.user_id,
        home_node=row.home_node,
    )
    return actor, row.csrf


def end(session: Session, session_id: str | None) -> None:
    """Log out: the session row goes."""
    if session_id:
        session.execute(delete(WebSession).where(WebSession.id_hash == _hash(session_id)))
        session.commit()


def csrf_matches(expected: str | None, presented: str | None) -> bool:
    """Constant-time comparison of CSRF tokens."""
    return bool(expected and presented and hmac.compare_digest(expected, presented))
