"""The durability tests again on PostgreSQL (REL-10): migrations both ways, the referral
path under load with SIGKILLs, a long lock gives 503 with the input kept, and the audit
chain. A real server from tests/pgserver.py; a fresh database per test."""

from __future__ import annotations

import re

import pytest
from alembic import command
from pgserver import postgres_url
from sqlalchemy import create_engine, func, inspect, select, text

from app.main import open_store
from app.referrals.models import Referral
from app.settings import Settings
from app.staff import audit
from directory.db import alembic_config
from ops.drill import run_drill


@pytest.fixture
def pg_url():
    return postgres_url()


def test_migrations_both_ways_and_the_demo_on_postgres(pg_url, tmp_path):
    settings = Settings(data_dir=tmp_path, model="", database_url=pg_url)
    store = open_store(settings)
    sqlite = open_store(Settings(data_dir=tmp_path / "lite", model=""))
    assert store.engine.dialect.name == "postgresql"
    assert len(store.offers()) == len(sqlite.offers()) > 80
    assert len(store.kommunen()) == len(sqlite.kommunen())
    assert store.directory_hash() == sqlite.directory_hash()
    tables = set(inspect(store.engine).get_table_names())
    command.downgrade(alembic_config(store.engine), "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(alembic_config(store.engine), "head")
    assert set(inspect(store.engine).get_table_names()) == tables


def test_load_with_sigkills_loses_nothing_on_postgres(pg_url, tmp_path):
    result = run_drill(clients=4, posts=10, kills=2, data_dir=tmp_path, time_limit=300,
                       database_url=pg_url)
    assert result["acknowledged"] == result["expected"] == 40
    assert result["lost"] == 0 and result["server_errors_5xx"] == 0
    assert result["integrity_check"] == "ok" and result["sigkills"] == 2
    assert result["stored_rows"] == 40
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in log


def test_long_lock_gives_503_and_keeps_the_input_on_postgres(pg_url, make_light_client):
    c = make_light_client(database_url=pg_url)
    page = c.get("/referral", params={"lang": "de", "kommune": "demo"})
    fields = dict(re.findall(r'name="(consent_sha256|idempotency_key)" value="([^"]+)"',
                             page.text))
    data = {**fields, "kommune": "demo", "contact": "0170 1234567", "consent": "yes",
            "message": "Mein Text, der nicht verloren gehen darf 9923"}
    other = create_engine(pg_url)
    with other.connect() as conn:
        conn.execute(text("LOCK TABLE referral IN ACCESS EXCLUSIVE MODE"))  # held until exit
        r = c.post("/referral", data=data)
        conn.rollback()
    other.dispose()
    assert r.status_code == 503 and "9923" in r.text and 'role="alert"' in r.text
    store = c.app.state.services.store
    with store.session() as s:
        assert s.scalar(select(func.count(Referral.id))) == 0
    again = c.post("/referral", data=data)
    assert again.status_code == 201
    with store.session() as s:
        assert s.scalar(select(func.count(Referral.id))) == 1
        assert audit.verify(s)[0]  # the audit chain holds on PostgreSQL too


def test_disk_full_gives_503_keeps_no_row_and_readyz_fails_on_postgres(pg_url,
                                                                       make_light_client):
    """PostgreSQL's own `disk_full` error (SQLSTATE 53100, what a full tablespace raises),
    through the real driver: the write is refused with 503 and no partial row, the
    question page keeps the question, /readyz fails until a write succeeds again."""
    from fastapi.testclient import TestClient

    c = make_light_client(database_url=pg_url)
    assert c.get("/readyz").status_code == 200
    other = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with other.connect() as conn:
        conn.execute(text(
            "CREATE FUNCTION disk_is_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'could not extend file: No space left on device' "
            "USING ERRCODE = 'disk_full'; END $$"))
        for table in ("referral", "conversation"):
            conn.execute(text(f"CREATE TRIGGER full_{table} BEFORE INSERT OR UPDATE ON {table} "
                              "FOR EACH ROW EXECUTE FUNCTION disk_is_full()"))
    body = {"kommune": "demo", "contact": "0170 1234567", "consent": True,
            "message": "x" * 4000, "name": "Disk Full"}
    r = c.post("/api/v1/referrals", json=body)
    assert r.status_code == 503 and r.json()["detail"] and r.headers["retry-after"]
    visitor = TestClient(c.app, base_url="https://testserver")
    page = visitor.get("/", params={"q": "VOLL-7 Wohnung gesucht", "lang": "de",
                                    "kommune": "demo"})
    assert page.status_code == 503 and "VOLL-7" in page.text
    assert '<form method="post"' in page.text and page.headers["retry-after"]
    ready = c.get("/readyz")
    assert ready.status_code == 503 and ready.json()["writes"] is False
    store = c.app.state.services.store
    with store.session() as s:
        assert s.scalar(select(func.count(Referral.id))) == 0
    with other.connect() as conn:  # space again
        conn.execute(text("DROP FUNCTION disk_is_full() CASCADE"))
    other.dispose()
    assert c.post("/api/v1/referrals", json=body).status_code == 201
    assert c.get("/readyz").status_code == 200
    with store.session() as s:
        assert s.scalar(select(func.count(Referral.id))) == 1
