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
