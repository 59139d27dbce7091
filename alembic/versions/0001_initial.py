"""The node: departments, users and tokens, resources with their drafts, audit and security logs.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column[sa.DateTime]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("resource_code_seq", start=1)))
    op.create_table(
        "department",
        sa.Column("id", sa.Integer, sa.Identity(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_department"),
        sa.UniqueConstraint("code", name="uq_department_code"),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, sa.Identity(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department_id", sa.Integer, nullable=True),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_app_user"),
        sa.UniqueConstraint("username", name="uq_app_user_username"),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name="fk_app_user_department_id_department"
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'reviewer', 'cataloguer', 'reader')", name="ck_app_user_role"
        ),
        sa.CheckConstraint(
            "role <> 'cataloguer' OR department_id IS NOT NULL",
            name="ck_app_user_cataloguer_dept",
        ),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, sa.Identity(), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _created_at(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_token"),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name="fk_api_token_user_id_app_user", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_api_token_user_id", "api_token", ["user_id"])
    op.create_table(
        "resource",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("origin_code", sa.String(12), nullable=False),
        sa.Column("origin_name", sa.String(200), nullable=False),
        sa.Column("origin_url", sa.String(500), nullable=False),
        sa.Column("path", postgresql.JSONB, nullable=False),
        sa.Column("department_id", sa.Integer, nullable=True),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("department_name", sa.String(200), nullable=False),
        sa.Column("secret", sa.Boolean, nullable=False),
        sa.Column("published", postgresql.JSONB, nullable=True),
        sa.Column("published_on", sa.Date, nullable=True),
        _created_at(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_resource"),
        sa.UniqueConstraint("code", name="uq_resource_code"),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name="fk_resource_department_id_department"
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'published', 'rejected', 'retired')",
            name="ck_resource_status",
        ),
    )
    op.create_index("ix_resource_department_code_status", "resource", ["department_code", "status"])
    op.create_table(
        "resource_draft",
        sa.Column("resource_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("body", postgresql.JSONB, nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("resource_id", name="pk_resource_draft"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name="fk_resource_draft_resource_id_resource",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'rejected')", name="ck_resource_draft_status"
        ),
    )
    op.create_index("ix_resource_draft_status", "resource_draft", ["status"])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("resource_id", sa.Uuid, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_event"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name="fk_audit_event_resource_id_resource",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_audit_event_resource_id_id", "audit_event", ["resource_id", "id"])
    op.create_table(
        "security_event",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("remote", sa.String(64), nullable=True),
        sa.Column("detail", postgresql.JSONB, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_security_event"),
    )
    op.create_index("ix_security_event_kind", "security_event", ["kind"])


def downgrade() -> None:
    op.drop_table("security_event")
    op.drop_table("audit_event")
    op.drop_table("resource_draft")
    op.drop_table("resource")
    op.drop_table("api_token")
    op.drop_table("app_user")
    op.drop_table("department")
    op.execute(sa.schema.DropSequence(sa.Sequence("resource_code_seq")))
