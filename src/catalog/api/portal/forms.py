"""The resource form: flat HTML fields to the REST body and back, and errors to the fields.

The form is the REST body laid out for people: lists become lines of a text area (items
`名称|代码|类型|长度|说明`, links `地址|类型|标题`), keywords are comma-separated. Validation is the
API's own (ResourceBody), so the portal and the API accept exactly the same records; each error
path is shown beside the field it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from catalog.center.errors import FieldError, validation_fields
from catalog.center.schemas import ResourceBody

# The body's fields in the order the reviewer's comparison lists them.
FIELD_KEYS = (
    "name",
    "abstract",
    "department_code",
    "classification",
    "format",
    "keywords",
    "items",
    "share",
    "open",
    "secret",
    "update_cycle",
    "links",
    "spatial",
    "temporal",
    "related_codes",
    "location",
    "custodian",
    "volume",
)

_SPLIT = re.compile(r"[,，;；、]+")

# Error paths (their first one or two segments) onto the form field that shows them.
_FIELD_OF = {
    "content_sha256": "file",
    "classification": "classification",
    "format.category": "format_category",
    "format.type": "format_type",
    "share.type": "share_type",
    "share.condition": "share_condition",
    "share.method": "share_method",
    "open.to_public": "open_to_public",
    "open.condition": "open_condition",
    "spatial.bbox": "bbox",
    "spatial.region_code": "region_code",
    "temporal.start": "temporal_start",
    "temporal.end": "temporal_end",
}


def body_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The REST body the form's fields describe (not yet validated)."""
    text = {key: (form.get(key) or "").strip() for key in form}

    def value(key: str) -> str | None:
        return text.get(key) or None

    body: dict[str, Any] = {
        "name": text.get("name", ""),
        "abstract": text.get("abstract", ""),
        "department_code": text.get("department_code", ""),
        "classification": [
            {
                "scheme": text.get("classification_scheme") or "政务信息资源分类",
                "code": text.get("classification_code", ""),
                "name": text.get("classification_name", ""),
            }
        ],
        "format": {"category": text.get("format_category", ""), "type": value("format_type")},
        "keywords": [k.strip() for k in _SPLIT.split(text.get("keywords", "")) if k.strip()],
        "items": [_item(line) for line in _lines(text.get("items", ""))],
        "share": {
            "type": text.get("share_type", ""),
            "condition": value("share_condition"),
            "method": value("share_method"),
        },
        "open": {
            "to_public": form.get("open_to_public") == "on",
            "condition": value("open_condition"),
        },
        "secret": form.get("secret") == "on",
        "update_cycle": text.get("update_cycle", ""),
        "links": [_link(line) for line in _lines(text.get("links", ""))],
        "related_codes": [c for c in _SPLIT.split(text.get("related_codes", "")) if c.strip()],
        "location": value("location"),
        "custodian": value("custodian"),
        "volume": value("volume"),
    }
    corners = [text.get(k, "") for k in ("min_lon", "min_lat", "max_lon", "max_lat")]
    if any(corners) or value("region_code"):
        body["spatial"] = {
            "bbox": corners if any(corners) else None,
            "region_code": value("region_code"),
        }
    if value("temporal_start") or value("temporal_end"):
        body["temporal"] = {"start": value("temporal_start"), "end": value("temporal_end")}
    return body


def validate(form: Mapping[str, str]) -> tuple[ResourceBody | None, dict[str, list[str]]]:
    """The validated body, or the errors by form field."""
    try:
        return ResourceBody.model_validate(body_from_form(form)), {}
    except ValidationError as error:
        return None, errors_by_field(validation_fields(error.errors()))


def errors_by_field(fields: list[FieldError]) -> dict[str, list[str]]:
    """API error paths onto form fields, with the line of a list named in the message."""
    shown: dict[str, list[str]] = {}
    for field in fields:
        parts = field.path.split(".")
        name = _FIELD_OF.get(".".join(parts[:2])) or _FIELD_OF.get(parts[0]) or parts[0]
        reason = _chinese(field.reason)
        if parts[0] in ("items", "links") and len(parts) > 1 and parts[1].isdigit():
            reason = f"第 {int(parts[1]) + 1} 行（{'.'.join(parts[2:]) or parts[0]}）: {reason}"
        shown.setdefault(name, []).append(reason)
    return shown


