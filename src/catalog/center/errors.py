"""Domain errors: each has a stable `code` and an HTTP status, rendered in one place by the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_SOURCES = ("body", "query", "path", "header", "cookie")
# Why a text holding U+0000 is refused, wherever it is found: PostgreSQL cannot store it.
NUL_REFUSED = "must not contain the NUL character"


@dataclass(frozen=True)
class FieldError:
    """One offending field: a dotted path (`share.condition`, `items.2.data_type`) and why."""

    path: str
    reason: str


class CatalogError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "error"
    status = 400

    def __init__(self, detail: str, fields: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or []


class Unauthenticated(CatalogError):
    code, status = "unauthenticated", 401


class Forbidden(CatalogError):
    code, status = "forbidden", 403


class AccessDenied(CatalogError):
    code, status = "access_denied", 403


class NotFound(CatalogError):
    code, status = "not_found", 404


class InvalidTransition(CatalogError):
    code, status = "invalid_transition", 409


class Conflict(CatalogError):
    code, status = "conflict", 409


class PayloadTooLarge(CatalogError):
    code, status = "payload_too_large", 413


class UnsupportedMediaType(CatalogError):
    code, status = "unsupported_media_type", 415


class ValidationFailed(CatalogError):
    code, status = "validation_error", 422

    @classmethod
    def on(cls, path: str, reason: str) -> ValidationFailed:
        """A validation error about a single field."""
        return cls(f"{path}: {reason}", [FieldError(path, reason)])


def field_path(loc: tuple[Any, ...] | list[Any], ctx: dict[str, Any] | None) -> str:
    """A dotted path from a pydantic location, without the `body`/`query` prefix.

    Rules over several fields put the exact field in their context (see center/schemas.py).
    """
    parts = [str(part) for part in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if ctx and isinstance(ctx.get("field"), str):
        parts.append(ctx["field"])
    return ".".join(parts) or "body"


def _reason(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def validation_fields(errors: list[dict[str, Any]] | Any) -> list[FieldError]:
    """Every offending field of a pydantic error list, once each."""
    fields: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for error in errors:
        if error.get("type") == "json_invalid":
            fields.append(FieldError("body", "not valid JSON"))
            continue
        path = field_path(error.get("loc", ()), error.get("ctx"))
        reason = _reason(str(error.get("msg", "invalid")))
        if (path, reason) not in seen:
            seen.add((path, reason))
            fields.append(FieldError(path, reason))
    return fields
