"""Departments, users and their bearer tokens.

Tokens are random 256-bit secrets shown once; only their SHA-256 is stored. A fast hash is right
here: the secret has full entropy, so there is nothing for a slow hash to protect, and the hash
is the lookup key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.center import repository as repo
from catalog.center import security
from catalog.center.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from catalog.center.models import ApiToken, Department, User
from catalog.center.permissions import Actor, require_admin
from catalog.center.service_models import WebSession
from catalog.center.vocab import Role

TOKEN_PREFIX = "ct_"
_USERNAME = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")
_DEPT_CODE = re.compile(r"^[0-9A-Za-z_\-.]{1,64}$")


@dataclass(frozen=True)
class IssuedToken:
    """A token as handed out: the secret itself exists only in this object."""

    user: User
    token: str
    expires_at: datetime


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_department(session: Session, *, code: str, name: str, actor: Actor) -> Department:
    """Register a providing department of this node."""
    require_admin(actor)
    code, name = code.strip(), name.strip()
    if not _DEPT_CODE.match(code):
        raise ValidationFailed.on("code", "1-64 letters, digits, '-', '_' or '.'")
    if not name or len(name) > 200:
        raise ValidationFailed.on("name", "required, at most 200 characters")
    if repo.department_by_code(session, code):
        raise Conflict(f"department {code} already exists", [])
    department = Department(code=code, name=name)
    session.add(department)
    security.record(session, kind="department_created", actor=actor.name, code=code)
    _commit_unique(session, f"department {code} already exists")
    return department


def list_departments(session: Session) -> list[Department]:
    """This node's departments."""
    return list(repo.departments(session))


def create_user(
    session: Session,
    *,
    username: str,
    role: Role,
    department_code: str | None,
    actor: Actor,
    ttl_days: int,
) -> IssuedToken:
    """Create a user and their first token."""
    require_admin(actor)
    if not _USERNAME.match(username):
        raise ValidationFailed.on("username", "1-64 letters, digits, '_', '.', '@' or '-'")
    department = None
    if department_code:
        department = repo.department_by_code(session, department_code)
        if department is None:
            raise ValidationFailed.on("department_code", f"unknown department {department_code}")
    elif role is Role.CATALOGUER:
        raise ValidationFailed.on("department_code", "required for a cataloguer")
    if repo.user_by_username(session, username):
        raise Conflict(f"user {username} already exists")
    user = User(username=username, role=role.value, department=department)
    session.add(user)
    issued = _new_token(session, user, ttl_days)
    security.record(
        session, kind="user_created", actor=actor.name, username=username, role=role.value
    )
    _commit_unique(session, f"user {username} already exists")
    return issued


def issue_token(session: Session, *, username: str, actor: Actor, ttl_days: int) -> IssuedToken:
    """Give an existing user a further token (the old ones keep working until revoked)."""
    require_admin(actor)
    user = repo.user_by_username(session, username)
    if user is None:
        raise NotFound(f"no user {username}")
    issued = _new_token(session, user, ttl_days)
    security.record(session, kind="token_issued", actor=actor.name, username=username)
    session.commit()
    return issued


def revoke_user(session: Session, *, username: str, actor: Actor) -> int:
    """Revoke every live token of a user; returns how many were revoked."""
    require_admin(actor)
    user = repo.user_by_username(session, username)
    if user is None:
        raise NotFound(f"no user {username}")
    now = datetime.now(UTC)
    tokens = repo.live_tokens_of(session, user.id)
    for token in tokens:
        token.revoked_at = now
    # Portal sessions were opened with those tokens: they end with them.
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    security.record(
        session, kind="tokens_revoked", actor=actor.name, username=username, count=len(tokens)
    )
    session.commit()
    return len(tokens)


def authenticate(session: Session, *, token: str, remote: str | None) -> Actor:
    """The actor a bearer token stands for; a bad token is logged and refused."""
    actor = find_actor(session, token=token)
    if actor is None:
        refuse_token(session, token=token, remote=remote)
    return actor


def refuse_token(session: Session, *, token: str, remote: str | None) -> NoReturn:
    """Log a failed authentication and raise the 401."""
    # Only a short, non-secret fingerprint of what was presented goes to the log.
    security.record(
        session,
        kind="auth_failed",
        actor=None,
        remote=remote,
        token_sha256=hash_token(token)[:8],
    )
    session.commit()
    raise Unauthenticated("the token is unknown, expired or revoked")


def find_actor(session: Session, *, token: str) -> Actor | None:
    """The local user a live token belongs to, or None."""
    found = repo.live_token(session, hash_token(token), datetime.now(UTC))
    if found is None:
        return None
    user = found.user
    return Actor(
        username=user.username,
        role=Role(user.role),
        department_code=user.department.code if user.department else None,
        user_id=user.id,
    )


def _new_token(session: Session, user: User, ttl_days: int) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(days=ttl_days)
    session.add(ApiToken(user=user, token_hash=hash_token(token), expires_at=expires_at))
    return IssuedToken(user=user, token=token, expires_at=expires_at)


def _commit_unique(session: Session, message: str) -> None:
    """Commit, turning a lost race on a unique key into a 409 rather than a 500."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(message) from exc
