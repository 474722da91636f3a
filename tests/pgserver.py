"""A throw-away PostgreSQL server for the tests that must also pass on PostgreSQL (REL-10).

`postgres_url()` starts one cluster per test session (Debian's initdb/pg_ctl, trust
auth on 127.0.0.1, a free port, fsync on) and hands out a fresh empty database per
call. Without PostgreSQL binaries the tests skip, unless LOTSE_REQUIRE_POSTGRES=1
(CI) makes that a failure. As root, the server runs as the `postgres` user.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ops.backup import pg_binary
from ops.drill import free_port

_server: dict = {}
_counter = itertools.count(1)


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _start() -> dict:
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not (initdb and pg_ctl):
        if os.environ.get("LOTSE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL (initdb, pg_ctl) is required here but not installed")
        pytest.skip("needs PostgreSQL's initdb and pg_ctl")
    root = Path(tempfile.mkdtemp(prefix="lotse-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, port = root / "data", free_port()
    subprocess.run(_as_server_user([initdb, "-D", str(data), "-U", "lotse", "--auth=trust",
                                    "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, capture_output=True, cwd=root)
    subprocess.run(_as_server_user([
        pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "start", "-o",
        f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c fsync=on "
        # the PostgreSQL lane: every test's store keeps its pool open until the session ends
        "-c max_connections=600"]),
        check=True, capture_output=True, cwd=root)

    def stop() -> None:
        atexit.unregister(stop)  # once: at the session's end or at exit, not both
        subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, cwd=root)
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    return {"port": port, "stop": stop, "data": data}


def stop_server() -> None:
    """Stop this process's server, if it started one (conftest's pytest_sessionfinish: an
    xdist worker ends without running atexit handlers)."""
    if _server:
        _server.pop("stop")()
        _server.clear()


def postgres_url(template: str = "") -> str:
    """A new empty database on the session's server (a copy of the database `template`
    names, if given), as an SQLAlchemy URL (psycopg 3)."""
    from sqlalchemy import create_engine, text

    if not _server:
        _server.update(_start())
    name = f"lotse_{os.getpid()}_{next(_counter)}"
    base = f"postgresql+psycopg://lotse@127.0.0.1:{_server['port']}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    admin.dispose()
    return f"{base}/{name}"


def database_files(url: str) -> list[Path]:
    """The files that hold the database `url` names (on this session's server), after a
    checkpoint has written every changed page: its directory under base/ and the WAL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("CHECKPOINT"))
            oid = conn.execute(text(
                "SELECT oid FROM pg_database WHERE datname = current_database()")).scalar()
    finally:
        engine.dispose()
    data = _server["data"]
    return sorted(p for d in (data / "base" / str(oid), data / "pg_wal")
                  for p in d.iterdir() if p.is_file())


def clone_database(url: str) -> str:
    """A new database on the session's server, a copy of the one `url` names (which must
    have no open connection: CREATE DATABASE … TEMPLATE)."""
    return postgres_url(template=url.rsplit("/", 1)[1])
