"""The demo seed: every format and every status, and a second run adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from catalog.center.models import Department, Resource, ResourceDraft
from catalog.config import Settings
from catalog.db import make_engine, make_sessionmaker
from catalog.demo import seed


def test_seeding_covers_every_format_and_status_and_is_idempotent(fresh_database, tmp_path):
    url = fresh_database()
    settings = Settings(_env_file=None, database_url=url, data_dir=tmp_path)  # type: ignore[call-arg]
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        seed(session, settings=settings)
        count = session.scalar(select(func.count()).select_from(Resource))
        seed(session, settings=settings)
        assert session.scalar(select(func.count()).select_from(Resource)) == count
        assert session.scalar(select(func.count()).select_from(Department)) == 13
        statuses = set(session.scalars(select(Resource.status).distinct()))
        formats = set(session.scalars(select(Resource.published["format"]["category"].astext)))
        pending = session.scalar(
            select(func.count())
            .select_from(Resource)
            .join(ResourceDraft)
            .where(Resource.status == "published")
        )
    engine.dispose()
    assert 200 <= count <= 1000
    assert statuses == {"draft", "submitted", "rejected", "published", "retired"}
    assert formats - {None} == {
        "file",
        "spreadsheet",
        "database",
        "image",
        "media",
        "web",
        "self_describing",
        "non_electronic",
        "other",
    }
    assert pending > 0
