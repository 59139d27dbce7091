"""The folder walk's memory: which file contents each department has already catalogued.

`catalog catalogue DIR` writes a row in the transaction that creates the draft, so a walk that
is interrupted and run again skips exactly the files whose drafts exist.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalogued_file",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("resource_id", sa.Uuid, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name="fk_catalogued_file_resource_id_resource",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_catalogued_file"),
        sa.UniqueConstraint("department_code", "sha256", name="uq_catalogued_file_department_code"),
    )
    op.create_index("ix_catalogued_file_resource_id", "catalogued_file", ["resource_id"])


def downgrade() -> None:
    op.drop_index("ix_catalogued_file_resource_id", table_name="catalogued_file")
    op.drop_table("catalogued_file")
