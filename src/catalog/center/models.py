"""The node's tables (SQLAlchemy 2). The schema itself changes only through Alembic migrations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    FetchedValue,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Sequence,
    SmallInteger,
    String,
    Text,
    Uuid,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Resource codes take their sequence number from here: nextval() is never rolled back, so a number
# is never handed out twice, even to a registration that failed.
resource_code_seq = Sequence("resource_code_seq", start=1, metadata=Base.metadata)


def now_column() -> Any:
    """A timestamp column that the database fills in at insert."""
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class Department(Base):
    """A providing department (信息资源提供方) of this node."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = now_column()


class User(Base):
    """A person with a role; a cataloguer is bound to one department."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'reviewer', 'cataloguer', 'reader')", name="role"),
        CheckConstraint(
            "role <> 'cataloguer' OR department_id IS NOT NULL", name="cataloguer_dept"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    created_at: Mapped[datetime] = now_column()

    department: Mapped[Department | None] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token, kept only as its SHA-256 hash."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = now_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")


class Resource(Base):
    """A catalogue entry's identity and its published face (null until the first approval).

    The working copy lives in `resource_draft`. `status` is the status the world sees: the draft's
    while the resource was never published, then `published` or `retired`.
    """

    __tablename__ = "resource"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'submitted', 'published', 'rejected', 'retired')", name="status"
        ),
        Index("ix_resource_department_code_status", "department_code", "status"),
        Index("ix_resource_origin_code", "origin_code"),
        Index(
            "ix_resource_harvest",
            "harvest_stamp",
            "id",
            postgresql_where=text(
                "status IN ('published', 'retired') AND (NOT secret OR withdrawn)"
            ),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=0)
    origin_code: Mapped[str] = mapped_column(String(12))
    origin_name: Mapped[str] = mapped_column(String(200))
    origin_url: Mapped[str] = mapped_column(String(500))
    path: Mapped[list[Any]] = mapped_column(JSONB)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    department_code: Mapped[str] = mapped_column(String(64))
    department_name: Mapped[str] = mapped_column(String(200))
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    # Shared once and secret now: OAI-PMH shows it as a deleted record, without its metadata.
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    published_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The OAI-PMH datestamp: set by a trigger (migration 0004) whenever the status or version
    # changes here, so it says when this repository's copy changed, not when the origin's did.
    harvest_stamp: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), server_onupdate=FetchedValue()
    )

    draft: Mapped[ResourceDraft | None] = relationship(
        back_populates="resource", cascade="all, delete-orphan", lazy="joined", uselist=False
    )


class ResourceDraft(Base):
    """The working copy of a resource: its metadata and where it stands in review."""

    __tablename__ = "resource_draft"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted', 'rejected')", name="status"),
        Index("ix_resource_draft_status", "status"),
    )

    resource_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = now_column()
    updated_by: Mapped[str] = mapped_column(String(64))

    resource: Mapped[Resource] = relationship(back_populates="draft")


class AuditEvent(Base):
    """One transition of a resource: who, when, from, to and why."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_resource_id_id", "resource_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    at: Mapped[datetime] = now_column()
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)


