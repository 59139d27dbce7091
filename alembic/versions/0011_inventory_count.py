"""The inventory (GET /api/v1/stats) is kept as counts, not counted from every record.

Counting the published records by node, department, format, share and classification read the
whole directory: 2.3 s at 1,000,000 records, for every call of the API and every view of the
staff dashboard. Now triggers on `search_doc` write what each statement changed, as signed
counts per grouping set (`inventory_count`), and the inventory sums those few rows; reading it
folds them together now and then (center/stats.py).

The triggers are statement-level with transition tables, so a set of a thousand records adds
one grouping pass over those records, not a write per record: about 3 µs a record (`EXPLAIN
ANALYZE` of 2,000 rows: inserted 2.8 µs, updated 3.6 µs; the foreign key's check costs 20). They
see every path that changes a search row, the cascade from a deleted resource and `catalog
reindex` included, so the counts cannot drift from the rows. The counting statement runs
through EXECUTE because a statement naming a transition table the trigger lacks (the old rows of
an insert) cannot be planned.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a statement changed (signed rows: +1 new, -1 old), counted in the grouping sets of the
# directory's facets (center/search_facets.py), each kept apart by the secret flag, which decides
# who may count the record.
_COUNTED = """
    INSERT INTO inventory_count (grouping_set, origin_code, department_code, format, share,
                                 class_top, secret, n)
    SELECT grouping(origin_code, department_code, format, share, class_top),
           origin_code, department_code, format, share, class_top, secret, sum(n)
    FROM ({rows}) AS changed
    GROUP BY GROUPING SETS ((secret, origin_code, department_code), (secret, origin_code),
                            (secret, format), (secret, share), (secret, class_top), (secret))
    HAVING sum(n) <> 0
"""
_PUBLISHED = """
    SELECT {sign} AS n, origin_code, department_code, format, share, class_top, secret
    FROM {table} WHERE status = 'published'
"""


def upgrade() -> None:
    op.create_table(
        "inventory_count",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("grouping_set", sa.SmallInteger(), nullable=False),
        sa.Column("origin_code", sa.String(length=12), nullable=True),
        sa.Column("department_code", sa.String(length=64), nullable=True),
        sa.Column("format", sa.String(length=16), nullable=True),
        sa.Column("share", sa.String(length=16), nullable=True),
        sa.Column("class_top", sa.String(length=3), nullable=True),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_count")),
    )
    op.execute(
        f"""
        CREATE FUNCTION inventory_counted() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
            published CONSTANT text := $q${_PUBLISHED.format(sign="%s", table="%s")}$q$;
            changed text;
        BEGIN
            changed := CASE TG_OP
                WHEN 'INSERT' THEN format(published, 1, 'new_rows')
                WHEN 'DELETE' THEN format(published, -1, 'old_rows')
                ELSE format(published, 1, 'new_rows') || ' UNION ALL '
                     || format(published, -1, 'old_rows')
            END;
            EXECUTE format($q${_COUNTED.format(rows="%s")}$q$, changed);
            RETURN NULL;
        END
        $fn$
        """
    )
    # One trigger per event: PostgreSQL allows transition tables only on single-event triggers.
    for event, tables in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        op.execute(
            f"CREATE TRIGGER inventory_{event.lower()} AFTER {event} ON search_doc "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION inventory_counted()"
        )
    op.execute(_COUNTED.format(rows=_PUBLISHED.format(sign=1, table="search_doc")))


def downgrade() -> None:
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER inventory_{event} ON search_doc")
    op.execute("DROP FUNCTION inventory_counted()")
    op.drop_table("inventory_count")
