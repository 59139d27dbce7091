"""Rendering the portal: the template environment, Chinese labels, highlighted hits, the bbox map.

The map is an SVG drawn here: the resource's box on a graticule over China's extent, so the page
needs no tile server (the government network has none) and no script.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from catalog.api.portal.auth import (
    LOGIN_CSRF_COOKIE,
    Visitor,
    secure_cookies,
    set_login_csrf_cookie,
)
from catalog.center.permissions import Actor
from catalog.center.vocab import LABELS, class_label

TEMPLATES = Jinja2Templates(directory=str(resources.files("catalog.api.portal") / "templates"))

FIELD_LABELS = {
    "name": "资源名称",
    "abstract": "摘要",
    "department_code": "提供方代码",
    "classification": "资源分类",
    "format": "资源格式",
    "keywords": "关键字",
    "items": "信息项",
    "share": "共享属性",
    "open": "开放属性",
    "secret": "涉密属性",
    "update_cycle": "更新周期",
    "links": "在线资源链接",
    "spatial": "空间范围",
    "temporal": "时间范围",
    "related_codes": "关联资源代码",
    "location": "存放位置",
    "custodian": "保管单位",
    "volume": "数量",
}
DATA_TYPES = {
    "C": "字符",
    "N": "数值",
    "Y": "货币",
    "D": "日期",
    "T": "日期时间",
    "L": "逻辑",
    "M": "备注",
    "G": "通用",
    "B": "双精度",
    "I": "整型",
    "F": "浮点",
}
LINK_KINDS = {"download": "下载", "service": "服务接口", "page": "网页", "other": "其他"}
ACTIONS = {
    "create": "创建",
    "edit": "修改",
    "submit": "提交审核",
    "approve": "审核通过",
    "reject": "退回",
    "retire": "下架",
    "ingest": "接收",
}

# China's extent (lon 73-135, lat 18-54): the frame of the locator map.
_FRAME = (73.0, 18.0, 135.0, 54.0)
_WIDTH, _HEIGHT = 620, 360


def label(code: Any) -> str:
    """The Chinese label of an enumeration code (the code itself when unknown)."""
    return LABELS.get(str(code), str(code)) if code is not None else ""


def shown(field: str, value: Any) -> str:
    """A body field as a person reads it (the reviewer's comparison), not as JSON."""
    if value is None or value == [] or value == {}:
        return ""
    if field == "classification":
        return "；".join(f"{c['code']} {c['name']}（{c['scheme']}）" for c in value)
    if field == "format":
        return label(value.get("category")) + (f" · {value['type']}" if value.get("type") else "")
    if field == "items":
        return "；".join(
            f"{i['name']} {i['data_type']}" + (f"({i['length']})" if i.get("length") else "")
            for i in value
        )
    if field == "share":
        parts = [label(value.get("type")), value.get("condition"), value.get("method")]
        return "：".join(p for p in parts if p)
    if field == "open":
        text = "向社会开放" if value.get("to_public") else "不向社会开放"
        return text + (f"：{value['condition']}" if value.get("condition") else "")
    if field == "secret":
        return "涉密" if value else "非涉密"
    if field == "update_cycle":
        return label(value)
    if field == "links":
        return "；".join(
            f"{link['url']}（{LINK_KINDS.get(link['kind'], link['kind'])}）" for link in value
        )
    if field == "spatial":
        return "，".join(str(v) for v in value.get("bbox") or []) + (
            f" 区划 {value['region_code']}" if value.get("region_code") else ""
        )
    if field == "temporal":
        return f"{value.get('start') or ''} — {value.get('end') or ''}"
    if isinstance(value, list):
        return "，".join(str(v) for v in value)
    return str(value)


def highlight(text: Any, query: str | None) -> Markup:
    """`text` escaped, with every term of the query marked."""
    safe = str(escape(text or ""))
    terms = sorted({t for t in re.split(r"\s+", query or "") if t}, key=len, reverse=True)
    if not terms:
        return Markup(safe)
    pattern = re.compile("|".join(re.escape(str(escape(t))) for t in terms), re.IGNORECASE)
    return Markup(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", safe))


def bbox_map(bbox: list[float] | None) -> Markup:
    """An SVG locator map of a bbox on a 5-degree graticule over China's extent."""
    if not bbox or len(bbox) != 4:
        return Markup("")
    west, south, east, north = _FRAME

    def x(lon: float) -> float:
        return round((lon - west) / (east - west) * _WIDTH, 1)

    def y(lat: float) -> float:
        return round((north - lat) / (north - south) * _HEIGHT, 1)

    lines = []
    for lon in range(75, 136, 5):
        lines.append(f'<line x1="{x(lon)}" y1="0" x2="{x(lon)}" y2="{_HEIGHT}"/>')
        lines.append(f'<text x="{x(lon) + 2}" y="{_HEIGHT - 4}">{lon}°E</text>')
    for lat in range(20, 55, 5):
        lines.append(f'<line x1="0" y1="{y(lat)}" x2="{_WIDTH}" y2="{y(lat)}"/>')
        lines.append(f'<text x="2" y="{y(lat) - 2}">{lat}°N</text>')
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox)
    if max_lon - min_lon < 0.05 and max_lat - min_lat < 0.05:
        shape = f'<circle class="box" cx="{x(min_lon)}" cy="{y(min_lat)}" r="5"/>'
    else:
        left, top = x(min_lon), y(max_lat)
        width, height = max(x(max_lon) - left, 2), max(y(min_lat) - top, 2)
        shape = f'<rect class="box" x="{left}" y="{top}" width="{width}" height="{height}"/>'
    caption = f"{min_lon}, {min_lat} — {max_lon}, {max_lat}"
    return Markup(
        f'<svg class="map" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-label="空间范围 {escape(caption)}"><g class="grid">{"".join(lines)}</g>'
        f"{shape}</svg>"
    )


def bars(counts: list[dict[str, Any]], *, limit: int = 12) -> list[dict[str, Any]]:
    """Facet counts as bars: label, count and width in percent of the largest."""
    top = counts[:limit]
    largest = max((c["count"] for c in top), default=0) or 1
    return [
        {
            "label": c.get("label") or c["value"],
            "count": c["count"],
            "width": c["count"] * 100 // largest,
        }
        for c in top
    ]


TEMPLATES.env.filters["label"] = label
TEMPLATES.env.filters["class_label"] = class_label
TEMPLATES.env.globals.update(
    highlight=highlight,
    shown=shown,
    bbox_map=bbox_map,
    bars=bars,
    FIELD_LABELS=FIELD_LABELS,
    DATA_TYPES=DATA_TYPES,
    LINK_KINDS=LINK_KINDS,
    ACTIONS=ACTIONS,
    LABELS=LABELS,
)


_API_PREFIXES = ("/api/", "/sync/", "/oai", "/healthz", "/openapi.json", "/docs", "/redoc")


def is_portal_path(path: str) -> bool:
    """Whether an error on this path is shown as a page (the portal) or as JSON (the APIs)."""
    return not path.startswith(_API_PREFIXES)


def page(
    request: Request, template: str, who: Visitor, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A rendered page; every page knows the visitor, the node and the CSRF token for its forms."""
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {"who": who, "node": request.app.state.node, **context},
        status_code=status_code,
    )
    # No framing (clickjacking of the forms), no type sniffing, no caching of a user's pages,
    # and nothing loaded from anywhere but this node.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if who.logged_in:
        response.headers["Cache-Control"] = "no-store"
    elif who.csrf and request.cookies.get(LOGIN_CSRF_COOKIE) != who.csrf:
        set_login_csrf_cookie(response, who.csrf, secure=secure_cookies(request))
    return response


def back_to(path: str, message: str) -> RedirectResponse:
    """After a form: to `path`, which shows `message` (post/redirect/get)."""
    return RedirectResponse(f"{path}?message={quote(message)}", status_code=303)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """An error as a page of the portal (the visitor is not looked up: no database here)."""
    titles = {401: "请先登录", 403: "没有权限", 404: "找不到页面或资源", 413: "文件过大"}
    who = Visitor(actor=Actor.anonymous(), csrf="")
    title = titles.get(status, "无法完成请求")
    return page(request, "error.html", who, status, title=title, message=message)
