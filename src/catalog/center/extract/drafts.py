"""Saving a proposal as a draft (`?save=true`, the folder walk).

A draft must be a valid resource body, but a file cannot say how it is classified, shared or
updated. Those the caller may give; otherwise the draft gets the cautious placeholders below
(not shared until someone decides, classified as a department resource, irregular updates),
listed under `extracted.defaulted` so the cataloguer knows what to review before submitting.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from catalog.center import registry
from catalog.center.errors import ValidationFailed, validation_fields
from catalog.center.extract.proposal import Proposal
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody

PLACEHOLDERS: dict[str, Any] = {
    "classification": [{"scheme": "政务信息资源分类", "code": "3", "name": "部门信息资源"}],
    "share": {"type": "none", "condition": "待编目人员确认共享属性"},
    "update_cycle": "irregular",
}


def completed(
    proposal: Proposal, *, department_code: str, given: dict[str, Any] | None = None
) -> ResourceBody:
    """The proposal as a valid body: the caller's fields, then what was read, then placeholders."""
    body = {**proposal.body, **(given or {}), "department_code": department_code}
    defaulted = [key for key in PLACEHOLDERS if key not in body]
    for key in defaulted:
        body[key] = PLACEHOLDERS[key]
    if body.get("format", {}).get("category") == "non_electronic" and not body.get("location"):
        defaulted.append("location")
        body["location"] = "待填写存放位置"
    proposal.facts["defaulted"] = defaulted
    try:
        return ResourceBody.model_validate(body)
    except ValidationError as error:
        raise ValidationFailed(
            "the proposal is not a valid resource", validation_fields(error.errors())
        ) from None


def save(
    session: Session,
    proposal: Proposal,
    *,
    actor: Actor,
    node: Node,
    department_code: str,
    given: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Register the proposal as a draft; returns the draft as the API shows it."""
    body = completed(proposal, department_code=department_code, given=given)
    view = registry.register_resource(session, body=body, actor=actor, node=node)
    return {**view, "extracted": proposal.facts}


def paper_template() -> dict[str, Any]:
    """The form for a non-electronic resource (paper archives, maps on paper, microfilm).

    Nothing can be read from paper, so the proposal is the form itself: the fields to fill in,
    with their labels, and the body they produce.
    """
    return {
        "format": {"category": "non_electronic", "type": "纸质档案"},
        "share": {"type": "conditional", "condition": "到馆查阅"},
        "update_cycle": "irregular",
        "extracted": {
            "form": [
                {"field": "name", "label": "资源名称", "required": True},
                {"field": "abstract", "label": "内容摘要", "required": True},
                {"field": "location", "label": "存放位置", "required": True},
                {"field": "custodian", "label": "保管单位或保管人", "required": False},
                {"field": "volume", "label": "数量（卷、册、件）", "required": False},
                {"field": "temporal", "label": "起止年代", "required": False},
            ]
        },
    }
