"""Which store the tests run on, for the processes they start and the tests about SQLite.

The PostgreSQL lane (`make test-postgres`, LOTSE_TEST_POSTGRES=1) puts every store the
shared fixtures make on a throw-away PostgreSQL server (tests/pgserver.py). A `lotse` or
worker process a test starts must open that same store, not a SQLite file in the data
dir: `store_env(settings)` is its environment. Tests about SQLite's file itself (PRAGMAs,
the file's bytes, WAL, disk full through max_page_count) carry `@sqlite_only`: the
PostgreSQL lane skips them, and their PostgreSQL twins are named in the reason. Tests of
the lease engine's workers (the job engine of SQLite stores) carry `@lease_engine_only`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: `LOTSE_TEST_POSTGRES=1`: the shared fixtures' stores are PostgreSQL databases
ON_POSTGRES = os.environ.get("LOTSE_TEST_POSTGRES") == "1"


def new_store() -> dict:
    """Settings overrides for a new empty store: a PostgreSQL database in the PostgreSQL
    lane, none (SQLite in the data dir) otherwise."""
    if not ON_POSTGRES:
        return {}
    from pgserver import postgres_url

    return {"database_url": postgres_url()}


def store_env(settings, **extra: str) -> dict[str, str]:
    """The environment for a child process (`lotse …`, a worker) that must open the store
    `settings` names: this process's environment, the data dir (key file, index), the
    database URL when the store is not the data dir's SQLite file, and `extra`."""
    env = {**os.environ, "LOTSE_DATA_DIR": str(settings.data_dir)}
    for name, value in (("LOTSE_DATABASE_URL", settings.database_url),
                        ("LOTSE_KEY_FILE", settings.key_file)):
        if value:
            env[name] = str(value)
        else:
            env.pop(name, None)
    env.update(extra)
    return env


def store_files(settings) -> list[Path]:
    """The files the store of `settings` is kept in: SQLite's file with its WAL, or the
    PostgreSQL database's files and the server's WAL (tests/pgserver.py)."""
    if settings.database_url:
        from pgserver import database_files

        files = database_files(settings.database_url)
    else:
        files = sorted(Path(settings.data_dir).glob("lotse.db*"))
    assert files, "the store has no file to look into"
    return files


def store_holds(settings, *needles: bytes) -> set[bytes]:
    """Which of `needles` are anywhere in the bytes of the store's files."""
    found: set[bytes] = set()
    for path in store_files(settings):
        data = path.read_bytes()
        found.update(n for n in needles if n in data)
    return found


def sqlite_only(reason: str):
    """Mark a test that is about SQLite's file (the PostgreSQL lane skips it); `reason`
    says why, and where the PostgreSQL twin is if the behaviour matters there too."""
    return pytest.mark.sqlite_only(reason=reason)


def lease_engine_only(reason: str = "the lease engine's workers run on SQLite stores"):
    """Mark a test of the lease engine's workers, the job engine of SQLite stores: on the
    PostgreSQL lane the store's engine is Procrastinate (tests/test_jobs_postgres.py)."""
    import pytest

    return pytest.mark.skipif(ON_POSTGRES, reason=reason)
