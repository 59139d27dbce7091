"""Realistic synthetic catalogue records: the seed's places and departments, Chinese government
vocabulary, every format, some with a bounding box. Deterministic for a given seed.

Words come in three kinds so that query terms fall into known frequency bands: topics (in a few
per cent of the records each or more), place names of counties (medium) and townships (rare:
about 1,600 of them, each in about 0.02 % of the records).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from catalog.center.vocab import UpdateCycle

NODES = {
    "150000": ("内蒙古自治区", (97.2, 37.4, 126.1, 53.3)),
    "150400": ("赤峰市", (116.2, 41.3, 120.9, 45.4)),
    "150700": ("呼伦贝尔市", (115.5, 47.1, 126.1, 53.3)),
}
COUNTIES = {
    "150000": [
        "呼和浩特市",
        "包头市",
        "乌海市",
        "通辽市",
        "鄂尔多斯市",
        "巴彦淖尔市",
        "乌兰察布市",
    ],
    "150400": [
        "红山区",
        "元宝山区",
        "松山区",
        "阿鲁科尔沁旗",
        "巴林左旗",
        "巴林右旗",
        "林西县",
        "克什克腾旗",
        "翁牛特旗",
        "喀喇沁旗",
        "宁城县",
        "敖汉旗",
    ],
    "150700": [
        "海拉尔区",
        "扎赉诺尔区",
        "阿荣旗",
        "莫力达瓦达斡尔族自治旗",
        "鄂伦春自治旗",
        "鄂温克族自治旗",
        "陈巴尔虎旗",
        "新巴尔虎左旗",
        "新巴尔虎右旗",
        "满洲里市",
        "牙克石市",
        "扎兰屯市",
        "额尔古纳市",
        "根河市",
    ],
}
DEPARTMENTS = [
    ("BGT", "人民政府办公厅"),
    ("FGW", "发展和改革委员会"),
    ("TJJ", "统计局"),
    ("DAJ", "档案局"),
    ("CHJ", "测绘地理信息局"),
    ("FPB", "扶贫开发办公室"),
    ("RSJ", "人力资源和社会保障局"),
    ("GAJ", "公安局"),
    ("CZJ", "财政局"),
    ("MZJ", "民政局"),
    ("NMJ", "农牧业局"),
    ("SWJ", "税务局"),
]
TOPICS = [
    ("人口", "1010101"),
    ("户籍", "1010102"),
    ("法人", "1020101"),
    ("企业登记", "1020102"),
    ("营业执照", "1050101"),
    ("不动产登记", "1030201"),
    ("土地利用", "1030101"),
    ("林地", "1030102"),
    ("草原", "1030103"),
    ("水资源", "1030104"),
    ("气象", "1030105"),
    ("社会信用", "1040101"),
    ("医疗卫生", "2020101"),
    ("疫苗接种", "2020102"),
    ("社会保障", "2030101"),
    ("养老保险", "2030102"),
    ("最低生活保障", "2030103"),
    ("就业", "2010101"),
    ("教育", "2010102"),
    ("食品安全", "2040101"),
    ("安全生产", "2050101"),
    ("价格监测", "2060101"),
    ("能源", "2070101"),
    ("城乡建设", "2090101"),
    ("社区治理", "2100101"),
    ("生态环境", "2110101"),
    ("应急管理", "2120101"),
    ("扶贫", "3010101"),
    ("财政收支", "3020101"),
    ("税收", "3030101"),
    ("农牧业生产", "3040101"),
    ("档案", "3050101"),
]
KINDS = [
    ("基础信息库", "database", "KingbaseES"),
    ("业务数据库", "database", "MySQL"),
    ("统计年报", "spreadsheet", "xlsx"),
    ("台账", "spreadsheet", "xlsx"),
    ("名录", "spreadsheet", "csv"),
    ("分布图", "image", "shp"),
    ("专题图", "image", "GeoTIFF"),
    ("遥感影像", "image", "tif"),
    ("工作报告", "file", "OFD"),
    ("政策文件", "file", "pdf"),
    ("会议纪要", "file", "docx"),
    ("宣传片", "media", "mp4"),
    ("访谈录音", "media", "mp3"),
    ("专题网页", "web", "html"),
    ("公开目录", "self_describing", "xml"),
    ("纸质档案", "non_electronic", None),
    ("其他材料", "other", None),
]
ITEMS = [
    ("公民身份号码", "C", 18),
    ("姓名", "C", 50),
    ("性别", "C", 2),
    ("出生日期", "D", None),
    ("民族", "C", 20),
    ("户籍地址", "C", 200),
    ("统一社会信用代码", "C", 18),
    ("法定代表人", "C", 50),
    ("注册资本", "Y", None),
    ("成立日期", "D", None),
    ("经营范围", "M", None),
    ("行政区划代码", "C", 12),
    ("面积", "N", None),
    ("人数", "I", None),
    ("金额", "Y", None),
    ("登记时间", "T", None),
    ("是否有效", "L", None),
    ("经度", "F", None),
    ("纬度", "F", None),
    ("备注", "M", None),
]
PHRASES = [
    "为各部门提供共享比对服务",
    "按月汇总更新",
    "数据来源于业务系统",
    "经审核后发布",
    "覆盖全部旗县区",
    "支持按行政区划查询",
    "用于宏观决策分析",
    "依法依规共享使用",
    "包含历年数据",
    "通过共享平台交换",
    "面向社会公众开放",
    "定期开展质量核查",
]
_SYLLABLES = "安宝昌达丰福广和河红华吉金锦康乐隆民宁平庆瑞山胜泰天旺文祥新兴阳永裕兆"
TOWNSHIPS = [a + b + "镇" for a in _SYLLABLES for b in _SYLLABLES if a != b]
SHARES = [("unconditional", 5), ("conditional", 4), ("none", 1)]
CYCLES = [cycle.value for cycle in UpdateCycle]


@dataclass(frozen=True)
class Record:
    """One generated record: where it originates, and its API.md resource body."""

    origin: str
    body: dict[str, Any]


def records(count: int, *, seed: int = 21063, chunk: int = 3000) -> Iterator[Record]:
    """`count` records spread over the three nodes (a third each): chunk after chunk."""
    for number in range(-(-count // chunk)):
        yield from chunk_of(number, chunk, count, seed=seed)


def chunk_of(number: int, size: int, count: int, *, seed: int = 21063) -> list[Record]:
    """Chunk `number` of `records(count, chunk=size)`, made on its own (its own random stream),
    so that loading processes can each make theirs instead of receiving it pickled (about
    40 µs a record of the load's CPU, generating it costs 33)."""
    rng = random.Random(f"{seed}:{number}")
    origins = list(NODES)
    start = number * size
    return [
        Record(origin=origins[index % 3], body=_body(rng, origins[index % 3]))
        for index in range(start, min(start + size, count))
    ]


def _body(rng: random.Random, origin: str) -> dict[str, Any]:
    place, (west, south, east, north) = NODES[origin]
    county = rng.choice(COUNTIES[origin])
    topic, class_code = rng.choice(TOPICS)
    kind, category, file_type = rng.choice(KINDS)
    department_code, _ = rng.choice(DEPARTMENTS)
    township = rng.choice(TOWNSHIPS) if rng.random() < 0.35 else ""
    year = rng.randint(2008, 2017)
    where = rng.choice([place, county, place + county])
    name = f"{where}{township}{year}年{topic}{kind}"
    share = rng.choices([s for s, _ in SHARES], weights=[w for _, w in SHARES])[0]
    body: dict[str, Any] = {
        "name": name[:200],
        "abstract": "，".join([f"{where}{township}{topic}相关{kind}", *rng.sample(PHRASES, 3)])
        + "。",
        "department_code": department_code,
        "classification": [{"scheme": "政务信息资源分类", "code": class_code, "name": topic}],
        "format": {"category": category, **({"type": file_type} if file_type else {})},
        "keywords": [topic, county, *rng.sample([t for t, _ in TOPICS], 2)],
        "items": [],
        "share": {"type": share, "method": "共享平台方式"},
        "open": {"to_public": share == "unconditional" and rng.random() < 0.5},
        "update_cycle": rng.choice(CYCLES),
        "links": [
            {
                "url": f"http://data.example.gov.cn/{origin}/{rng.getrandbits(32):x}",
                "kind": "service",
            }
        ],
    }
    if share != "unconditional":
        body["share"]["condition"] = "仅限政务用途" if share == "conditional" else "依据保密规定"
    if category in ("database", "spreadsheet"):
        chosen = rng.sample(ITEMS, rng.randint(4, 10))
        body["items"] = [
            {"name": n, "data_type": t, **({"length": length} if length else {})}
            for n, t, length in chosen
        ]
    if category == "non_electronic":
        body["location"] = f"{place}档案馆"
    if category == "image" or rng.random() < 0.2:
        lon = rng.uniform(west, east - 0.5)
        lat = rng.uniform(south, north - 0.5)
        body["spatial"] = {
            "bbox": [round(lon, 4), round(lat, 4), round(lon + 0.5, 4), round(lat + 0.5, 4)]
        }
    return body


def department_names(origin: str) -> dict[str, str]:
    """The departments' full names at a node, as the seed region called them."""
    place = NODES[origin][0]
    return {code: place + name for code, name in DEPARTMENTS}
