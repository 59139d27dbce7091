"""Portal sessions and CSRF: who is looking at a page, and whether a form really came from us.

Logged-in forms carry the session's CSRF token; the login form, before there is a session, uses
a double-submit cookie (a random value in an HttpOnly, SameSite=Strict cookie that the form must
repeat). Either way a form posted from another site cannot carry the right value.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from catalog.api.deps import SessionDep
from catalog.center import web_sessions
from catalog.center.errors import Forbidden
from catalog.center.permissions import Actor

SESSION_COOKIE = "catalog_session"
LOGIN_CSRF_COOKIE = "catalog_login_csrf"


@dataclass(frozen=True)
class Visitor:
    """Who is looking: an actor (anonymous without a session) and the CSRF token for forms."""

    actor: Actor
    csrf: str
    session_id: str | None = None

    @property
    def logged_in(self) -> bool:
        return self.session_id is not None


def visitor(request: Request, session: SessionDep) -> Visitor:
    """The visitor of this request, from the session cookie."""
    session_id = request.cookies.get(SESSION_COOKIE)
    found = web_sessions.find(session, session_id)
    if found is None:
        csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
        return Visitor(actor=Actor.anonymous(), csrf=csrf)
    actor, csrf = found
    return Visitor(actor=actor, csrf=csrf, session_id=session_id)


VisitorDep = Annotated[Visitor, Depends(visitor)]


def check_csrf(who: Visitor, presented: str | None) -> None:
    """Refuse a form without the right CSRF token (403)."""
    if not web_sessions.csrf_matches(who.csrf, presented):
        raise Forbidden("the form has expired or did not come from this site; reload and retry")


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure whenever users reach the node over HTTPS (its public URL says so, also
    behind a proxy that ends TLS)."""
    return bool(request.app.state.settings.public_url.startswith("https://"))


def set_session_cookie(response: Response, session_id: str, *, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(web_sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")


def set_login_csrf_cookie(response: Response, value: str, *, secure: bool) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE, value, httponly=True, samesite="strict", secure=secure, path="/"
    )


class LoginRequired(Exception):
    """A page or form that needs a signed-in visitor was asked for without one (api/errors.py
    answers it with the login form)."""


def signed_in(who: VisitorDep) -> Visitor:
    """The visitor, who must be signed in."""
    if not who.logged_in:
        raise LoginRequired
    return who


def signed_form(
    who: Annotated[Visitor, Depends(signed_in)], csrf: Annotated[str, Form()] = ""
) -> Visitor:
    """The signed-in visitor of a form that carries their CSRF token."""
    check_csrf(who, csrf)
    return who


SignedInDep = Annotated[Visitor, Depends(signed_in)]
SignedFormDep = Annotated[Visitor, Depends(signed_form)]


def to_login(request: Request) -> RedirectResponse:
    """To the login form, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
