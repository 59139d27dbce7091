"""Engine and sessions, and where the database is: the configured URL or the embedded default."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from catalog.config import Settings
from catalog.embedded import start_embedded

MIGRATIONS_PACKAGE_DIR = Path(__file__).parent / "_migrations"
MIGRATIONS_SOURCE_DIR = Path(__file__).resolve().parents[2] / "alembic"


def normalise_url(url: str) -> str:
    """Make a plain `postgresql://` URL use psycopg 3, the only driver the node ships with."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str | URL) -> str:
    """The URL in libpq's own form, for talking to the server with psycopg directly."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_url(settings: Settings) -> str:
    """The database this node uses, starting the embedded server when none is configured."""
    if settings.database_url:
        return normalise_url(settings.database_url)
    return start_embedded(settings.data_dir)


def make_engine(url: str) -> Engine:
    """An engine with the pool settings a node uses: pre-ping so a restarted server is survived."""
    return create_engine(
        normalise_url(url),
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        connect_args={"connect_timeout": 5},
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that never expire loaded objects on commit: views are built after the commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def migrations_dir() -> Path:
    """Where the Alembic scripts are: inside the installed package, or the source checkout."""
    if MIGRATIONS_PACKAGE_DIR.is_dir():
        return MIGRATIONS_PACKAGE_DIR
    return MIGRATIONS_SOURCE_DIR


# Several `catalog serve` processes may start at once against one database: they take turns.
_MIGRATION_LOCK = 0x6361_7461_6C6F_67  # "catalog"


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic: the only way the schema changes."""
    _alembic(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` (used by the migration tests and by operators)."""
    _alembic(engine, "downgrade", revision)


def _alembic(engine: Engine, verb: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)
