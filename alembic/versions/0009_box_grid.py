"""A search's box goes through the bigram index as grid cells; the box's GiST index goes.

Every record with a box gains the index entries of its grid cells (center/search_grid.py), so a
box narrows a search inside the bigram index together with its text and filters. The GiST index
on the box answered only the box, and PostgreSQL combined it with the text by ANDing whole
bitmaps (121,193 entries for the mix's Chifeng box); no statement uses it any more, and every
record written with a box had to keep it.

The cells are computed by the same function that indexes new records, so they cannot differ.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import orjson
import sqlalchemy as sa
from alembic import op

from catalog.center.search_grid import record_cells

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    op.drop_index("ix_search_doc_bbox", table_name="search_doc")
    connection = op.get_bind()
    after = None
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT resource_id, min_lon, min_lat, max_lon, max_lat FROM search_doc "
                "WHERE min_lon IS NOT NULL AND (CAST(:after AS uuid) IS NULL "
                "OR resource_id > CAST(:after AS uuid)) ORDER BY resource_id LIMIT :batch"
            ),
            {"after": after, "batch": BATCH},
        ).all()
        if not rows:
            return
        cells = [{"id": str(row[0]), "cells": sorted(record_cells(*row[1:]))} for row in rows]
        connection.execute(
            sa.text(
                "UPDATE search_doc d SET lexemes = d.lexemes || array_to_tsvector(c.cells) "
                "FROM jsonb_to_recordset(CAST(:cells AS jsonb)) AS c(id uuid, cells text[]) "
                "WHERE d.resource_id = c.id"
            ),
            {"cells": orjson.dumps(cells).decode()},
        )
        after = str(rows[-1][0])


def downgrade() -> None:
    op.execute(
        "UPDATE search_doc SET lexemes = ts_delete(lexemes, ARRAY(SELECT e "
        "FROM unnest(tsvector_to_array(lexemes)) AS e WHERE e LIKE '#g:%' OR e LIKE '#gc:%')) "
        "WHERE min_lon IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX ix_search_doc_bbox ON search_doc USING gist "
        "(box(point(min_lon, min_lat), point(max_lon, max_lat))) WHERE min_lon IS NOT NULL"
    )
