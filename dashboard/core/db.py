"""Engine and session factory; schema upgrades through Alembic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from dashboard.core.config import Settings

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def make_engine(url: str, **kwargs) -> Engine:
    """An engine with the pragmas and pool settings each backend needs."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets screens read while the persister writes; NORMAL sync is safe under WAL.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def engine_for(settings: Settings) -> Engine:
    """The engine for the configured database."""
    return make_engine(settings.effective_database_url)


def session_factory(engine: Engine, audit_key: bytes | None = None) -> sessionmaker[Session]:
    """A sessionmaker whose objects stay readable after commit; its sessions carry the audit
    chain's key when given (dashboard.core.audit)."""
    return sessionmaker(engine, expire_on_commit=False, info={"audit_key": audit_key} if audit_key else None)


def alembic_config(engine: Engine):
    """An Alembic config pointing at our migrations and this engine."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to the given revision (creating it on an empty database)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def is_initialised(engine: Engine) -> bool:
    """Whether the schema exists."""
    return inspect(engine).has_table("units")


def drop_all(engine: Engine) -> None:
    """Drop every table including Alembic's version table (tests and `init-db --reset`)."""
    from sqlalchemy import text

    from dashboard.core.models import Base

    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
