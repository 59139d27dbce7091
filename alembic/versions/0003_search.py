"""The unified directory: one narrow search row per resource, with its bigram index.

Existing records are indexed by `catalog reindex`, run once after upgrading to this revision
(deploy/README.md); from then on every write keeps its row current in its own transaction.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_doc",
        sa.Column("resource_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("secret", sa.Boolean, nullable=False),
        sa.Column("origin_code", sa.String(12), nullable=False),
        sa.Column("origin_name", sa.String(200), nullable=False),
        sa.Column("path", postgresql.ARRAY(sa.String(12)), nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("department_name", sa.String(200), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("share", sa.String(16), nullable=False),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("update_cycle", sa.String(16), nullable=False),
        # The facet counts the first classification's class and item (3 digits); the filter
        # matches a prefix of any classification, so every prefix of every code is indexed.
        sa.Column("class_top", sa.String(3), nullable=True),
        sa.Column("class_prefixes", postgresql.ARRAY(sa.String(20)), nullable=False),
        sa.Column("published_on", sa.Date, nullable=False),
        sa.Column("min_lon", sa.Float, nullable=True),
        sa.Column("min_lat", sa.Float, nullable=True),
        sa.Column("max_lon", sa.Float, nullable=True),
        sa.Column("max_lat", sa.Float, nullable=True),
        sa.Column("name_text", sa.Text, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("lexemes", postgresql.TSVECTOR, nullable=False),
        sa.PrimaryKeyConstraint("resource_id", name="pk_search_doc"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name="fk_search_doc_resource_id_resource",
            ondelete="CASCADE",
        ),
    )
    # New entries wait in a pending list that every search scans linearly until it is merged;
    # a 512 kB list (instead of 4 MB) keeps that scan near a millisecond while writes go on.
    op.create_index(
        "ix_search_doc_lexemes",
        "search_doc",
        ["lexemes"],
        postgresql_using="gin",
        postgresql_with={"gin_pending_list_limit": 512},
    )
    # Walking large result sets in their sort order: newest first overall (relevance walks the
    # primary key), and newest first within a department or an origin node, which the newest
    # records overall may not hold. Partial, so the planner does not take the constant status
    # for a perfect heap order and prefer this index where a department's or node's fits.
    op.create_index(
        "ix_search_doc_published_on",
        "search_doc",
        ["published_on", "resource_id"],
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_index(
        "ix_search_doc_department_code",
        "search_doc",
        ["department_code", "origin_code", "status", "published_on", "resource_id"],
    )
    op.create_index(
        "ix_search_doc_origin_code",
        "search_doc",
        ["origin_code", "status", "published_on", "resource_id"],
    )
    op.create_index("ix_search_doc_path", "search_doc", ["path"], postgresql_using="gin")
    op.create_index(
        "ix_search_doc_class_prefixes", "search_doc", ["class_prefixes"], postgresql_using="gin"
    )
    op.execute(
        "CREATE INDEX ix_search_doc_bbox ON search_doc USING gist "
        "(box(point(min_lon, min_lat), point(max_lon, max_lat))) WHERE min_lon IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("search_doc")
