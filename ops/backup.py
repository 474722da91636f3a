"""Online backup and restore of the store, and the drill that proves both (REL-08).

`lotse backup FILE` copies the running store without stopping it: SQLite through
the online backup API (`sqlite3.Connection.backup`, a consistent snapshot while
the app writes), PostgreSQL through `pg_dump --format=custom`. The copy is checked
(`PRAGMA integrity_check` / `pg_restore --list`) and its row counts reported.
Personal fields are AES-256-GCM ciphertext in the store, so they are in the backup;
the key file (`<data dir>/keyring.json`) is not, and must be kept apart (PRIV-09).

`lotse restore FILE` puts a backup in place of an empty store (or, with --force, over
an existing one; stop the app first). `lotse backup --drill` backs up, restores into
a scratch store and compares integrity and row counts.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class BackupError(RuntimeError):
    """A backup or restore that could not be made or did not check out."""


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return Path(u.database) if u.drivername.startswith("sqlite") and u.database else None


def pg_binary(name: str) -> str | None:
    """A PostgreSQL program on PATH or in Debian's /usr/lib/postgresql/<newest>/bin."""
    found = shutil.which(name) or next(
        iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None)
    return str(found) if found else None


def _pg_tool(name: str) -> str:
    found = pg_binary(name)
    if not found:
        raise BackupError(f"{name} is not installed")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, which goes into PGPASSWORD."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    plain = u.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def counts(url: str) -> dict[str, int]:
    """Rows per table (Alembic's bookkeeping included; Procrastinate's tables not: their
    rows change with every tick while workers run, and the jobs are in `job`)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _counts(conn)
    finally:
        engine.dispose()


def _counts(conn) -> dict[str, int]:
    from sqlalchemy import func, inspect, select, table

    names = sorted(n for n in inspect(conn).get_table_names()
                   if not n.startswith("procrastinate_"))
    return {n: conn.execute(select(func.count()).select_from(table(n))).scalar_one()
            for n in names}


def _pg_dump(url: str, out: Path) -> dict[str, int]:
    """`pg_dump` of the database at `url` into `out`, and the row counts of exactly what it
    dumped: both read one snapshot (exported by a repeatable-read transaction), so rows
    written meanwhile are in neither."""
    from sqlalchemy import create_engine, text

    from directory.db import private_file

    conn_str, env = _libpq(url)
    private_file(out)  # pg_dump keeps the mode of a file that exists
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            run = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner",
                                  f"--snapshot={snapshot}", f"--file={out}",
                                  f"--dbname={conn_str}"],
                                 capture_output=True, text=True, env=env)
            if run.returncode:
                raise BackupError(f"pg_dump failed: {run.stderr.strip()[:300]}")
            tables = _counts(conn)
            conn.rollback()
    finally:
        engine.dispose()
    return tables


def _sqlite_check(path: Path) -> str:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        db.close()


def _sqlite_copy(src: Path, dst: Path) -> None:
    from directory.db import private_file

    private_file(dst)  # 0600 before a byte is written
    source = sqlite3.connect(src)
    target = sqlite3.connect(dst)
    try:
        source.backup(target, pages=256)  # in steps: writers are not held up for long
    finally:
        target.close()
        source.close()


def backup(url: str, out: Path) -> dict:
    """Copy the store at `url` to `out`; returns what was checked."""
    from sqlalchemy.engine import make_url


    out.parent.mkdir(parents=True, exist_ok=True)
    path = _sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise BackupError(f"no store at {path}")
        tmp = out.with_name(out.name + ".part")
        tmp.unlink(missing_ok=True)
        _sqlite_copy(path, tmp)
        integrity = _sqlite_check(tmp)
        if integrity != "ok":
            tmp.unlink(missing_ok=True)
            raise BackupError(f"the copy failed its integrity check: {integrity}")
        tmp.replace(out)  # a half-written backup never carries the final name
        tables = counts(f"sqlite:///{out}")
    elif make_url(url).drivername.startswith("postgresql"):
        tables = _pg_dump(url, out)
        listed = subprocess.run([_pg_tool("pg_restore"), "--list", str(out)],
                                capture_output=True, text=True)
        integrity = "ok" if listed.returncode == 0 and "TABLE DATA" in listed.stdout else \
            f"pg_restore --list failed: {listed.stderr.strip()[:300]}"
        if integrity != "ok":
            raise BackupError(integrity)
    else:
        raise BackupError(f"no backup method for {make_url(url).drivername}")
    return {"file": str(out), "bytes": out.stat().st_size, "integrity_check": integrity,
            "rows": tables}


def restore(url: str, file: Path, force: bool = False) -> dict:
    """Put the backup `file` in place of the store at `url` (empty unless `force`)."""
    from sqlalchemy.engine import make_url

    if not file.exists():
        raise BackupError(f"no backup at {file}")
    path = _sqlite_path(url)
    if path is not None:
        integrity = _sqlite_check(file)
        if integrity != "ok":
            raise BackupError(f"the backup failed its integrity check: {integrity}")
        if path.exists() and not force:
            raise BackupError(f"{path} exists; stop the app and use --force to replace it")
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        _sqlite_copy(file, path)
        integrity = _sqlite_check(path)
    else:
        if not force and counts(url):
            shown = make_url(url).render_as_string(hide_password=True)
            raise BackupError(f"{shown} exists and has tables; stop the app and use --force "
                              "to replace it")
        conn, env = _libpq(url)
        args = [_pg_tool("pg_restore"), "--no-owner", "--single-transaction",
                "--exit-on-error", f"--dbname={conn}", str(file)]
        if force:
            args[1:1] = ["--clean", "--if-exists"]
        run = subprocess.run(args, capture_output=True, text=True, env=env)
        if run.returncode:
            raise BackupError(f"pg_restore failed: {run.stderr.strip()[:300]}")
        integrity = "ok"
    return {"restored_to": make_url(url).render_as_string(hide_password=True),
            "integrity_check": integrity, "rows": counts(url)}


@contextmanager
def _scratch(url: str, tmp: Path) -> Iterator[str]:
    """A scratch store for the drill: a SQLite file for a SQLite store; for PostgreSQL a
    new database on the same server, dropped afterwards (the role needs CREATEDB; else
    name one with --scratch-url)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if _sqlite_path(url) is not None or not u.drivername.startswith("postgresql"):
        yield f"sqlite:///{tmp / 'restored.db'}"
        return
    name = f"{u.database}_drill_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        raise BackupError(f"could not create a scratch database ({type(exc).__name__}); "
                          "name one with --scratch-url") from exc
    try:
        yield u.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def drill(url: str, scratch_url: str | None = None) -> dict:
    """Back up `url`, restore into a scratch store, compare: the restore drill."""
    with tempfile.TemporaryDirectory(prefix="lotse-backup-") as tmp:
        made = backup(url, Path(tmp) / "store.backup")
        if scratch_url:
            back = restore(scratch_url, Path(made["file"]))
        else:
            with _scratch(url, Path(tmp)) as target:
                back = restore(target, Path(made["file"]))
    same = made["rows"] == back["rows"]
    return {"backup_bytes": made["bytes"], "integrity_check": back["integrity_check"],
            "rows": sum(made["rows"].values()), "same_counts": same,
            "ok": same and back["integrity_check"] == "ok"}


