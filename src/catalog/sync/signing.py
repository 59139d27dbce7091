"""The node-to-node request signature of API.md ("Federation").

`X-Catalog-Signature` is the hex MAC, keyed with the link's key, over
`METHOD\\nPATH?QUERY\\nNODE\\nTIMESTAMP\\nhex(SHA-256(body))`. HMAC-SM3 comes from OpenSSL
(through hashlib), the implementation the shared test vectors were checked against.
"""

from __future__ import annotations

import hashlib
import hmac
import time

ALGORITHMS = {"hmac-sha256": "sha256", "hmac-sm3": "sm3"}
DEFAULT_ALG = "hmac-sha256"
MAX_SKEW_SECONDS = 300

HEADER_NODE = "X-Catalog-Node"
HEADER_TIMESTAMP = "X-Catalog-Timestamp"
HEADER_ALG = "X-Catalog-Alg"
HEADER_SIGNATURE = "X-Catalog-Signature"


def string_to_sign(method: str, path_query: str, node: str, timestamp: int, body: bytes) -> bytes:
    """The exact bytes that are signed."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path_query}\n{node}\n{timestamp}\n{digest}".encode()


def sign(
    key: str, alg: str, method: str, path_query: str, node: str, timestamp: int, body: bytes
) -> str:
    """The hex MAC of a request."""
    message = string_to_sign(method, path_query, node, timestamp, body)
    return hmac.new(key.encode("utf-8"), message, ALGORITHMS[alg]).hexdigest()


def signed_headers(
    key: str, alg: str, *, node: str, method: str, path_query: str, body: bytes
) -> dict[str, str]:
    """The four headers a node sends with every sync request."""
    timestamp = int(time.time())
    return {
        HEADER_NODE: node,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_ALG: alg,
        HEADER_SIGNATURE: sign(key, alg, method, path_query, node, timestamp, body),
    }


def signature_matches(expected: str, presented: str) -> bool:
    """Constant-time comparison of two hex MACs."""
    return hmac.compare_digest(expected.encode(), presented.strip().lower().encode())


def check_algorithms_available() -> None:
    """Fail early, with a clear message, where OpenSSL was built without SM3."""
    for alg, name in ALGORITHMS.items():
        try:
            hashlib.new(name)
        except ValueError as exc:
            raise RuntimeError(f"{alg} needs {name} in this Python's OpenSSL") from exc
