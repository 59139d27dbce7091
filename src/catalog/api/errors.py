"""The one place errors become HTTP: `{"error", "detail", "fields"}` for every failure."""

from __future__ import annotations

import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from catalog.api.portal.auth import LoginRequired, to_login
from catalog.api.portal.render import error_page, is_portal_path
from catalog.center.errors import NUL_REFUSED, CatalogError, FieldError, validation_fields

_log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def envelope(
    status: int, code: str, detail: str, fields: list[FieldError] | None = None
) -> JSONResponse:
    """A JSON error response in the contract's shape."""
    content = {
        "error": code,
        "detail": detail,
        "fields": [{"path": f.path, "reason": f.reason} for f in fields or []],
    }
    return JSONResponse(content, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, request validation and HTTP errors onto the envelope."""

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return to_login(request)

    @app.exception_handler(CatalogError)
    async def _domain(request: Request, exc: CatalogError) -> Response:
        if is_portal_path(request.url.path):
            return error_page(request, exc.status, exc.detail)
        return envelope(exc.status, exc.code, exc.detail, exc.fields)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = validation_fields(exc.errors())
        names = ", ".join(f.path for f in fields)
        return envelope(422, "validation_error", f"invalid request: {names}", fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if is_portal_path(request.url.path) and exc.status_code in (404, 405, 413):
            return error_page(request, exc.status_code, str(exc.detail))
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        response = envelope(exc.status_code, code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        if not _holds_nul(exc):
            raise exc
        # A NUL the models did not name (a query parameter, say): still the client's error, and
        # nothing was written (the statement failed inside the request's transaction).
        detail = f"text {NUL_REFUSED}"
        if is_portal_path(request.url.path):
            return error_page(request, 422, detail)
        return envelope(
            422,
            "validation_error",
            detail,
            [FieldError("request", NUL_REFUSED)],
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unhandled error on %s %s", request.method, request.url.path)
        return envelope(500, "internal_error", "the node failed to handle this request")


def _holds_nul(exc: DBAPIError) -> bool:
    """Whether PostgreSQL (or psycopg, before sending) refused a value for holding NUL."""
    cause = exc.orig
    return isinstance(cause, psycopg.errors.UntranslatableCharacter) or (
        isinstance(cause, psycopg.DataError) and "NUL (0x00)" in str(cause)
    )