# The validation messages a form most often meets, in Chinese; others are shown as they are.
_MESSAGES = [
    (re.compile(r"^Field required$"), "必填"),
    (re.compile(r"^String should have at least 1 character$"), "不能为空"),
    (re.compile(r"^String should have at most (\d+) characters?$"), r"最多 \1 个字"),
    (re.compile(r"^String should match pattern .*"), "格式不正确"),
    (re.compile(r"^Input should be a valid number.*"), "应为数字"),
    (re.compile(r"^Input should be a valid integer.*"), "应为整数"),
    (re.compile(r"^Input should be a valid date.*"), "应为日期（YYYY-MM-DD）"),
    (re.compile(r"^Input should be (.+)$"), r"应为 \1 之一"),
    (re.compile(r"^List should have at least 1 item.*"), "至少填写一项"),
]


def _chinese(reason: str) -> str:
    for pattern, replacement in _MESSAGES:
        if pattern.match(reason):
            return pattern.sub(replacement, reason)
    return reason


def form_from_body(body: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields for a body (a draft being edited, or an extraction's proposal)."""
    first = (body.get("classification") or [{}])[0]
    fmt, share = body.get("format") or {}, body.get("share") or {}
    opened, spatial = body.get("open") or {}, body.get("spatial") or {}
    temporal = body.get("temporal") or {}
    bbox = spatial.get("bbox") or ["", "", "", ""]
    form = {
        "name": body.get("name") or "",
        "abstract": body.get("abstract") or "",
        "department_code": body.get("department_code") or "",
        "classification_scheme": first.get("scheme") or "政务信息资源分类",
        "classification_code": first.get("code") or "",
        "classification_name": first.get("name") or "",
        "format_category": fmt.get("category") or "",
        "format_type": fmt.get("type") or "",
        "keywords": "，".join(body.get("keywords") or []),
        "items": "\n".join(_item_line(item) for item in body.get("items") or []),
        "share_type": share.get("type") or "",
        "share_condition": share.get("condition") or "",
        "share_method": share.get("method") or "",
        "open_to_public": "on" if opened.get("to_public") else "",
        "open_condition": opened.get("condition") or "",
        "secret": "on" if body.get("secret") else "",
        "update_cycle": body.get("update_cycle") or "",
        "links": "\n".join(
            "|".join([link["url"], link.get("kind", "other"), link.get("title") or ""]).rstrip("|")
            for link in body.get("links") or []
        ),
        "related_codes": "，".join(body.get("related_codes") or []),
        "location": body.get("location") or "",
        "custodian": body.get("custodian") or "",
        "volume": body.get("volume") or "",
        "region_code": spatial.get("region_code") or "",
        "temporal_start": temporal.get("start") or "",
        "temporal_end": temporal.get("end") or "",
    }
    for key, corner in zip(("min_lon", "min_lat", "max_lon", "max_lat"), bbox, strict=True):
        form[key] = "" if corner is None else str(corner)
    return form


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _item(line: str) -> dict[str, Any]:
    parts = [part.strip() for part in line.split("|")]
    parts += [""] * (5 - len(parts))
    item: dict[str, Any] = {"name": parts[0], "data_type": parts[2].upper() or "C"}
    if parts[1]:
        item["code"] = parts[1]
    if parts[3]:
        item["length"] = parts[3]
    if parts[4]:
        item["description"] = parts[4]
    return item


def _item_line(item: Mapping[str, Any]) -> str:
    parts = [
        item.get("name") or "",
        item.get("code") or "",
        item.get("data_type") or "",
        str(item.get("length") or ""),
        item.get("description") or "",
    ]
    return "|".join(parts).rstrip("|")


def _link(line: str) -> dict[str, Any]:
    parts = [part.strip() for part in line.split("|")]
    link: dict[str, Any] = {
        "url": parts[0],
        "kind": (parts[1] if len(parts) > 1 else "") or "other",
    }
    if len(parts) > 2 and parts[2]:
        link["title"] = parts[2]
    return link
