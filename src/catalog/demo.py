"""Demo data: the seed region's cataloguing departments and a few hundred realistic resources.

Everything goes through the same service functions the API uses, so the demo also exercises the
workflow. Seeding is idempotent: a second run finds the departments and resources and adds nothing.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.center import people, registry
from catalog.center import repository as repo
from catalog.center.models import Resource
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.center.vocab import Role, UpdateCycle
from catalog.config import Settings

# The cataloguing departments of METADATA.md §3; each centre has its own, coded `<node>-<nn>`.
DEPARTMENT_NAMES = [
    "人民政府办公厅",
    "发展和改革委员会",
    "统计局",
    "档案局",
    "测绘地理信息局",
    "扶贫开发办公室",
    "人力资源和社会保障局",
    "公安局",
    "财政局",
    "民政局",
    "农牧业局",
    "国家税务局",
    "地方税务局",
]
PLACE_NAMES = {"150000": "内蒙古自治区", "150400": "赤峰市", "150700": "呼伦贝尔市"}


def departments(node_code: str) -> list[tuple[str, str]]:
    """The demo departments of a centre."""
    place = PLACE_NAMES.get(node_code, "")
    return [(f"{node_code}-{i:02d}", place + name) for i, name in enumerate(DEPARTMENT_NAMES, 1)]


PLACES = [
    ("内蒙古自治区", "150000", (97.2, 37.4, 126.1, 53.4)),
    ("赤峰市", "150400", (116.2, 41.3, 121.0, 45.4)),
    ("呼伦贝尔市", "150700", (115.5, 47.1, 126.0, 53.3)),
    ("克什克腾旗", "150425", (116.4, 42.9, 118.4, 44.2)),
]
TOPICS = [
    ("101001", "人口基础信息", ["人口", "户籍", "常住人口"]),
    ("102001", "法人单位基础信息", ["法人", "企业", "统一社会信用代码"]),
    ("103001", "自然资源和空间地理", ["空间地理", "地形", "土地利用"]),
    ("104001", "社会信用信息", ["信用", "失信", "守信激励"]),
    ("105001", "电子证照", ["证照", "营业执照", "身份证"]),
    ("201001", "公共服务事项", ["公共服务", "办事指南"]),
    ("203001", "社会保障参保信息", ["社会保障", "参保", "养老保险"]),
    ("210001", "城乡建设规划", ["城乡建设", "规划"]),
    ("213001", "生态环境监测", ["生态环保", "空气质量", "水质"]),
    ("212001", "扶贫对象建档立卡", ["扶贫", "建档立卡", "贫困户"]),
    ("301001", "部门财政预决算", ["财政", "预算", "决算"]),
    ("302001", "税收征管", ["税务", "纳税人", "征管"]),
]
FORMATS: dict[str, list[tuple[str, str]]] = {
    "database": [("{place}{topic}库", "KingbaseES"), ("{topic}管理信息系统数据库", "mysql")],
    "spreadsheet": [
        ("{year}年{place}{topic}统计表", "xlsx"),
        ("{place}{topic}汇总表（{year}）", "csv"),
    ],
    "file": [
        ("关于{year}年{topic}工作的报告", "pdf"),
        ("{place}{topic}管理办法", "docx"),
        ("{topic}工作简报", "OFD"),
    ],
    "image": [("{place}{topic}专题图", "shp"), ("{place}1:50000{topic}分布图", "GeoTIFF")],
    "media": [("{topic}宣传片", "mp4"), ("{year}年{topic}工作会议录音", "mp3")],
    "web": [("{topic}专栏网页", "html"), ("{place}{topic}公示网页", "html")],
    "self_describing": [("{topic}数据交换接口", "xml"), ("{topic}开放数据集", "json")],
    "non_electronic": [("{year}年{topic}纸质档案", "纸质"), ("{place}{topic}历史图册", "纸质")],
    "other": [("{topic}其他资料", "zip")],
}
CYCLES = [cycle.value for cycle in UpdateCycle]
ITEM_TYPES = [
    ("证件号码", "C", 18),
    ("姓名", "C", 50),
    ("出生日期", "D", None),
    ("金额", "Y", 16),
    ("登记时间", "T", None),
    ("数量", "I", 10),
    ("是否有效", "L", 1),
    ("备注", "M", None),
]
# How the seeded resources end up, in every status the workflow has.
FATES = ["published"] * 12 + [
    "draft",
    "draft",
    "submitted",
    "rejected",
    "retired",
    "published+draft",
]
RESOURCE_COUNT = 320


def seed(session: Session, *, settings: Settings) -> str:
    """Seed departments, demo users and resources once; say what the store now holds."""
    operator = Actor.operator()
    own = departments(settings.node_code)
    for code, name in own:
        if repo.department_by_code(session, code) is None:
            people.create_department(session, code=code, name=name, actor=operator)
    for username, role, department in [
        ("admin", Role.ADMIN, None),
        ("reviewer", Role.REVIEWER, None),
    ]:
        if repo.user_by_username(session, username) is None:
            people.create_user(
                session,
                username=username,
                role=role,
                department_code=department,
                actor=operator,
                ttl_days=settings.token_ttl_days,
            )
    existing = session.scalar(
        select(func.count()).select_from(Resource).where(Resource.origin_code == settings.node_code)
    )
    if not existing:
        node = settings.node
        _seed_resources(session, node=node, operator=operator, own=own)
    total = session.scalar(
        select(func.count()).select_from(Resource).where(Resource.origin_code == settings.node_code)
    )
    return f"{len(own)} departments, {total or 0} resources of its own"


def _seed_resources(
    session: Session, *, node: Node, operator: Actor, own: list[tuple[str, str]]
) -> None:
    rng = random.Random(2026)
    categories = list(FORMATS)
    for index in range(RESOURCE_COUNT):
        category = categories[index % len(categories)]
        body = ResourceBody.model_validate(_body(rng, category, index, own))
        fate = FATES[index % len(FATES)]
        created = registry.register_resource(session, body=body, actor=operator, node=node)
        rid = uuid.UUID(created["id"])
        if fate == "draft":
            continue
        registry.submit_resource(session, resource_id=rid, actor=operator, node=node)
        if fate == "submitted":
            continue
        if fate == "rejected":
            registry.reject_resource(
                session,
                resource_id=rid,
                actor=operator,
                node=node,
                reason="摘要过于简略，请补充数据范围和更新方式",
            )
            continue
        registry.approve_resource(session, resource_id=rid, actor=operator, node=node)
        if fate == "retired":
            registry.retire_resource(
                session, resource_id=rid, actor=operator, node=node, reason="已被新版资源替代"
            )
        elif fate == "published+draft":
            revised = body.model_copy(
                update={"abstract": body.abstract + "（修订中：补充字段说明）"}
            )
            registry.replace_resource(
                session, resource_id=rid, body=revised, actor=operator, node=node
            )


def _body(
    rng: random.Random, category: str, index: int, own: list[tuple[str, str]]
) -> dict[str, Any]:
    class_code, topic, keywords = TOPICS[index % len(TOPICS)]
    place, region_code, extent = rng.choice(PLACES)
    template, ftype = rng.choice(FORMATS[category])
    year = rng.choice([2015, 2016, 2017, 2018])
    department_code, department_name = own[index % len(own)]
    share = rng.choice(["unconditional", "unconditional", "conditional", "none"])
    body: dict[str, Any] = {
        "name": template.format(place=place, topic=topic, year=year),
        "abstract": f"{department_name}汇集的{place}{topic}，用于跨部门共享和业务协同。",
        "department_code": department_code,
        "classification": [{"scheme": "政务信息资源分类", "code": class_code, "name": topic}],
        "format": {"category": category, "type": ftype},
        "keywords": keywords,
        "share": {"type": share, "method": "共享平台方式"},
        "open": {"to_public": share == "unconditional" and rng.random() < 0.5},
        "update_cycle": rng.choice(CYCLES),
        "spatial": {"region_code": region_code},
        "temporal": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
    }
    if share == "conditional":
        body["share"]["condition"] = "仅用于政务服务和监管业务，需经提供部门审批"
    elif share == "none":
        body["share"]["condition"] = "依据《中华人民共和国保守国家秘密法》不予共享"
    if category in ("database", "spreadsheet"):
        body["items"] = [
            {"name": name, "data_type": dtype, **({"length": length} if length else {})}
            for name, dtype, length in rng.sample(ITEM_TYPES, 4)
        ]
    if category == "image":
        body["spatial"]["bbox"] = list(extent)
    if category in ("web", "self_describing"):
        body["links"] = [{"url": f"http://www.nmg.gov.cn/zwgk/{index:05d}.html", "kind": "page"}]
    if category == "non_electronic":
        body["location"] = f"{department_name}档案室第{rng.randint(1, 9)}排档案柜"
    return body
