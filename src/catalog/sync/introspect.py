"""Federated readers: asking the parent about bearer tokens this node does not know.

A node that meets an unknown token asks its parent (`POST /api/v1/auth/introspect`, signed with
the link's key, RFC 7662 style), which answers from its own users or asks its own parent in turn.
Answers are cached briefly by the token's hash (never the token), so a busy reader costs one
round trip a minute, a revoked token stops working within that minute, and a flood of bad tokens
does not become a flood of requests upward. If the parent cannot be reached the token is simply
unknown here: nothing is cached and the next request asks again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass

from catalog.sync.client import PeerClient, PeerError

ACTIVE_TTL = 60.0
INACTIVE_TTL = 10.0
MAX_CACHED = 10_000

_log = logging.getLogger("catalog.sync")


@dataclass(frozen=True)
class Introspection:
    """What an ancestor says about a token."""

    active: bool
    username: str | None = None
    node: str | None = None
    role: str | None = None

    def as_dict(self) -> dict[str, object]:
        if not self.active:
            return {"active": False}
        return {"active": True, "username": self.username, "node": self.node, "role": self.role}


class Introspector:
    """Asks the parent about tokens, with a small expiring cache."""

    def __init__(self, client: PeerClient) -> None:
        self._client = client
        self._cache: dict[str, tuple[float, Introspection]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def lookup(self, token: str) -> Introspection:
        """The parent's answer for this token (cached); inactive when the parent is unreachable."""
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] > now:
                return cached[1]
        try:
            answer = self._client.request(
                "POST", "/api/v1/auth/introspect", body=json.dumps({"token": token}).encode()
            ).json()
        except (PeerError, ValueError) as error:
            _log.warning("token introspection at the parent failed: %s", str(error)[:200])
            return Introspection(active=False)
        result = _parse(answer)
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._cache.pop(next(iter(self._cache)))
            ttl = ACTIVE_TTL if result.active else INACTIVE_TTL
            self._cache[key] = (now + ttl, result)
        return result


def _parse(answer: object) -> Introspection:
    if not isinstance(answer, dict) or answer.get("active") is not True:
        return Introspection(active=False)
    username, node = answer.get("username"), answer.get("node")
    if not isinstance(username, str) or not isinstance(node, str) or not username or not node:
        return Introspection(active=False)
    role = answer.get("role")
    return Introspection(True, username[:64], node[:12], role if isinstance(role, str) else None)
