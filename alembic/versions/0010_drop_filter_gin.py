"""The node-path and classification GIN indexes go: the bigram index holds the same filters.

Every search row's node path (`#n:`) and classification prefixes (`#c:`) are entries of the
bigram index too, and every statement that filters on them with an index goes through those
entries: over the whole benchmark mix at 1,000,000 records (text, filters only with a subtree
and a classification, page 50) PostgreSQL scanned these two indexes not once. Keeping them cost
every record written about 9 µs of PostgreSQL (a region's catch-up, two alternating pairs:
193 and 187 µs a record without them against 201 and 198 with them) and 31 MB at 1,000,000.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_search_doc_class_prefixes", table_name="search_doc")
    op.drop_index("ix_search_doc_path", table_name="search_doc")


def downgrade() -> None:
    op.create_index("ix_search_doc_path", "search_doc", ["path"], postgresql_using="gin")
    op.create_index(
        "ix_search_doc_class_prefixes", "search_doc", ["class_prefixes"], postgresql_using="gin"
    )
