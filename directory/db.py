"""The store's connection: engine with safe SQLite settings, sessions, migrations.

SQLite runs in WAL mode with a busy timeout, foreign keys on and
`synchronous=FULL`; writers take the lock up front (`BEGIN IMMEDIATE`).
PostgreSQL gets the same lock timeout (`lock_timeout`); any other URL is
used as it is. The schema is owned
by the Alembic migrations in `migrations/` at the repository root.

Changing the schema (and seeding data on an empty store) is one process's job at a
time: `schema_lock` is a PostgreSQL advisory lock, or on SQLite an exclusive lock
on the file `<database>.lock` beside the database, so processes started at the
same moment take turns instead of racing for `alembic_version`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent.parent / "migrations"
LOCK_TIMEOUT_MS = 10_000  # SQLite's busy timeout, and PostgreSQL's lock_timeout
SCHEMA_LOCK_KEY = 0x4C6F747365  # "Lotse": the advisory lock of schema changes
SCHEMA_LOCK_WAIT = 600.0  # seconds a process waits for another one's migration


class SchemaOutdated(RuntimeError):
    """The store's schema is not the newest migration (and migrating was not allowed)."""

    def __init__(self, current: str | None, head: str):
        self.current, self.head = current, head
        super().__init__(f"the database schema is at revision {current or 'none (empty)'}, "
                         f"this version needs {head}: run `lotse migrate` first")


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it is missing, or take group and others'
    access away from it (PRIV-08: the store holds ciphertext, but still). SQLite gives
    its -wal and -shm files the mode of the database file."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm", "-journal"):
        side = Path(f"{path}{suffix}")
        if side.exists() and side.stat().st_mode & 0o077:
            side.chmod(0o600)


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, set WAL, busy timeout and foreign keys."""
    if url.startswith("postgresql"):
        # a writer waits for a lock as long as on SQLite, then gets an error (503), not a hang
        return create_engine(url, pool_pre_ping=True,
                             connect_args={"options": f"-c lock_timeout={LOCK_TIMEOUT_MS}"})
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        private_file(path)
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


class WriteHealth:
    """Whether writes to the store succeed (REL-07): `failed` is set when a statement
    fails with a full disk or an I/O error, and cleared by the next committed write;
    `/readyz` reports it. While it is set, `probe` tries a harmless write now and then
    (every `retry` seconds), so a store whose disk was freed turns ready again by itself."""

    MARKERS = ("database or disk is full", "disk i/o error", "no space left on device",
               "disk full", "diskfull")

    def __init__(self, engine: Engine, sessions: sessionmaker[Session], retry: float = 30.0):
        self.failed_at: float | None = None
        self.retry = retry
        self._sessions = sessions

        @event.listens_for(engine, "handle_error")
        def _failed(ctx):  # a failed statement of any connection
            if self.is_write_failure(ctx.original_exception):
                self.failed_at = time.monotonic()

        @event.listens_for(sessions, "do_orm_execute")
        def _writes(state):
            if state.is_insert or state.is_update or state.is_delete:
                state.session.info["wrote"] = True

        @event.listens_for(sessions, "after_flush")
        def _flushed(session, _ctx):
            session.info["wrote"] = True

        @event.listens_for(sessions, "after_commit")
        def _committed(session):
            if session.info.pop("wrote", False):
                self.failed_at = None

        @event.listens_for(sessions, "after_rollback")
        def _rolled_back(session):
            session.info.pop("wrote", None)

    @classmethod
    def is_write_failure(cls, exc: BaseException | None) -> bool:
        text = f"{type(exc).__name__} {exc}".casefold()
        return any(m in text for m in cls.MARKERS)

    @property
    def ok(self) -> bool:
        return self.failed_at is None

    def probe(self) -> bool:
        """True when writes work (as far as known); retries a failed store's write."""
        if self.failed_at is None:
            return True
        if time.monotonic() - self.failed_at < self.retry:
            return False
        from sqlalchemy import text

        try:
            with self._sessions.begin() as s:  # rewrites one row as it is: a real commit
                s.execute(text("UPDATE kommune SET name = name WHERE id IN "
                               "(SELECT id FROM kommune ORDER BY id LIMIT 1)"))
        except Exception:  # still failing: stays unready  # noqa: BLE001
            self.failed_at = time.monotonic()
            return False
        self.failed_at = None
        return True


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


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL (None for memory and other databases)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        return Path(url.removeprefix("sqlite:///").split("?", 1)[0])
    return None


@contextlib.contextmanager
def schema_lock(engine: Engine, wait: float = SCHEMA_LOCK_WAIT) -> Iterator[None]:
    """Hold the store's schema lock (blocking up to `wait` seconds, then TimeoutError)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            deadline = time.monotonic() + wait
            while not conn.exec_driver_sql(
                    f"SELECT pg_try_advisory_lock({SCHEMA_LOCK_KEY})").scalar():
                conn.rollback()
                if time.monotonic() > deadline:
                    raise TimeoutError("another process holds the schema lock")
                time.sleep(0.2)
            conn.commit()  # the session-level lock outlives the transaction
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({SCHEMA_LOCK_KEY})")
                conn.commit()
        return
    path = sqlite_path(str(engine.url)) if engine.dialect.name == "sqlite" else None
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(f"{path}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError("another process holds the schema lock") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """(the store's current revision, the newest migration's)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, str(head)


def check_schema(engine: Engine) -> None:
    """SchemaOutdated unless the store is at the newest migration."""
    current, head = schema_revisions(engine)
    if current != head:
        raise SchemaOutdated(current, head)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (the caller holds `schema_lock`)."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