def cmd_backup(args, settings) -> int:
    import json
    import sys

    url = settings.resolved_database_url
    try:
        if args.drill:
            result = drill(url, args.scratch_url)
        elif args.file:
            result = backup(url, Path(args.file))
        else:
            print("error: name a FILE or use --drill", file=sys.stderr)
            return 2
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=1))
    return 0 if result.get("ok", True) else 1


def cmd_restore(args, settings) -> int:
    import json
    import sys

    try:
        result = restore(settings.resolved_database_url, Path(args.file), force=args.force)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    result["change_feed"] = announce_restore(settings.resolved_database_url)
    print(json.dumps(result, indent=1))
    return 0


def announce_restore(url: str) -> bool:
    """Tell running processes (through the change feed) to compare every offer with the
    restored store; False when the backup predates the feed (they compare on start)."""
    from sqlalchemy import inspect

    from directory import changes
    from directory.db import make_engine, make_sessionmaker

    engine = make_engine(url)
    try:
        if not inspect(engine).has_table(changes.OfferFeed.__tablename__):
            return False
        with make_sessionmaker(engine).begin() as s:
            changes.record_all(s, "restore")
        return True
    finally:
        engine.dispose()


def register(sub) -> None:
    """The parser lines of this command group (called by `ops.cli.parser`)."""
    bk = sub.add_parser("backup", help="online backup of the store (not the key file)")
    bk.add_argument("file", nargs="?", help="where to write the backup")
    bk.add_argument("--drill", action="store_true",
                    help="back up, restore into a scratch store, compare counts and integrity")
    bk.add_argument("--scratch-url", help="an empty database for the drill (PostgreSQL)")
    bk.set_defaults(func=cmd_backup)
    rs = sub.add_parser("restore", help="put a backup in place of an empty store")
    rs.add_argument("file")
    rs.add_argument("--force", action="store_true", help="replace a store that has data")
    rs.set_defaults(func=cmd_restore)
