"""The cataloguer's workspace: my department's resources, a new one from an uploaded file, the
form with inline errors, and submitting for review."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from catalog.api.deps import NodeDep, SessionDep, SettingsDep, StoreDep
from catalog.api.portal import forms
from catalog.api.portal.auth import SignedFormDep, SignedInDep, Visitor
from catalog.api.portal.render import back_to, page
from catalog.center import content, people, registry
from catalog.center.content import ContentStore
from catalog.center.errors import CatalogError, FieldError, ValidationFailed
from catalog.center.extract import drafts
from catalog.center.extract.files import extract_file
from catalog.center.node import Node
from catalog.center.vocab import FormatCategory, Role, ShareType, UpdateCycle

router = APIRouter(include_in_schema=False)


@router.get("/workspace")
def workspace(request: Request, session: SessionDep, who: SignedInDep) -> Response:
    """My department's drafts, resources under review, rejected and published ones."""
    actor = who.actor
    if actor.role not in (Role.CATALOGUER, Role.ADMIN) or actor.home_node:
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
def new_resource(request: Request, session: SessionDep, who: SignedInDep) -> Response:
    """Start a resource: upload its file (extraction fills the form) or fill the form by hand."""
    form = forms.form_from_body({"department_code": who.actor.department_code or ""})
    return _edit_page(request, session, who, form=form, errors={}, resource=None)


@router.post("/workspace/extract")
def extract_into_form(
    request: Request,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
    who: SignedFormDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Read the uploaded file, keep it in the repository, and show the form it pre-fills."""
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
    request: Request, session: SessionDep, node: NodeDep, store: StoreDep, who: SignedFormDep
) -> Response:
    """Save the form as a new draft (with the uploaded file as its content, if there was one)."""
    form = await request.form()
    return _save(request, session, node, store, who, form, resource_id=None)


@router.get("/workspace/{resource_id}/edit")
def edit_resource(
    resource_id: uuid.UUID, request: Request, session: SessionDep, who: SignedInDep
) -> Response:
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
    who: SignedFormDep,
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
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
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
            # The file the form came from is checked before the draft exists, so a refusal
            # leaves no draft behind.
            kept = fields.get("content_sha256")
            uploaded = content.stored(store, kept) if kept else None
            view = registry.register_resource(session, body=body, actor=who.actor, node=node)
            if uploaded is not None:
                content.attach(
                    session,
                    content=uploaded,
                    resource_id=uuid.UUID(view["id"]),
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
    return back_to(f"/workspace/{view['id']}/edit", "已保存草稿。")


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
    resource_id: uuid.UUID, session: SessionDep, node: NodeDep, who: SignedFormDep
) -> RedirectResponse:
    try:
        registry.submit_resource(session, resource_id=resource_id, actor=who.actor, node=node)
        message = "已提交审核。"
    except CatalogError as refusal:
        message = f"未能提交：{refusal.detail}"
    return back_to("/workspace", message)
