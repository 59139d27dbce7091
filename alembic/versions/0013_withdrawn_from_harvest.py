"""A resource that was public and has since been made secret stays in OAI-PMH as a deleted record.

The repository promises `deletedRecord: persistent`, but such a resource simply dropped out of the
harvest, so harvesters kept their old copy of it for good. `resource.withdrawn` marks it (set by
the approval that makes a shared resource secret, center/registry.py), and the harvest index
covers it too. Resources made secret before this release are found by the tombstone without
metadata that the change feed holds for each of them (center/feed.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HARVEST = "status IN ('published', 'retired') AND (NOT secret OR withdrawn)"
_HARVEST_BEFORE = "status IN ('published', 'retired') AND NOT secret"


def upgrade() -> None:
    op.add_column(
        "resource",
        sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(
        """
        UPDATE resource r SET withdrawn = true
        WHERE r.secret AND r.status IN ('published', 'retired') AND EXISTS (
            SELECT 1 FROM change c
            WHERE c.resource_id = r.id AND c.op = 'retire' AND c.payload IS NULL
        )
        """
    )
    _harvest_index(_HARVEST)


def downgrade() -> None:
    _harvest_index(_HARVEST_BEFORE)
    op.drop_column("resource", "withdrawn")


def _harvest_index(where: str) -> None:
    op.drop_index("ix_resource_harvest", table_name="resource")
    op.create_index(
        "ix_resource_harvest", "resource", ["harvest_stamp", "id"], postgresql_where=sa.text(where)
    )
