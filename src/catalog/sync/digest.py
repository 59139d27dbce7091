"""Digests of the records a node holds per origin, so a parent can find drift without a full copy.

A bucket is the set of records whose id starts with one hex digit; its digest is the SHA-256 of
the sorted `id:version` lines. Only what travels is counted: published and retired, never secret.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.center.models import Resource
from catalog.center.views import published_view

BUCKETS = "0123456789abcdef"
SHARED = (Resource.status.in_(("published", "retired")), Resource.secret.is_(False))


def origins(session: Session) -> dict[str, int]:
    """How many shared records this node holds from each origin."""
    query = select(Resource.origin_code, func.count()).where(*SHARED).group_by(Resource.origin_code)
    return {code: int(count) for code, count in session.execute(query)}


def entries(session: Session, origin: str, bucket: str | None = None) -> list[tuple[str, int]]:
    """The sorted (id, version) pairs held from `origin`, optionally of one bucket."""
    query = select(Resource.id, Resource.version).where(Resource.origin_code == origin, *SHARED)
    if bucket is not None:
        low = uuid.UUID(bucket + "0" * 31)
        high = uuid.UUID(bucket + "f" * 31)
        query = query.where(Resource.id.between(low, high))
    rows = session.execute(query).all()
    return sorted((str(rid), int(version)) for rid, version in rows)


def bucket_digests(pairs: list[tuple[str, int]]) -> dict[str, dict[str, Any]]:
    """Count and digest per bucket of sorted (id, version) pairs."""
    lines: dict[str, list[str]] = {b: [] for b in BUCKETS}
    for rid, version in pairs:
        lines[rid[0]].append(f"{rid}:{version}")
    return {
        b: {"count": len(ls), "digest": hashlib.sha256("\n".join(ls).encode()).hexdigest()}
        for b, ls in lines.items()
    }


def digest(session: Session, origin: str) -> dict[str, Any]:
    """The digest answer of API.md, plus the highest code number seen from that origin."""
    return {
        "origin": origin,
        "buckets": bucket_digests(entries(session, origin)),
        "max_code_number": max_code_number(session, origin),
    }


def max_code_number(session: Session, origin: str) -> int:
    """The highest sequence number in the codes held from `origin` (0 when none)."""
    codes = session.scalars(select(Resource.code).where(Resource.origin_code == origin))
    best = 0
    for code in codes:
        _, _, tail = code.partition("/")
        if tail.startswith(origin) and tail[len(origin) :].isdigit():
            best = max(best, int(tail[len(origin) :]))
    return best


def records(session: Session, ids: list[uuid.UUID]) -> list[tuple[Resource, dict[str, Any]]]:
    """The shared records among `ids`, each with the view that travels."""
    query = select(Resource).where(Resource.id.in_(ids), *SHARED)
    return [(r, published_view(r)) for r in session.scalars(query).unique()]
