"""The portal's pages, one router: each page parses the request, calls the same service functions
as the REST API and renders a template; forms post back and redirect (post/redirect/get)."""

from __future__ import annotations

from fastapi import APIRouter

from catalog.api.portal import directory, login, review, workspace

router = APIRouter(include_in_schema=False)
for part in (directory, login, workspace, review):
    router.include_router(part.router)
