"""OAI-PMH 2.0 at /oai (GET or form POST), and the XML Schemas its formats name."""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response

from catalog.api.deps import ReaderDep, SessionDep, SettingsDep
from catalog.center import oai

router = APIRouter(prefix="/oai", tags=["exchange"])

_XML = "text/xml; charset=utf-8"


def _repository(request: Request, settings: SettingsDep) -> oai.Repository:
    return oai.Repository(
        node=request.app.state.node,
        base_url=f"{settings.public_url}/oai",
        admin_email=settings.admin_email,
    )


@router.get("")
def harvest(
    request: Request, session: SessionDep, settings: SettingsDep, actor: ReaderDep
) -> Response:
    """The six verbs; errors are OAI-PMH error elements in a 200 answer, as the protocol says."""
    arguments = request.query_params.multi_items()
    document = oai.respond(session, _repository(request, settings), arguments)
    return Response(document, media_type=_XML)


async def _form(request: Request) -> list[tuple[str, str]]:
    form = await request.form()
    return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]


@router.post("")
def harvest_by_form(
    request: Request,
    arguments: Annotated[list[tuple[str, str]], Depends(_form)],
    session: SessionDep,
    settings: SettingsDep,
    actor: ReaderDep,
) -> Response:
    """The same verbs with the arguments in an application/x-www-form-urlencoded body."""
    document = oai.respond(session, _repository(request, settings), arguments)
    return Response(document, media_type=_XML)


@router.get("/schemas/{name}.xsd")
def schema(name: Literal["gbt21063", "catalog-ext"]) -> Response:
    """The XML Schemas of the gbt21063 format, shipped in the package."""
    text = (resources.files("catalog.center") / "xsd" / f"{name}.xsd").read_bytes()
    return Response(text, media_type=_XML)
