"""Shared fixtures: a real store in a temp dir, the real model loaded once, the app in process."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from storekit import ON_POSTGRES, new_store

from app.main import create_app, open_store, start
from app.services import Services, encoder_for
from app.settings import Settings, default_model_dir
from index.engine import SearchEngine

# ON_POSTGRES, `LOTSE_TEST_POSTGRES=1` (`make test-postgres`): every store the shared
# fixtures make (`settings`, `make_client`, `make_light_client`) is a database of a
# throw-away PostgreSQL server (tests/pgserver.py) instead of a SQLite file in the data dir
# (tests/storekit.py: `store_env` for child processes, `sqlite_only` for SQLite's file)


# Many tests ask questions through one app as the same client address; the per-IP search
# limit (SEC-17) is tested on its own with a small limit (tests/test_search_limit.py).
os.environ.setdefault("LOTSE_SEARCH_LIMIT_IP", "1000000")

#: the shared browser-test kit (live server, chromium, axe-core): tests/browserkit.py
pytest_plugins = ["browserkit"]

#: fixtures that load the embedding model or build the index with it
MODEL_FIXTURES = frozenset({"model_path", "encoder", "services", "client", "make_client", "lean"})
#: fixtures that start chromium or a live server for it
BROWSER_FIXTURES = frozenset({"browser", "phone", "live_server", "staff_server",
                              "cm_server"})
#: the drills: real servers SIGKILLed under load, a PostgreSQL server, backups through
#: `lotse` processes, the CLI bootstrap and listing in processes of their own
DRILLS = frozenset({"test_reliability.py", "test_postgres.py", "test_backup.py",
                    "test_referral_cli.py", "test_jobs_postgres.py", "test_two_processes.py"})
PROCESS_TESTS = frozenset({"test_no_default_account_and_one_time_bootstrap_sec04",
                           "test_two_worker_processes_send_each_of_20_mails_exactly_once",
                           "test_rotation_while_this_process_serves_logins_and_reads",
                           "test_a_running_server_takes_the_new_key_on_sighup",
                           "test_an_import_job_survives_its_process_and_answers_on_another",
                           # a live server fuzzed by schemathesis in a process of its own
                           "test_schemathesis_finds_no_failure_of_any_kind",
                           # `lotse keys rotate` in a process of its own
                           "test_key_rotation_reencrypts_every_row_priv09",
                           # a throw-away PostgreSQL server (tests/pgserver.py)
                           "test_postgres_notify_wakes_the_follower_without_polling",
                           "test_thread_and_sensor_counts_on_postgres_rel10"})


def pytest_sessionfinish(session, exitstatus):
    """Stop this process's throw-away PostgreSQL server (tests/pgserver.py) at the end of
    the session: a pytest-xdist worker exits without running atexit handlers."""
    import sys

    pg = sys.modules.get("pgserver")
    if pg is not None:
        pg.stop_server()


def pytest_collection_modifyitems(config, items):
    """Mark what the fast lane (`make test-fast`: `-m "not slow"`) leaves out: tests that
    load the model (`model`), drive chromium (`browser`), the drills and the tests that
    start `lotse` or a server process; all of them as `slow`. In the PostgreSQL lane, skip
    the tests about SQLite's file (`sqlite_only`, tests/storekit.py)."""
    for item in items:
        only = item.get_closest_marker("sqlite_only")
        if ON_POSTGRES and only is not None:
            item.add_marker(pytest.mark.skip(
                reason=f"about SQLite's file: {only.kwargs.get('reason', '')}"))
        if item.path.name in DRILLS or item.originalname in PROCESS_TESTS:
            item.add_marker(pytest.mark.slow)
        names = set(getattr(item, "fixturenames", ()))
        if names & MODEL_FIXTURES:
            item.add_marker(pytest.mark.model)
            item.add_marker(pytest.mark.slow)
        if names & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def argon2_once():
    """Argon2id costs about 0.25 s of CPU per hash and per check, by design, and the staff
    tests make and log in some hundred accounts with the one test password
    (`staffkit.PASSWORD`). So that password is hashed once for real and the hash reused
    (its salt repeats across these test accounts), and a check of a (hash, password) pair
    already checked gives the answer the real check gave (a check is deterministic).
    Every other password is hashed and checked for real, every time."""
    from staffkit import PASSWORD

    from app.staff import passwords

    real_hash, real_verify = passwords.hash_password, passwords.verify
    hashed: dict[str, str] = {}
    checked: dict[tuple[str, str], bool] = {}

    def hash_password(password: str) -> str:
        if password != PASSWORD:
            return real_hash(password)
        if password not in hashed:
            hashed[password] = real_hash(password)
        return hashed[password]

    def verify(stored_hash: str, password: str) -> bool:
        if (stored_hash, password) not in checked:
            checked[stored_hash, password] = real_verify(stored_hash, password)
        return checked[stored_hash, password]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "hash_password", hash_password)
        mp.setattr(passwords, "verify", verify)
        yield


@pytest.fixture(scope="session")
def model_path() -> str:
    path = default_model_dir()
    if not (path / "lotse_model.json").exists():
        from index.model_install import install_model

        # test workers (pytest-xdist) start together: one converts, the others wait for it
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.parent / ".model-install.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            install_model(path)  # a no-op once another worker has installed it
    return str(path)