class SecurityEvent(Base):
    """Logins, failed authentications and administrative actions."""

    __tablename__ = "security_event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = now_column()
    kind: Mapped[str] = mapped_column(String(32), index=True)
    actor: Mapped[str | None] = mapped_column(String(64))
    remote: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class Change(Base):
    """The change feed (transactional outbox): what left, or will leave, this node, in order.

    Rows are written in the same transaction as the publication, retirement or ingest they
    describe, under a lock that makes `seq` order equal commit order (see center/feed.py).
    """

    __tablename__ = "change"
    __table_args__ = (
        CheckConstraint("op IN ('upsert', 'retire')", name="op"),
        Index("ix_change_resource_id", "resource_id"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    resource_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(8))
    origin: Mapped[str] = mapped_column(String(12))
    path: Mapped[list[Any]] = mapped_column(JSONB)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = now_column()


class NodeState(Base):
    """Facts about this node kept in its database: the epoch of its change feed."""

    __tablename__ = "node_state"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = now_column()


class SyncPeer(Base):
    """One end of a federation link: a child registered here, or this node's parent.

    A child's key is kept because the parent must verify its requests; the parent's key lives in
    the settings of the child (CATALOG_NODE_KEY), never in this table.
    """

    __tablename__ = "sync_peer"
    __table_args__ = (
        CheckConstraint("direction IN ('child', 'parent')", name="direction"),
        CheckConstraint("alg IN ('hmac-sha256', 'hmac-sm3')", name="alg"),
        Index("uq_sync_peer_direction_code", "direction", "code", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    key: Mapped[str | None] = mapped_column(String(200))
    alg: Mapped[str] = mapped_column(String(16), default="hmac-sha256")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    epoch: Mapped[str | None] = mapped_column(String(64))
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    sent: Mapped[int] = mapped_column(BigInteger, default=0)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = now_column()


class SyncNonce(Base):
    """Signatures of node-to-node requests seen recently: a second sighting is a replay."""

    __tablename__ = "sync_nonce"

    signature: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime] = now_column()


class SearchDoc(Base):
    """A record as the unified directory searches it: text, facets and sort keys, kept narrow.

    One row per resource, rewritten in the same transaction as every write that changes what a
    search would show (center/search_index.py); `catalog reindex` rebuilds all rows from the
    records. Never-published resources are indexed by their draft, for the staff who may see them.
    """

    __tablename__ = "search_doc"
    __table_args__ = (
        Index(
            "ix_search_doc_lexemes",
            "lexemes",
            postgresql_using="gin",
            postgresql_with={"gin_pending_list_limit": 4096},  # see migration 0008
        ),
        Index(
            "ix_search_doc_published_on",
            "published_on",
            "resource_id",
            postgresql_where=text("status = 'published'"),
        ),
        Index(
            "ix_search_doc_department_code",
            "department_code",
            "origin_code",
            "status",
            "published_on",
            "resource_id",
        ),
        Index("ix_search_doc_origin_code", "origin_code", "status", "published_on", "resource_id"),
    )

    resource_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))
    secret: Mapped[bool] = mapped_column(Boolean)
    origin_code: Mapped[str] = mapped_column(String(12))
    origin_name: Mapped[str] = mapped_column(String(200))
    path: Mapped[list[str]] = mapped_column(ARRAY(String(12)))
    department_code: Mapped[str] = mapped_column(String(64))
    department_name: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(16))
    share: Mapped[str] = mapped_column(String(16))
    open: Mapped[bool] = mapped_column(Boolean)
    update_cycle: Mapped[str] = mapped_column(String(16))
    class_top: Mapped[str | None] = mapped_column(String(3))
    class_prefixes: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    published_on: Mapped[date] = mapped_column(Date)
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    name_text: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    lexemes: Mapped[Any] = mapped_column(TSVECTOR)


class InventoryCount(Base):
    """Signed counts of published search rows per facet grouping set (GET /api/v1/stats).

    Written only by the triggers of migration 0011, one group of rows per statement that changes
    `search_doc`; the inventory is their sum, folded together now and then (center/stats.py).
    `grouping_set` is PostgreSQL's grouping() of the facet columns, as center/search_facets.py
    reads it.
    """

    __tablename__ = "inventory_count"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    grouping_set: Mapped[int] = mapped_column(SmallInteger)
    origin_code: Mapped[str | None] = mapped_column(String(12))
    department_code: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str | None] = mapped_column(String(16))
    share: Mapped[str | None] = mapped_column(String(16))
    class_top: Mapped[str | None] = mapped_column(String(3))
    secret: Mapped[bool] = mapped_column(Boolean)
    n: Mapped[int] = mapped_column(BigInteger)
