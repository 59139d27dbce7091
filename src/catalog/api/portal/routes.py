"""The portal's pages. Each one parses the request, calls the same service functions as the REST
API and renders a template; forms post back here and redirect (post/redirect/get)."""

from __future__ import annotations

import contextlib
import uuid
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from catalog.api.deps import NodeDep, SessionDep, SettingsDep, StoreDep
from catalog.api.portal import forms
from catalog.api.portal.auth import (
    Visitor,
    VisitorDep,
    check_csrf,
    secure_cookies,
    set_login_csrf_cookie,
    set_session_cookie,
)
from catalog.api.portal.render import TEMPLATES
from catalog.center import (
    acquisition,
    content,
    datasets,
    people,
    registry,
    stats,
    web_sessions,
)
from catalog.center import search as directory
from catalog.center.content import ContentStore
from catalog.center.errors import CatalogError, FieldError, ValidationFailed
from catalog.center.extract import drafts
from catalog.center.extract.files import extract_file
from catalog.center.models import Resource
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.search_plan import SearchQuery
from catalog.center.vocab import FormatCategory, Role, ShareType, UpdateCycle
from catalog.sync.status import node_overview, sync_status

router = APIRouter(include_in_schema=False)

FACET_PARAMS = {
    "department": "department",
    "node": "node",
    "format": "format",
    "share": "share",
    "classification": "classification",
}
FACET_TITLES = {
    "department": "提供方",
    "node": "来源节点",
    "format": "资源格式",
    "share": "共享类型",
    "classification": "资源分类",
}


def page(
    request: Request, template: str, who: Visitor, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A rendered page; every page knows the visitor, the node and the CSRF token for its forms."""
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {"who": who, "node": request.app.state.node, **context},
        status_code=status_code,
    )
    # No framing (clickjacking of the forms), no type sniffing, no caching of a user's pages,
    # and nothing loaded from anywhere but this node.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if who.logged_in:
        response.headers["Cache-Control"] = "no-store"
    if not who.logged_in and request.cookies.get("catalog_login_csrf") != who.csrf:
        set_login_csrf_cookie(response, who.csrf, secure=secure_cookies(request))
    return response


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/search", status_code=303)


# --- search ----------------------------------------------------------------------------------


@router.get("/search")
def search_page(
    request: Request, session: SessionDep, node: NodeDep, who: VisitorDep
) -> HTMLResponse:
    """One box, facets as filters, highlighted hits, paging; empty and error states."""
    params = dict(request.query_params)
    q = params.get("q") or None
    filters = {key: params[key] for key in FACET_PARAMS if params.get(key)}
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


# --- a resource -------------------------------------------------------------------------------


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
    view = registry.get_resource(session, resource_id=resource_id, actor=actor)
    history = registry.resource_history(session, resource_id=resource_id, actor=actor)
    located = registry.locate_resource(session, resource_id=resource_id, actor=actor)
    objects = content.list_content(session, resource_id=resource_id, actor=actor)
    resource = registry.visible(session, resource_id, actor)
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
        located=located,
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
    request: Request,
    session: SessionDep,
    node: NodeDep,
    who: VisitorDep,
    purpose: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """File an access request from the resource page."""
    if not who.logged_in:
        return to_login(request)
    check_csrf(who, csrf)
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
    return RedirectResponse(f"/resources/{resource_id}?message={quote(message)}", status_code=303)


@router.get("/files/{content_id}")
def download_file(
    content_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    node: NodeDep,
    store: StoreDep,
    who: VisitorDep,
) -> Response:
    """A download from the portal (the session's user, the same rights as the API)."""
    if not who.logged_in:
        return to_login(request)
    found, path = content.downloadable(
        session, store=store, content_id=content_id, actor=who.actor, node=node
    )
    return FileResponse(
        path,
        media_type=found.media_type,
        filename=found.filename,
        headers={"ETag": f'"{found.sha256}"'},
    )


# --- login ------------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, who: VisitorDep, next: str = "/search") -> HTMLResponse:
    return page(request, "login.html", who, next=_safe_next(next), error=None)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    who: VisitorDep,
    username: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/search",
) -> Response:
    """Username and token in, a session cookie out (HttpOnly, SameSite, Secure over HTTPS)."""
    check_csrf(who, csrf)
    actor = _authenticate(request, session, username.strip(), token.strip())
    if actor is None:
        return page(
            request,
            "login.html",
            who,
            status_code=401,
            next=_safe_next(next),
            error="用户名或令牌不正确，或令牌已过期、已吊销。",
        )
    remote = request.client.host if request.client else None
    started = web_sessions.start(session, actor=actor, remote=remote)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, started.session_id, secure=secure_cookies(request))
    return response


