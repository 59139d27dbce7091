"""Web pages: fetch a URL under address rules and propose what its head says.

The node fetches on a cataloguer's behalf, so the fetch must not become a way into places the
cataloguer cannot reach: only http and https; every address the name resolves to is checked,
on every redirect hop; loopback, link-local (cloud metadata), private, multicast and reserved
addresses are refused unless `CATALOG_FETCH_ALLOW` lists a network holding them (intranet
sites). Time and size are bounded. The name is resolved again by the HTTP client, so a DNS
server that answers differently the second time (rebinding) is not defended against here.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from email.utils import parsedate_to_datetime

import httpx

from catalog import __version__
from catalog.center.extract import documents
from catalog.center.extract.proposal import Proposal, Unreadable

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_HTML = ("text/html", "application/xhtml+xml")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def fetch_page(url: str, *, allow: list[str]) -> Proposal:
    """The proposal for the page at `url` (after redirects), or Unreadable naming `url`."""
    networks = [ipaddress.ip_network(n, strict=False) for n in allow]
    headers = {"User-Agent": f"catalog/{__version__} (metadata extraction)"}
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False, headers=headers) as client:
        current = _checked(url, networks)
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect and "location" in response.headers:
                        target = str(response.url.join(response.headers["location"]))
                        current = _checked(target, networks)
                        continue
                    if response.status_code >= 400:
                        raise Unreadable(f"the server answered {response.status_code}", path="url")
                    content = _read(response)
                    return _proposal(str(response.url), response, content)
            except httpx.HTTPError as error:
                raise Unreadable(
                    f"could not fetch the page ({type(error).__name__})", path="url"
                ) from None
    raise Unreadable(f"more than {MAX_REDIRECTS} redirects", path="url")


def _checked(url: str, networks: list[Network]) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise Unreadable("not a URL", path="url") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise Unreadable("only http and https URLs are fetched", path="url")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parsed.host, port)}
    except (socket.gaierror, UnicodeError):
        raise Unreadable(f"the name {parsed.host} does not resolve", path="url") from None
    for text in addresses:
        address = ipaddress.ip_address(str(text).split("%")[0])
        if any(address in network for network in networks):
            continue
        if not address.is_global or address.is_multicast:
            raise Unreadable(
                f"{parsed.host} resolves to {address}, which this node may not fetch"
                " (CATALOG_FETCH_ALLOW lists the networks it may)",
                path="url",
            )
    return parsed


def _read(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise Unreadable(f"the page is larger than {MAX_BYTES} bytes", path="url")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise Unreadable(f"the page is larger than {MAX_BYTES} bytes", path="url")
        chunks.append(chunk)
    return b"".join(chunks)


def _proposal(url: str, response: httpx.Response, content: bytes) -> Proposal:
    proposal = Proposal()
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in _HTML or not media_type:
        documents.html(_decode(response, content), proposal)
    proposal.title(url)
    proposal.describe(proposal.body.get("name"))
    proposal.body["format"] = {
        "category": "web",
        "type": "html" if media_type in _HTML else media_type or "html",
    }
    proposal.body["links"] = [{"url": url, "kind": "page"}]
    language = response.headers.get("content-language")
    if language and "language" not in proposal.facts:
        proposal.facts["language"] = language.split(",")[0].strip()
    modified = response.headers.get("last-modified")
    if modified:
        with contextlib.suppress(TypeError, ValueError):
            proposal.facts["modified"] = parsedate_to_datetime(modified).date().isoformat()
    proposal.facts.update(url=url, media_type=media_type or None, size=len(content))
    proposal.facts = {k: v for k, v in proposal.facts.items() if v is not None}
    return proposal


def _decode(response: httpx.Response, content: bytes) -> str | bytes:
    """Text when the server named its charset; otherwise the bytes, for lxml's own detection."""
    if response.charset_encoding:
        try:
            return content.decode(response.charset_encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    return content
