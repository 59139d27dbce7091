"""A signed HTTP client for talking to another node (httpx)."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from catalog.sync.signing import HEADER_SIGNATURE, signed_headers

# Signatures this process sent recently, across all clients: see PeerClient._fresh_headers.
_SENT: deque[str] = deque(maxlen=1024)
_SENT_LOCK = threading.Lock()


class PeerError(Exception):
    """The peer refused a request or could not be reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PeerClient:
    """Requests to one peer, each signed with the link's key."""

    def __init__(
        self,
        url: str,
        *,
        node: str,
        key: str,
        alg: str,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._prefix = urlsplit(self.url).path.rstrip("/")
        self.node = node
        self._key = key
        self._alg = alg
        self._http = httpx.Client(timeout=timeout, transport=transport)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: bytes = b""
    ) -> httpx.Response:
        """Send one signed request; a non-2xx answer raises PeerError."""
        query = urlencode(params or {})
        path_query = self._prefix + path + (f"?{query}" if query else "")
        headers = self._fresh_headers(method, path_query, body)
        if body:
            headers["Content-Type"] = "application/json"
        target = self.url + path + (f"?{query}" if query else "")
        try:
            response = self._http.request(method, target, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise PeerError(f"{self.url} unreachable: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise PeerError(
                f"{method} {path} -> {response.status_code}: {response.text[:500]}",
                response.status_code,
            )
        return response

    def _fresh_headers(self, method: str, path_query: str, body: bytes) -> dict[str, str]:
        """Signed headers that differ from every request sent before.

        The signature covers whole seconds and the receiver refuses a signature it has seen, so
        an identical request repeated within the same second waits for the next one.
        """
        while True:
            headers = signed_headers(
                self._key,
                self._alg,
                node=self.node,
                method=method,
                path_query=path_query,
                body=body,
            )
            with _SENT_LOCK:
                if headers[HEADER_SIGNATURE] not in _SENT:
                    _SENT.append(headers[HEADER_SIGNATURE])
                    return headers
            time.sleep(1.0 - time.time() % 1.0 + 0.001)

    def post_batch(self, body: bytes) -> dict[str, Any]:
        """Push a batch; the parent's answer holds the cursor it now has."""
        return dict(self.request("POST", "/sync/v1/batches", body=body).json())

    def changes(self, after: int, limit: int) -> bytes:
        """Harvest a batch from a child."""
        return self.request(
            "GET", "/sync/v1/changes", params={"after": after, "limit": limit}
        ).content

    def digest(self, origin: str | None = None) -> dict[str, Any]:
        """Bucket digests for an origin, or the origins held."""
        params = {"origin": origin} if origin else None
        return dict(self.request("GET", "/sync/v1/digest", params=params).json())

    def bucket(self, origin: str, bucket: str) -> list[tuple[str, int]]:
        """The (id, version) pairs of one bucket."""
        pairs = self.request("GET", f"/sync/v1/digest/{bucket}", params={"origin": origin}).json()
        return [(str(rid), int(version)) for rid, version in pairs]

    def records(self, ids: list[str]) -> bytes:
        """A batch of the named records."""
        body = json.dumps({"ids": ids}).encode()
        return self.request("POST", "/sync/v1/records", body=body).content


def node_identity(url: str, *, timeout: float = 10.0) -> dict[str, str]:
    """A node's code and name, from its public /healthz."""
    try:
        response = httpx.get(url.rstrip("/") + "/healthz", timeout=timeout)
        return dict(response.json()["node"])
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise PeerError(f"{url} did not say who it is: {exc}") from exc