def _authenticate(request: Request, session: Session, username: str, token: str) -> Actor | None:
    if not username or not token:
        return None
    actor = people.find_actor(session, token=token)
    if actor is None and request.app.state.introspector is not None:
        answer = request.app.state.introspector.lookup(token)
        if answer.active and answer.username and answer.node:
            actor = Actor.federated(answer.username, answer.node)
    if actor is None or actor.username != username:
        remote = request.client.host if request.client else None
        with contextlib.suppress(CatalogError):
            people.refuse_token(session, token=token, remote=remote)
        return None
    return actor


def _safe_next(target: str) -> str:
    """Only paths of this site: never an open redirect."""
    return target if target.startswith("/") and not target.startswith("//") else "/search"


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, who: VisitorDep, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(who, csrf)
    web_sessions.end(session, who.session_id)
    response = RedirectResponse("/search", status_code=303)
    response.delete_cookie("catalog_session", path="/")
    return response


# --- the cataloguer's workspace -----------------------------------------------------------------


def _may_catalogue(actor: Actor) -> bool:
    return actor.role in (Role.CATALOGUER, Role.ADMIN) and not actor.home_node


@router.get("/workspace")
def workspace(request: Request, session: SessionDep, who: VisitorDep) -> Response:
    """My department's drafts, resources under review, rejected and published ones."""
    if not who.logged_in:
        return to_login(request)
    actor = who.actor
    if not _may_catalogue(actor):
        return page(request, "error.html", who, status_code=403, message="工作台供编目人员使用。")
    faces = registry.list_resources(
        session,
        actor=actor,
        status=None,
        department_code=None if actor.is_admin else actor.department_code,
        after=None,
        limit=200,
    )
    groups: dict[str, list[dict[str, Any]]] = {
        "draft": [],
        "submitted": [],
        "rejected": [],
        "published": [],
        "retired": [],
    }
    for face in faces:
        working = face["status"]
        if face.get("has_draft") and working in ("published",):
            draft = registry.get_draft(session, resource_id=uuid.UUID(face["id"]), actor=actor)
            groups[draft["status"]].append(draft)
        groups.setdefault(working, []).append(face)
    return page(
        request, "workspace.html", who, groups=groups, message=request.query_params.get("message")
    )


@router.get("/workspace/new")
def new_resource(request: Request, session: SessionDep, who: VisitorDep) -> Response:
    """Start a resource: upload its file (extraction fills the form) or fill the form by hand."""
    if not who.logged_in:
        return to_login(request)
    form = forms.form_from_body({"department_code": who.actor.department_code or ""})
    return _edit_page(request, session, who, form=form, errors={}, resource=None)


