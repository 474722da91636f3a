"""The store's connection: engine with safe SQLite settings, sessions, migrations.

SQLite runs in WAL mode with a busy timeout, foreign keys on and
`synchronous=FULL`; writers take the lock up front (`BEGIN IMMEDIATE`).
PostgreSQL gets the same lock timeout (`lock_timeout`); any other URL is
used as it is. The schema is owned
by the Alembic migrations in `migrations/` at the repository root.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent.parent / "migrations"
LOCK_TIMEOUT_MS = 10_000  # SQLite's busy timeout, and PostgreSQL's lock_timeout


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, set WAL, busy timeout and foreign keys."""
    if url.startswith("postgresql"):
        # a writer waits for a lock as long as on SQLite, then gets an error (503), not a hang
        return create_engine(url, pool_pre_ping=True,
                             connect_args={"options": f"-c lock_timeout={LOCK_TIMEOUT_MS}"})
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={LOCK_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # pragma: no cover - exercised by every test
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def as_utc(t: dt.datetime) -> dt.datetime:
    """A stored time as an aware UTC datetime: SQLite hands back naive ones (written as UTC)."""
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
