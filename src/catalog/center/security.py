"""The security log: logins, failed authentications and administrative actions.

Entries go to the `security_event` table and to the `catalog.security` logger. Callers pass only
what is safe to keep: never a token, key or password.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from catalog.center import repository as repo
from catalog.center.models import SecurityEvent
from catalog.center.permissions import Actor, require_admin

_log = logging.getLogger("catalog.security")


def record(
    session: Session, *, kind: str, actor: str | None, remote: str | None = None, **detail: Any
) -> None:
    """Add an entry to the caller's transaction and write it to the log."""
    session.add(SecurityEvent(kind=kind, actor=actor, remote=remote, detail=detail))
    _log.info("%s actor=%s remote=%s %s", kind, actor, remote, detail)


def recent_events(session: Session, *, actor: Actor, limit: int) -> list[dict[str, Any]]:
    """The newest entries, for admins."""
    require_admin(actor)
    return [
        {
            "id": event.id,
            "at": event.at.isoformat(),
            "kind": event.kind,
            "actor": event.actor,
            "remote": event.remote,
            "detail": event.detail,
        }
        for event in repo.security_events(session, limit=limit)
    ]
