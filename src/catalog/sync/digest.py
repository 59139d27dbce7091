"""Digests of the records a node holds per origin, so a parent can find drift without a full copy.

A bucket is the set of records whose id starts with one hex digit; its digest is the SHA-256 of
the sorted `id:version` lines. Only what travels is counted: published and retired, never secret.
`bucket_digests` says so in Python; `digests` asks PostgreSQL for the same in one pass, since
sending a city's 333,333 pairs to Python to sort and hash them took 3.5 s of a 5 s answer.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import func, select, text
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


# Text order of ids is their order as uuids (fixed-width lowercase hex), so `ORDER BY id` sorts
# the lines as `bucket_digests` does. A code's sequence number is what follows the origin's code
# after the first slash; numeric, since a child's code may hold more digits than a bigint.
_DIGESTS = text(
    """
    SELECT substr(CAST(id AS text), 1, 1), count(*),
           encode(sha256(convert_to(
               string_agg(CAST(id AS text) || ':' || version, E'\\n' ORDER BY id), 'UTF8')), 'hex')
    FROM resource
    WHERE origin_code = :origin AND status IN ('published', 'retired') AND NOT secret
    GROUP BY 1
    """
)
_MAX_CODE_NUMBER = text(
    """
    SELECT max(CAST(substr(tail, length(:origin) + 1) AS numeric))
    FROM (SELECT substr(code, strpos(code, '/') + 1) AS tail FROM resource
          WHERE origin_code = :origin AND strpos(code, '/') > 0) AS c
    WHERE left(tail, length(:origin)) = :origin AND substr(tail, length(:origin) + 1) ~ '^[0-9]+$'
    """
)
_EMPTY = hashlib.sha256(b"").hexdigest()


def digests(session: Session, origin: str) -> dict[str, dict[str, Any]]:
    """`bucket_digests` of the records held from `origin`, computed by PostgreSQL."""
    found = {b: {"count": 0, "digest": _EMPTY} for b in BUCKETS}
    for bucket, count, hashed in session.execute(_DIGESTS, {"origin": origin}):
        found[bucket] = {"count": int(count), "digest": hashed}
    return found


def digest(session: Session, origin: str) -> dict[str, Any]:
    """The digest answer of API.md, plus the highest code number seen from that origin."""
    return {
        "origin": origin,
        "buckets": digests(session, origin),
        "max_code_number": max_code_number(session, origin),
    }


def max_code_number(session: Session, origin: str) -> int:
    """The highest sequence number in the codes held from `origin` (0 when none)."""
    return int(session.scalar(_MAX_CODE_NUMBER, {"origin": origin}) or 0)


def records(session: Session, ids: list[uuid.UUID]) -> list[tuple[Resource, dict[str, Any]]]:
    """The shared records among `ids`, each with the view that travels."""
    query = select(Resource).where(Resource.id.in_(ids), *SHARED)
    return [(r, published_view(r)) for r in session.scalars(query).unique()]