@pytest.fixture(scope="session")
def encoder(settings):
    enc = encoder_for(settings)  # the same encoder the services use (cached per settings)
    assert enc is not None, "the converted model must load"
    return enc


@pytest.fixture(scope="session")
def settings(tmp_path_factory, model_path) -> Settings:
    # One embedding cache for every test session on this virtualenv: the prototypes and
    # the demo directory are encoded once, not in each session (keys include the model).
    cache = default_model_dir().parent.parent / "embedding-cache"
    # no encoding budget: on a busy test machine a slow encoding must not flip the
    # answers to the lexical fallback (tests of that set a budget themselves); questions on
    # one torch thread always: two threads may change a vector's last digit (1e-7), and
    # the figures the search tests hold were measured on one
    return Settings(data_dir=tmp_path_factory.mktemp("data"), model=model_path,
                    embedding_cache=cache, encode_budget_ms=0, idle_threads=1, **new_store())


@pytest.fixture(scope="session")
def services(settings, encoder) -> Services:
    return start(settings)


@pytest.fixture(scope="session")
def client(settings, services):
    with TestClient(create_app(settings, services)) as c:
        yield c


@pytest.fixture
def make_client(tmp_path, settings, services):
    """A factory of apps, each on a new store of its own (migrated, demo loaded).

    They share the session's search engine (its offers have the same stable ids as
    the demo in every store), so no test pays for embedding the directory again.
    `make_client(search_limit=3)` overrides settings; use it as a context manager.
    """
    count = 0

    def make(**overrides) -> TestClient:
        nonlocal count
        count += 1
        values = {**settings.model_dump(), "data_dir": tmp_path / f"data{count}",
                  **new_store(), **overrides}
        own = Settings(**values)
        svc = Services(own, open_store(own), services.engine, ready=True)
        return TestClient(create_app(own, svc))

    return make


@pytest.fixture(scope="session")
def light_template(tmp_path_factory) -> Settings:
    """A store as `open_store` leaves it (migrated, NRW reference data, demo directory,
    rules). Each light app starts from a copy of it: a third of the time of a new one
    (SQLite's backup API, or PostgreSQL's CREATE DATABASE … TEMPLATE)."""
    own = Settings(data_dir=tmp_path_factory.mktemp("light"), model="", **new_store())
    open_store(own).engine.dispose()
    return own


def copy_store(template: Path, data_dir: Path) -> None:
    """A consistent copy of the template store (SQLite's backup API) into `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(template)) as src, \
            closing(sqlite3.connect(data_dir / template.name)) as dst:
        src.backup(dst)


def store_copy(template: Settings, data_dir: Path, **overrides) -> Settings:
    """Settings (no model, `overrides` applied) for a new store that is a copy of the
    template store, on the lane's engine: a SQLite file in `data_dir`, or a PostgreSQL
    database. For fixtures that need the demo store but do not test migrating it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if ON_POSTGRES:
        from pgserver import clone_database

        return Settings(data_dir=data_dir, model="",
                        database_url=clone_database(template.database_url), **overrides)
    copy_store(template.data_dir / "lotse.db", data_dir)
    return Settings(data_dir=data_dir, model="", **overrides)


@pytest.fixture
def demo_store_at(light_template):
    """`open_store(settings)` for a new store with the demo directory (SQLite), started from
    a copy of the template store: the same store as a migration and demo load from nothing
    would give, for a tenth of the CPU. Tests of migrating and loading use `open_store`."""

    def make(settings: Settings):
        assert settings.load_demo and not settings.database_url
        copy_store(light_template.data_dir / "lotse.db", settings.data_dir)
        return open_store(settings)

    return make


@pytest.fixture(scope="session")
def light_engine(light_template):
    """A search engine without the model (lexical only), for tests that do not judge search.

    Building it takes a fraction of a second, so staff, referral and load tests do not
    wait for the encoder.
    """
    engine = SearchEngine(None)
    store = open_store(light_template)
    engine.build(store.offers())
    store.engine.dispose()  # a PostgreSQL template must have no connection when copied
    return engine


@pytest.fixture
def make_light_client(tmp_path, light_engine, light_template):
    """Like `make_client`, but on the model-free engine, over https (Secure cookies work).

    Each call gives an app on a new store of its own (migrated, demo loaded, key file
    created in its data dir); `make_light_client(staff_idle_minutes=1)` overrides settings.
    The store is a copy of `light_template` unless the overrides name another database
    or no demo directory.
    """
    count = 0

    def make(**overrides) -> TestClient:
        nonlocal count
        count += 1
        copied = "database_url" not in overrides and overrides.get("load_demo", True)
        store: dict = {}
        if copied and ON_POSTGRES:
            from pgserver import clone_database

            store = {"database_url": clone_database(light_template.database_url)}
        elif not copied and "database_url" not in overrides:
            store = new_store()
        own = Settings(**{"data_dir": tmp_path / f"light{count}", "model": "", **store,
                          **overrides})
        if copied and not ON_POSTGRES:
            copy_store(light_template.data_dir / "lotse.db", own.data_dir)
        svc = Services(own, open_store(own), light_engine, ready=True)
        return TestClient(create_app(own, svc), base_url="https://testserver")

    return make
