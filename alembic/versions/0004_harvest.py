"""OAI-PMH harvesting: when each record last changed in this repository, kept by the database.

`harvest_stamp` is the OAI datestamp. A trigger sets it whenever a resource is written with a new
published face or status, whichever code path wrote it (the workflow, the bulk path, a child's
batch), so a harvester asking `from=` a date sees every record that changed here since, including
copies whose origin changed them long ago but which arrived only now.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("resource", sa.Column("harvest_stamp", sa.DateTime(timezone=True)))
    op.execute("UPDATE resource SET harvest_stamp = coalesce(updated_at, created_at)")
    op.alter_column("resource", "harvest_stamp", nullable=False, server_default=sa.func.now())
    op.execute(
        """
        CREATE FUNCTION resource_harvest_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status
               OR NEW.version IS DISTINCT FROM OLD.version THEN
                NEW.harvest_stamp := clock_timestamp();
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER resource_harvest_stamp BEFORE INSERT OR UPDATE ON resource
        FOR EACH ROW EXECUTE FUNCTION resource_harvest_stamp()
        """
    )
    op.create_index(
        "ix_resource_harvest",
        "resource",
        ["harvest_stamp", "id"],
        postgresql_where=sa.text("status IN ('published', 'retired') AND NOT secret"),
    )


def downgrade() -> None:
    op.drop_index("ix_resource_harvest", table_name="resource")
    op.execute("DROP TRIGGER resource_harvest_stamp ON resource")
    op.execute("DROP FUNCTION resource_harvest_stamp()")
    op.drop_column("resource", "harvest_stamp")
