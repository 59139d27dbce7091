"""The portal's public pages: search, a resource (and getting it), the federation dashboard."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from catalog.api.deps import NodeDep, SessionDep, SettingsDep, StoreDep
from catalog.api.portal.auth import SignedFormDep, SignedInDep, VisitorDep
from catalog.api.portal.render import back_to, page
from catalog.api.routers.content import file_response
from catalog.center import acquisition, content, datasets, registry, stats
from catalog.center import search as directory
from catalog.center.errors import CatalogError
from catalog.center.models import Resource
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.search_plan import SearchQuery
from catalog.sync.status import node_overview, sync_status

router = APIRouter(include_in_schema=False)

FACET_TITLES = {
    "department": "提供方",
    "node": "来源节点",
    "format": "资源格式",
    "share": "共享类型",
    "classification": "资源分类",
}
# Every file the portal serves from disk besides content: the stylesheet.
STATIC = Path(__file__).parent / "static"


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/search", status_code=303)


@router.get("/search")
def search_page(
    request: Request, session: SessionDep, node: NodeDep, who: VisitorDep
) -> HTMLResponse:
    """One box, facets as filters, highlighted hits, paging; empty and error states."""
    params = dict(request.query_params)
    q = params.get("q") or None
    filters = {key: params[key] for key in FACET_TITLES if params.get(key)}
    try:
        query = SearchQuery(
            q=q,
            department=filters.get("department"),
            node=filters.get("node"),
            subtree=params.get("subtree") == "true",
            format=filters.get("format"),
            share=filters.get("share"),
            open=None,
            classification=filters.get("classification"),
            update_cycle=None,
            published_from=None,
            published_to=None,
            bbox=None,
            status="published",
            sort=None,
            limit=20,
            cursor=params.get("cursor"),
        )
        found = directory.search(session, query=query, actor=who.actor, node=node)
        error = None
    except CatalogError as failure:
        found, error = None, failure.detail
    except ValueError as failure:
        found, error = None, str(failure)
    return page(
        request,
        "search.html",
        who,
        q=q or "",
        filters=filters,
        found=found,
        error=error,
        facet_titles=FACET_TITLES,
        facet_link=lambda key, value: _toggle(params, key, value),
        next_link=_next(params, found),
    )


def _toggle(params: dict[str, str], key: str, value: str) -> str:
    """The search URL with this facet value selected, or unselected if it was."""
    changed = {k: v for k, v in params.items() if k != "cursor"}
    if changed.get(key) == value:
        changed.pop(key)
    else:
        changed[key] = value
    return "/search?" + urlencode(changed)


def _next(params: dict[str, str], found: dict[str, Any] | None) -> str | None:
    if not found or not found.get("next_cursor"):
        return None
    return "/search?" + urlencode({**params, "cursor": found["next_cursor"]})


@router.get("/resources/{resource_id}")
def resource_page(
    resource_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    node: NodeDep,
    who: VisitorDep,
    preview: bool = False,
) -> HTMLResponse:
    """All metadata, items, map, history, where it lives, and how to get it."""
    actor = who.actor
    resource = registry.visible(session, resource_id, actor)
    view = registry.face(session, resource)
    history = registry.resource_history(session, resource_id=resource_id, actor=actor)
    objects = content.list_content(session, resource_id=resource_id, actor=actor)
    right, why_not = _right(session, resource, actor, node)
    table = None
    if preview and right and any("dataset" in o for o in objects):
        found, rows, _ = datasets.query(
            session,
            resource_id=resource_id,
            content_id=None,
            actor=actor,
            node=node,
            where={},
            limit=20,
            cursor=None,
        )
        table = {"columns": found.columns or [], "rows": [data for _n, data in rows]}
    mine = None
    if right is False and not actor.is_anonymous:
        mine = [
            r
            for r in acquisition.list_requests(session, actor=actor, node=node)
            if r["resource_id"] == str(resource_id)
        ]
    return page(
        request,
        "resource.html",
        who,
        r=view,
        history=history,
        located=registry.location(view),
        objects=objects,
        right=right,
        why_not=why_not,
        table=table,
        my_requests=mine,
        is_local=resource.origin_code == node.code,
        message=request.query_params.get("message"),
        today=date.today().isoformat(),
    )


def _right(
    session: Session, resource: Resource, actor: Actor, node: Node
) -> tuple[bool, str | None]:
    if actor.is_anonymous:
        return False, "登录后可获取资源内容。"
    try:
        acquisition.require_content_right(session, resource, actor, node)
    except CatalogError as refusal:
        return False, refusal.detail
    return True, None


@router.post("/resources/{resource_id}/access-requests")
def request_access_form(
    resource_id: uuid.UUID,
    session: SessionDep,
    node: NodeDep,
    who: SignedFormDep,
    purpose: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
) -> Response:
    """File an access request from the resource page."""
    try:
        acquisition.request_access(
            session,
            resource_id=resource_id,
            actor=who.actor,
            node=node,
            purpose=purpose.strip() or "-",
            until=date.fromisoformat(until),
        )
        message = "申请已提交，等待审核。"
    except CatalogError as refusal:
        message = f"申请未提交：{refusal.detail}"
    except ValueError:
        message = "申请未提交：请填写有效的截止日期。"
    return back_to(f"/resources/{resource_id}", message)


@router.get("/files/{content_id}")
def download_file(
    content_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    node: NodeDep,
    store: StoreDep,
    who: SignedInDep,
) -> Response:
    """A download from the portal (the session's user, the same rights as the API)."""
    found, path = content.downloadable(
        session, store=store, content_id=content_id, actor=who.actor, node=node
    )
    return file_response(request, found, path)


@router.get("/dashboard")
def dashboard(
    request: Request, session: SessionDep, node: NodeDep, settings: SettingsDep, who: VisitorDep
) -> HTMLResponse:
    """This node, its parent and children, each link's backlog, lag and errors; the inventory."""
    overview = node_overview(session, node=node, parent_url=settings.parent_url)
    links = sync_status(session, parent_url=settings.parent_url)["links"]
    inventory = stats.inventory(session, actor=who.actor)
    return page(request, "dashboard.html", who, overview=overview, links=links, inventory=inventory)


@router.get("/static/portal.css")
def stylesheet() -> FileResponse:
    return FileResponse(
        STATIC / "portal.css", media_type="text/css", headers={"Cache-Control": "max-age=3600"}
    )
