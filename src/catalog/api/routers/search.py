"""The unified directory (GET /api/v1/search) and the inventory (GET /api/v1/stats)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from catalog.api.deps import NodeDep, ReaderDep, SessionDep
from catalog.center import search as directory
from catalog.center import stats
from catalog.center.search_plan import SearchQuery
from catalog.center.vocab import FormatCategory, ShareType, Status, UpdateCycle

router = APIRouter(prefix="/api/v1", tags=["directory"])

Sort = Literal["relevance", "-published_on", "published_on"]


# The answers are plain JSON already: returned as responses, they skip FastAPI's walk through
# every nested value of a hit list it would only copy.
@router.get("/search", response_model=dict[str, Any])
def search(
    session: SessionDep,
    node: NodeDep,
    actor: ReaderDep,
    q: Annotated[str | None, Query(max_length=1000)] = None,
    department: Annotated[str | None, Query(max_length=80, description="CODE or NODE:CODE")] = None,
    node_code: Annotated[
        str | None, Query(alias="node", pattern=r"^\d{6,12}$", description="origin node")
    ] = None,
    subtree: bool = False,
    format: FormatCategory | None = None,
    share: ShareType | None = None,
    open: bool | None = None,
    classification: Annotated[str | None, Query(pattern=r"^\d{1,20}$")] = None,
    update_cycle: UpdateCycle | None = None,
    published_from: date | None = None,
    published_to: date | None = None,
    bbox: Annotated[str | None, Query(max_length=200)] = None,
    status: Status = Status.PUBLISHED,
    sort: Sort | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> JSONResponse:
    """Find resources anywhere in this node's subtree: hits, total and facets."""
    query = SearchQuery(
        q=q,
        department=department,
        node=node_code,
        subtree=subtree,
        format=format.value if format else None,
        share=share.value if share else None,
        open=open,
        classification=classification,
        update_cycle=update_cycle.value if update_cycle else None,
        published_from=published_from,
        published_to=published_to,
        bbox=bbox,
        status=status.value,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    return JSONResponse(directory.search(session, query=query, actor=actor, node=node))


@router.get("/stats", response_model=dict[str, Any])
def inventory(session: SessionDep, actor: ReaderDep) -> JSONResponse:
    """Published resources counted by format category, department and origin node."""
    return JSONResponse(stats.inventory(session, actor=actor))
