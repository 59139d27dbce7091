"""The shared information service: content objects, datasets, access requests and the access log.

Content bytes live in the data dir, addressed by SHA-256; these tables say which resource holds
which content, the rows of tabular content loaded as a dataset, who asked for access to
conditional resources and what was decided, and every grant, denial and use.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column[sa.DateTime]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "content_object",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("resource_id", sa.Uuid, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("columns", postgresql.JSONB, nullable=True),
        sa.Column("rows", sa.BigInteger, nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name="fk_content_object_resource_id_resource",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_content_object"),
        sa.UniqueConstraint("resource_id", "sha256", name="uq_content_object_resource_id"),
    )
    op.create_index("ix_content_object_sha256", "content_object", ["sha256"])
    op.create_table(
        "dataset_row",
        sa.Column("content_id", sa.Uuid, nullable=False),
        sa.Column("row_no", sa.BigInteger, nullable=False),
        sa.Column("data", postgresql.JSONB, nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content_object.id"],
            name="fk_dataset_row_content_id_content_object",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_id", "row_no", name="pk_dataset_row"),
    )
    op.create_index(
        "ix_dataset_row_data",
        "dataset_row",
        ["data"],
        postgresql_using="gin",
        postgresql_ops={"data": "jsonb_path_ops"},
    )
    op.create_table(
        "access_request",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("resource_id", sa.Uuid, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("user_node", sa.String(12), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("until", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        _created_at(),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'denied')", name="ck_access_request_status"
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name="fk_access_request_resource_id_resource",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_access_request"),
    )
    op.create_index(
        "ix_access_request_resource_id_username",
        "access_request",
        ["resource_id", "username", "user_node"],
    )
    op.create_index("ix_access_request_status", "access_request", ["status"])
    op.create_table(
        "access_event",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("resource_id", sa.Uuid, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", postgresql.JSONB, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_event"),
    )
    op.create_index("ix_access_event_resource_id_at", "access_event", ["resource_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_access_event_resource_id_at", table_name="access_event")
    op.drop_table("access_event")
    op.drop_index("ix_access_request_status", table_name="access_request")
    op.drop_index("ix_access_request_resource_id_username", table_name="access_request")
    op.drop_table("access_request")
    op.drop_index("ix_dataset_row_data", table_name="dataset_row")
    op.drop_table("dataset_row")
    op.drop_index("ix_content_object_sha256", table_name="content_object")
    op.drop_table("content_object")
