"""Checking the links of this node's published resources (`catalog links check`).

Resources whose content lives elsewhere (a department's own service or website) are reached only
through their links, so a dead link is a resource nobody can acquire. Every distinct URL is asked
once (HEAD, or GET where a server refuses HEAD), a few at a time, with a timeout; the operator
runs this, so intranet addresses are checked as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import __version__
from catalog.center.models import Resource


@dataclass
class LinkResult:
    """One URL: whether it answered, how, and the resources that link to it."""

    url: str
    ok: bool
    status: int | None = None
    error: str | None = None
    resources: list[str] = field(default_factory=list)


def published_links(
    session: Session, *, origin: str, page: int = 1000
) -> Iterator[tuple[str, str]]:
    """(resource code, URL) for every link of every published resource of `origin` (this node)."""
    after = None
    while True:
        query = (
            select(Resource.id, Resource.code, Resource.published)
            .where(Resource.status == "published", Resource.origin_code == origin)
            .order_by(Resource.id)
            .limit(page)
        )
        if after is not None:
            query = query.where(Resource.id > after)
        rows = session.execute(query).all()
        for _id, code, published in rows:
            for link in (published or {}).get("links", []):
                yield code, link["url"]
        if len(rows) < page:
            return
        after = rows[-1][0]


def check_links(
    pairs: Iterator[tuple[str, str]], *, timeout: float = 10.0, workers: int = 8
) -> list[LinkResult]:
    """Ask every distinct URL once; results in URL order."""
    by_url: dict[str, list[str]] = defaultdict(list)
    for code, url in pairs:
        by_url[url].append(code)
    headers = {"User-Agent": f"catalog/{__version__} (link check)"}
    with (
        httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        results = list(pool.map(lambda url: _check(client, url), sorted(by_url)))
    for result in results:
        result.resources = by_url[result.url]
    return results


def _check(client: httpx.Client, url: str) -> LinkResult:
    try:
        response = client.head(url)
        if response.status_code in (405, 501):
            with client.stream("GET", url) as streamed:
                response = streamed
        return LinkResult(url=url, ok=response.status_code < 400, status=response.status_code)
    except httpx.HTTPError as error:
        return LinkResult(url=url, ok=False, error=f"{type(error).__name__}: {error}"[:300])
