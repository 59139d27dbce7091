"""All queries of the centre's domain. Nothing here commits: the service functions do."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.center.models import (
    ApiToken,
    AuditEvent,
    Department,
    Resource,
    ResourceDraft,
    SecurityEvent,
    User,
)


def department_by_code(session: Session, code: str) -> Department | None:
    """The department with this code, if any."""
    return session.scalars(select(Department).where(Department.code == code)).one_or_none()


def departments(session: Session) -> Sequence[Department]:
    """Every department, by code."""
    return session.scalars(select(Department).order_by(Department.code)).all()


def user_by_username(session: Session, username: str) -> User | None:
    """The user with this name, if any."""
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def live_token(session: Session, token_hash: str, now: datetime) -> ApiToken | None:
    """The token with this hash if it is neither revoked nor expired."""
    query = select(ApiToken).where(
        ApiToken.token_hash == token_hash,
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > now,
    )
    return session.scalars(query).one_or_none()


def live_tokens_of(session: Session, user_id: int) -> Sequence[ApiToken]:
    """A user's tokens that still work."""
    query = select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    return session.scalars(query).all()


def resource(
    session: Session, resource_id: uuid.UUID, *, for_update: bool = False
) -> Resource | None:
    """One resource with its working draft; `for_update` locks it for a transition."""
    query = select(Resource).where(Resource.id == resource_id)
    if for_update:
        query = query.with_for_update(of=Resource)
    return session.scalars(query).unique().one_or_none()


def resource_by_code(session: Session, code: str) -> Resource | None:
    """The resource with this code, if any."""
    return session.scalars(select(Resource).where(Resource.code == code)).unique().one_or_none()


def resources(
    session: Session,
    *,
    status: str | None,
    department_code: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[Resource]:
    """A page of resources in id order (keyset: `after` is the last id of the previous page)."""
    query = select(Resource).order_by(Resource.id).limit(limit)
    if status:
        query = query.where(Resource.status == status)
    if department_code:
        query = query.where(Resource.department_code == department_code)
    if after:
        query = query.where(Resource.id > after)
    return session.scalars(query).unique().all()


def submitted(session: Session, *, limit: int) -> Sequence[Resource]:
    """Resources whose working copy awaits review, longest waiting first."""
    query = (
        select(Resource)
        .join(ResourceDraft)
        .where(ResourceDraft.status == "submitted")
        .order_by(ResourceDraft.updated_at, Resource.id)
        .limit(limit)
    )
    return session.scalars(query).unique().all()


def audit_trail(session: Session, resource_id: uuid.UUID) -> Sequence[AuditEvent]:
    """A resource's transitions, oldest first."""
    query = select(AuditEvent).where(AuditEvent.resource_id == resource_id).order_by(AuditEvent.id)
    return session.scalars(query).all()


def security_events(session: Session, *, limit: int) -> Sequence[SecurityEvent]:
    """The newest security log entries."""
    query = select(SecurityEvent).order_by(SecurityEvent.id.desc()).limit(limit)
    return session.scalars(query).all()
