"""The tables of the services around the catalogue: the folder walk's memory, the shared
repository and acquisition (content, datasets, access requests, the access log), and portal
sessions. They share `models.Base`; alembic/env.py imports this module with it, so the schema
the migrations are checked against holds these tables too.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from catalog.center.models import Base, now_column


class CataloguedFile(Base):
    """A file content a department has catalogued from a folder (`catalog catalogue`)."""

    __tablename__ = "catalogued_file"
    __table_args__ = (UniqueConstraint("department_code", "sha256"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    resource_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = now_column()


class ContentObject(Base):
    """A file a resource holds in its department's shared repository (bytes in the data dir).

    Tabular content also has its `columns` and `rows` (the dataset loaded into `dataset_row`).
    """

    __tablename__ = "content_object"
    __table_args__ = (UniqueConstraint("resource_id", "sha256"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(64))
    columns: Mapped[list[str] | None] = mapped_column(JSONB)
    rows: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = now_column()


class DatasetRow(Base):
    """One row of tabular content, as a JSON object of column -> value."""

    __tablename__ = "dataset_row"
    __table_args__ = (
        Index(
            "ix_dataset_row_data",
            "data",
            postgresql_using="gin",
            postgresql_ops={"data": "jsonb_path_ops"},
        ),
    )

    content_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("content_object.id", ondelete="CASCADE"), primary_key=True
    )
    row_no: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)


class AccessRequest(Base):
    """A user's request for a conditional resource, and the reviewer's decision.

    `user_node` is where the user is known: this node for its own users, an ancestor's code for a
    federated reader. An approved request is a grant, live while `until` is today or later.
    """

    __tablename__ = "access_request"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'denied')", name="status"),
        Index("ix_access_request_resource_id_username", "resource_id", "username", "user_node"),
        Index("ix_access_request_status", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(64))
    user_node: Mapped[str] = mapped_column(String(12))
    purpose: Mapped[str] = mapped_column(Text)
    until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()


class AccessEvent(Base):
    """The access log: every request, grant, denial and use of content."""

    __tablename__ = "access_event"
    __table_args__ = (Index("ix_access_event_resource_id_at", "resource_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = now_column()
    resource_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class WebSession(Base):
    """A portal login: the cookie holds a random id, this row its hash and who it is for."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(String(64))
    home_node: Mapped[str | None] = mapped_column(String(12))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = now_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
