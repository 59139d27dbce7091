"""The stable English codes of API.md's enumerations, and the Chinese labels shown to people."""

from __future__ import annotations

from enum import StrEnum


class FormatCategory(StrEnum):
    FILE = "file"
    SPREADSHEET = "spreadsheet"
    DATABASE = "database"
    IMAGE = "image"
    MEDIA = "media"
    WEB = "web"
    SELF_DESCRIBING = "self_describing"
    NON_ELECTRONIC = "non_electronic"
    OTHER = "other"


class ShareType(StrEnum):
    UNCONDITIONAL = "unconditional"
    CONDITIONAL = "conditional"
    NONE = "none"


class UpdateCycle(StrEnum):
    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    YEARLY = "yearly"
    IRREGULAR = "irregular"


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    RETIRED = "retired"


class DataType(StrEnum):
    """信息项 data types: C 字符, N 数值, Y 货币, D 日期, T 日期时间, L 逻辑, M 备注, G 通用,
    B 双精度, I 整型, F 浮点."""

    C = "C"
    N = "N"
    Y = "Y"
    D = "D"
    T = "T"
    L = "L"
    M = "M"
    G = "G"
    B = "B"
    I = "I"  # noqa: E741 - the standard's own letter
    F = "F"


class LinkKind(StrEnum):
    DOWNLOAD = "download"
    SERVICE = "service"
    PAGE = "page"
    OTHER = "other"


class Role(StrEnum):
    ADMIN = "admin"
    REVIEWER = "reviewer"
    CATALOGUER = "cataloguer"
    READER = "reader"


LABELS: dict[str, str] = {
    "file": "电子文件",
    "spreadsheet": "电子表格",
    "database": "数据库",
    "image": "图形图像",
    "media": "流媒体",
    "web": "网页",
    "self_describing": "自描述格式",
    "non_electronic": "非电子",
    "other": "其他",
    "unconditional": "无条件共享",
    "conditional": "有条件共享",
    "none": "不予共享",
    "realtime": "实时",
    "daily": "每日",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "semiannual": "每半年",
    "yearly": "每年",
    "irregular": "不定期",
    "draft": "草稿",
    "submitted": "待审核",
    "published": "已发布",
    "rejected": "已退回",
    "retired": "已下架",
}

# The catalogue guide's classes (类) and items (项) by code prefix, for the classification facet.
CLASS_LABELS: dict[str, str] = {
    "1": "基础信息资源",
    "101": "人口",
    "102": "法人",
    "103": "自然资源和空间地理",
    "104": "社会信用",
    "105": "电子证照",
    "2": "主题信息资源",
    "201": "公共服务",
    "202": "健康保障",
    "203": "社会保障",
    "204": "食品药品安全",
    "205": "安全生产",
    "206": "价格监管",
    "207": "能源安全",
    "208": "信用体系",
    "209": "城乡建设",
    "210": "社区治理",
    "211": "生态环保",
    "212": "应急维稳",
    "3": "部门信息资源",
}


def class_label(prefix: str) -> str:
    """The Chinese name of a classification prefix, or the prefix itself when unknown."""
    return CLASS_LABELS.get(prefix) or CLASS_LABELS.get(prefix[:1], prefix) + f" {prefix}"
