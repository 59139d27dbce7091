"""The reviewer's queue: submitted resources with their changes, and pending access requests."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from catalog.api.deps import NodeDep, SessionDep
from catalog.api.portal import forms
from catalog.api.portal.auth import SignedFormDep, SignedInDep
from catalog.api.portal.render import back_to, page
from catalog.center import acquisition, registry
from catalog.center.errors import CatalogError, ValidationFailed

router = APIRouter(include_in_schema=False)


@router.get("/review")
def review_queue(
    request: Request, session: SessionDep, node: NodeDep, who: SignedInDep
) -> Response:
    """Submitted resources with their changes against the published version; pending requests."""
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
    who: SignedFormDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
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
    return back_to("/review", message)


@router.post("/review/requests/{request_id}/{decision}")
def decide_request(
    request_id: uuid.UUID,
    decision: str,
    request: Request,
    session: SessionDep,
    who: SignedFormDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    if decision not in ("approve", "deny"):
        return page(request, "error.html", who, status_code=404, message="没有这个操作。")
    try:
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
    return back_to("/review", message)
