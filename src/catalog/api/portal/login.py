"""Logging in to the portal (username and token, here or at an ancestor) and out."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from catalog.api.deps import SessionDep, actor_for_token
from catalog.api.portal.auth import (
    SESSION_COOKIE,
    VisitorDep,
    check_csrf,
    secure_cookies,
    set_session_cookie,
)
from catalog.api.portal.render import page
from catalog.center import people, web_sessions
from catalog.center.errors import CatalogError
from catalog.center.permissions import Actor

router = APIRouter(include_in_schema=False)


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
    actor = actor_for_token(request, session, token)
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
def logout(session: SessionDep, who: VisitorDep, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(who, csrf)
    web_sessions.end(session, who.session_id)
    response = RedirectResponse("/search", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
