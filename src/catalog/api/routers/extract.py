"""Extraction: a proposed resource body from a file, a database or a web page (`?save=true`
saves it as a draft), and the form for non-electronic resources."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from pydantic import BaseModel, Field

from catalog.api.deps import NodeDep, SessionDep, SettingsDep, UserDep, require_json
from catalog.center.errors import ValidationFailed
from catalog.center.extract import drafts
from catalog.center.extract.databases import DatabaseSource, extract_database
from catalog.center.extract.files import extract_file
from catalog.center.extract.proposal import Proposal
from catalog.center.extract.webpages import fetch_page
from catalog.center.node import Node
from catalog.center.permissions import Actor, require_cataloguing
from catalog.center.vocab import FormatCategory

router = APIRouter(prefix="/api/v1/extract", tags=["extraction"])

Save = Annotated[bool, Query(description="save the proposal as a draft")]
Department = Annotated[
    str | None, Query(max_length=64, description="for save: default the cataloguer's department")
]


class WebPage(BaseModel):
    url: str = Field(min_length=1, max_length=2000)


def _department(actor: Actor, department: str | None) -> str:
    code = department or actor.department_code
    if not code:
        raise ValidationFailed.on("department", "required to save: which department provides it")
    return code


def _answer(
    session: SessionDep,
    proposal: Proposal,
    *,
    save: bool,
    actor: Actor,
    node: Node,
    department: str | None,
    given: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if not save:
        return proposal.as_dict()
    return drafts.save(
        session,
        proposal,
        actor=actor,
        node=node,
        department_code=_department(actor, department),
        given=given,
    )


@router.post("", status_code=200)
def extract_upload(
    file: Annotated[UploadFile, File(description="the resource itself")],
    session: SessionDep,
    node: NodeDep,
    actor: UserDep,
    save: Save = False,
    department: Department = None,
    resource: Annotated[
        str | None, Form(description="JSON object of fields to set on the saved draft")
    ] = None,
) -> dict[str, Any]:
    """Read the uploaded file: what it is, and what it says about itself."""
    require_cataloguing(actor)
    given = _given(resource)
    filename = Path(file.filename or "upload").name
    with tempfile.TemporaryDirectory(prefix="catalog-extract-") as folder:
        path = Path(folder) / "content"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1024 * 1024)
        proposal = extract_file(path, filename)
    return _answer(
        session, proposal, save=save, actor=actor, node=node, department=department, given=given
    )


def _given(resource: str | None) -> dict[str, Any] | None:
    if resource is None:
        return None
    try:
        value = json.loads(resource)
    except json.JSONDecodeError:
        raise ValidationFailed.on("resource", "not valid JSON") from None
    if not isinstance(value, dict):
        raise ValidationFailed.on("resource", "must be a JSON object")
    return value


@router.post("/database", dependencies=[Depends(require_json)])
def extract_from_database(
    source: DatabaseSource,
    session: SessionDep,
    node: NodeDep,
    settings: SettingsDep,
    actor: UserDep,
    save: Save = False,
    department: Department = None,
) -> dict[str, Any]:
    """One proposal per table; the password is used for this connection only."""
    require_cataloguing(actor)
    proposals = extract_database(source, drop_folder=settings.data_dir / "extract")
    answers = [
        _answer(session, p, save=save, actor=actor, node=node, department=department)
        for p in proposals
    ]
    return {"proposals": answers}


@router.post("/webpage", dependencies=[Depends(require_json)])
def extract_webpage(
    page: WebPage,
    session: SessionDep,
    node: NodeDep,
    settings: SettingsDep,
    actor: UserDep,
    save: Save = False,
    department: Department = None,
) -> dict[str, Any]:
    """Fetch the page (address rules of CATALOG_FETCH_ALLOW) and propose what its head says."""
    require_cataloguing(actor)
    proposal = fetch_page(page.url, allow=settings.fetch_allow)
    return _answer(session, proposal, save=save, actor=actor, node=node, department=department)


@router.get("/template")
def template(
    actor: UserDep,
    category: Annotated[FormatCategory, Query()] = FormatCategory.NON_ELECTRONIC,
) -> dict[str, Any]:
    """The form for resources nothing can be read from (non-electronic ones)."""
    require_cataloguing(actor)
    if category is not FormatCategory.NON_ELECTRONIC:
        raise ValidationFailed.on("category", "templates exist for non_electronic resources only")
    return drafts.paper_template()