@router.post("/workspace/extract")
def extract_into_form(
    request: Request,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
    who: VisitorDep,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Read the uploaded file, keep it in the repository, and show the form it pre-fills."""
    if not who.logged_in:
        return to_login(request)
    check_csrf(who, csrf)
    name = content.check_filename(file.filename)
    stored = store.put(file.file, max_bytes=settings.max_upload_bytes)
    errors: dict[str, list[str]] = {}
    try:
        proposal = extract_file(stored.path, name, sha256=stored.sha256)
        body = {**drafts.PLACEHOLDERS, **proposal.body}
        facts = proposal.facts
    except ValidationFailed as refusal:
        body, facts = {}, {}
        errors["file"] = [refusal.fields[0].reason if refusal.fields else refusal.detail]
    body["department_code"] = who.actor.department_code or ""
    form = forms.form_from_body(body)
    form.update(content_sha256=stored.sha256, content_name=name)
    return _edit_page(request, session, who, form=form, errors=errors, resource=None, facts=facts)


@router.post("/workspace/new")
async def create_resource(
    request: Request, session: SessionDep, node: NodeDep, store: StoreDep, who: VisitorDep
) -> Response:
    """Save the form as a new draft (with the uploaded file as its content, if there was one)."""
    form = await request.form()
    return _save(request, session, node, store, who, form, resource_id=None)


@router.get("/workspace/{resource_id}/edit")
def edit_resource(
    resource_id: uuid.UUID, request: Request, session: SessionDep, who: VisitorDep
) -> Response:
    if not who.logged_in:
        return to_login(request)
    draft = registry.get_draft(session, resource_id=resource_id, actor=who.actor)
    return _edit_page(
        request, session, who, form=forms.form_from_body(draft), errors={}, resource=draft
    )


@router.post("/workspace/{resource_id}/edit")
async def save_resource(
    resource_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    node: NodeDep,
    store: StoreDep,
    who: VisitorDep,
) -> Response:
    form = await request.form()
    return _save(request, session, node, store, who, form, resource_id=resource_id)


def _save(
    request: Request,
    session: Session,
    node: Node,
    store: ContentStore,
    who: Visitor,
    form: FormData,
    *,
    resource_id: uuid.UUID | None,
) -> Response:
    if not who.logged_in:
        return to_login(request)
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    check_csrf(who, fields.get("csrf"))
    body, errors = forms.validate(fields)
    existing = None
    if resource_id is not None:
        existing = registry.get_draft(session, resource_id=resource_id, actor=who.actor)
    if body is None:
        return _edit_page(
            request, session, who, form=fields, errors=errors, resource=existing, status_code=422
        )
    try:
        if resource_id is None:
            view = registry.register_resource(session, body=body, actor=who.actor, node=node)
            if fields.get("content_sha256"):
                content.attach(
                    session,
                    store=store,
                    resource_id=uuid.UUID(view["id"]),
                    sha256=fields["content_sha256"],
                    filename=fields.get("content_name") or "content",
                    actor=who.actor,
                    node=node,
                )
        else:
            view = registry.replace_resource(
                session, resource_id=resource_id, body=body, actor=who.actor, node=node
            )
    except CatalogError as refusal:
        errors = forms.errors_by_field(refusal.fields or [FieldError("form", refusal.detail)])
        return _edit_page(
            request,
            session,
            who,
            form=fields,
            errors=errors,
            resource=existing,
            status_code=refusal.status,
        )
    message = quote("已保存草稿。")
    return RedirectResponse(f"/workspace/{view['id']}/edit?message={message}", status_code=303)


def _edit_page(
    request: Request,
    session: Session,
    who: Visitor,
    *,
    form: dict[str, str],
    errors: dict[str, list[str]],
    resource: dict[str, Any] | None,
    facts: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    departments = people.list_departments(session)
    return page(
        request,
        "edit.html",
        who,
        status_code=status_code,
        form=form,
        errors=errors,
        resource=resource,
        facts=facts or {},
        departments=departments,
        categories=list(FormatCategory),
        share_types=list(ShareType),
        cycles=list(UpdateCycle),
        message=request.query_params.get("message"),
    )


@router.post("/workspace/{resource_id}/submit")
def submit_resource(
    resource_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    node: NodeDep,
    who: VisitorDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not who.logged_in:
        return to_login(request)
    check_csrf(who, csrf)
    try:
        registry.submit_resource(session, resource_id=resource_id, actor=who.actor, node=node)
        message = "已提交审核。"
    except CatalogError as refusal:
        message = f"未能提交：{refusal.detail}"
    return RedirectResponse(f"/workspace?message={quote(message)}", status_code=303)


# --- the reviewer's queue ---------------------------------------------------------------------


@router.get("/review")
def review_queue(request: Request, session: SessionDep, node: NodeDep, who: VisitorDep) -> Response:
    """Submitted resources with their changes against the published version; pending requests."""
    if not who.logged_in:
        return to_login(request)
    if not who.actor.is_reviewer or who.actor.home_node:
        return page(request, "error.html", who, status_code=403, message="审核队列供审核人员使用。")
    queue = []
    for working, published in registry.review_queue(session, actor=who.actor):
        queue.append({"draft": working, "changes": _changes(published, working)})
    pending = [
        r
        for r in acquisition.list_requests(session, actor=who.actor, node=node)
        if r["status"] == "pending"
    ]
    return page(
        request,
        "review.html",
        who,
        queue=queue,
        pending=pending,
        message=request.query_params.get("message"),
    )


def _changes(published: dict[str, Any] | None, working: dict[str, Any]) -> list[dict[str, Any]]:
    """Field by field, what the draft changes (everything, for a first publication)."""
    changed = []
    for key in forms.FIELD_KEYS:
        before = (published or {}).get(key)
        after = working.get(key)
        if before != after and (before or after):
            changed.append({"field": key, "before": before, "after": after})
    return changed


@router.post("/review/{resource_id}/{decision}")
def decide_resource(
    resource_id: uuid.UUID,
    decision: str,
    request: Request,
    session: SessionDep,
    node: NodeDep,
    who: VisitorDep,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    if not who.logged_in:
        return to_login(request)
    check_csrf(who, csrf)
    try:
        if decision == "approve":
            registry.approve_resource(session, resource_id=resource_id, actor=who.actor, node=node)
            message = "已审核通过并发布。"
        elif decision == "reject":
            if not reason.strip():
                raise ValidationFailed.on("reason", "退回时请填写原因")
            registry.reject_resource(
                session, resource_id=resource_id, actor=who.actor, node=node, reason=reason.strip()
            )
            message = "已退回。"
        else:
            return page(request, "error.html", who, status_code=404, message="没有这个操作。")
    except CatalogError as refusal:
        message = f"操作未完成：{refusal.detail}"
    return RedirectResponse(f"/review?message={quote(message)}", status_code=303)


@router.post("/review/requests/{request_id}/{decision}")
def decide_request(
    request_id: uuid.UUID,
    decision: str,
    request: Request,
    session: SessionDep,
    who: VisitorDep,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    if not who.logged_in:
        return to_login(request)
    check_csrf(who, csrf)
    try:
        if decision not in ("approve", "deny"):
            return page(request, "error.html", who, status_code=404, message="没有这个操作。")
        if decision == "deny" and not reason.strip():
            raise ValidationFailed.on("reason", "拒绝时请填写原因")
        acquisition.decide(
            session,
            request_id=request_id,
            actor=who.actor,
            approve=decision == "approve",
            reason=reason.strip() or None,
        )
        message = "已批准。" if decision == "approve" else "已拒绝。"
    except CatalogError as refusal:
        message = f"操作未完成：{refusal.detail}"
    return RedirectResponse(f"/review?message={quote(message)}", status_code=303)


# --- the federation dashboard -------------------------------------------------------------------


@router.get("/dashboard")
def dashboard(
    request: Request, session: SessionDep, node: NodeDep, settings: SettingsDep, who: VisitorDep
) -> HTMLResponse:
    """This node, its parent and children, each link's backlog, lag and errors; the inventory."""
    overview = node_overview(session, node=node, parent_url=settings.parent_url)
    links = sync_status(session, parent_url=settings.parent_url)["links"]
    inventory = stats.inventory(session, actor=who.actor)
    return page(request, "dashboard.html", who, overview=overview, links=links, inventory=inventory)


# Every file the portal serves from disk besides content: the stylesheet.
STATIC = Path(__file__).parent / "static"


@router.get("/static/portal.css")
def stylesheet() -> FileResponse:
    return FileResponse(
        STATIC / "portal.css", media_type="text/css", headers={"Cache-Control": "max-age=3600"}
    )
