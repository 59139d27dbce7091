"""The federation: change feed, feed epoch, peers (children and parent), replay guard.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now(name: str) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "change",
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("resource_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("origin", sa.String(12), nullable=False),
        sa.Column("path", postgresql.JSONB, nullable=False),
        sa.Column("payload", postgresql.JSONB, nullable=True),
        _now("created_at"),
        sa.PrimaryKeyConstraint("seq", name="pk_change"),
        sa.CheckConstraint("op IN ('upsert', 'retire')", name="ck_change_op"),
    )
    op.create_index("ix_change_resource_id", "change", ["resource_id"])
    op.create_table(
        "node_state",
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        _now("updated_at"),
        sa.PrimaryKeyConstraint("key", name="pk_node_state"),
    )
    op.create_table(
        "sync_peer",
        sa.Column("id", sa.Integer, sa.Identity(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("key", sa.String(200), nullable=True),
        sa.Column("alg", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("epoch", sa.String(64), nullable=True),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("sent", sa.BigInteger, nullable=False),
        sa.Column("received", sa.BigInteger, nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        _now("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_sync_peer"),
        sa.CheckConstraint("direction IN ('child', 'parent')", name="ck_sync_peer_direction"),
        sa.CheckConstraint("alg IN ('hmac-sha256', 'hmac-sm3')", name="ck_sync_peer_alg"),
    )
    op.create_index("uq_sync_peer_direction_code", "sync_peer", ["direction", "code"], unique=True)
    op.create_table(
        "sync_nonce",
        sa.Column("signature", sa.String(128), nullable=False),
        _now("seen_at"),
        sa.PrimaryKeyConstraint("signature", name="pk_sync_nonce"),
    )
    # Copies received from children are looked up by origin for digests and reconciliation.
    op.create_index("ix_resource_origin_code", "resource", ["origin_code"])


def downgrade() -> None:
    op.drop_index("ix_resource_origin_code", table_name="resource")
    op.drop_table("sync_nonce")
    op.drop_index("uq_sync_peer_direction_code", table_name="sync_peer")
    op.drop_table("sync_peer")
    op.drop_table("node_state")
    op.drop_index("ix_change_resource_id", table_name="change")
    op.drop_table("change")
