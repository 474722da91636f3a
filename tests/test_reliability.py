"""Reliability of the referral path: load and SIGKILLs against a real server on 127.0.0.1
(REL-01/02/03, bounded for the suite; `lotse referrals drill` runs the full 8 x 200 with 20
kills), a long lock or a full disk gives 503 with the input kept and no partial row (REL-07),
and the real server's log holds no query text (PRIV-07)."""

import re
import sqlite3

import httpx
from sqlalchemy import event, func, select
from storekit import sqlite_only

from app.referrals.models import Referral
from ops.drill import Server, free_port, run_drill


def test_load_with_sigkills_loses_nothing_rel01_rel02(tmp_path):
    result = run_drill(clients=4, posts=10, kills=2, data_dir=tmp_path, time_limit=300)
    assert result["acknowledged"] == result["expected"] == 40
    assert result["lost"] == 0 and result["server_errors_5xx"] == 0
    assert result["integrity_check"] == "ok" and result["sigkills"] == 2
    assert result["stored_rows"] == 40  # idempotency: retries made no duplicates
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "database is locked" not in log and "Traceback" not in log


def test_real_server_log_has_no_query_text_priv07(tmp_path):
    server = Server(tmp_path, free_port())
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        # the server process shares the cores with the other test worker: give it time
        with httpx.Client(timeout=60) as http:
            assert http.get(f"{base}/", params={"q": "CANARY-Abschiebung-Angst"}).status_code == 200
            http.get(f"{base}/api/v1/search", params={"q": "CANARY-2 schwanger"})
            http.post(f"{base}/api/v1/referrals", json={
                "kommune": "demo", "contact": "0170 5551234", "consent": True,
                "message": "CANARY-3 Nachricht"})
    finally:
        server.stop()
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "GET / 200" in log and "POST /api/v1/referrals 201" in log
    assert "CANARY" not in log and "q=" not in log and "0170" not in log


def form_data(c):
    page = c.get("/referral", params={"lang": "de", "kommune": "demo"})
    fields = dict(re.findall(r'name="(consent_sha256|idempotency_key)" value="([^"]+)"',
                             page.text))
    return {**fields, "kommune": "demo", "contact": "0170 1234567", "consent": "yes",
            "message": "Mein langer Text, der nicht verloren gehen darf 8812"}


def count(c):
    with c.app.state.services.store.session() as s:
        return s.scalar(select(func.count(Referral.id)))


@sqlite_only("a writer holds SQLite's file lock; twin: test_postgres.py::"
             "test_long_lock_gives_503_and_keeps_the_input_on_postgres")
def test_long_lock_gives_503_and_keeps_the_input_rel07(make_light_client):
    c = make_light_client()
    data = form_data(c)
    db = sqlite3.connect(c.app.state.settings.data_dir / "lotse.db", isolation_level=None,
                         check_same_thread=False)
    db.execute("BEGIN IMMEDIATE")  # another writer holds the lock longer than busy_timeout
    try:
        r = c.post("/referral", data=data)
    finally:
        db.execute("ROLLBACK")
        db.close()
    assert r.status_code == 503 and "8812" in r.text and 'role="alert"' in r.text
    assert count(c) == 0
    db = sqlite3.connect(c.app.state.settings.data_dir / "lotse.db", isolation_level=None,
                         check_same_thread=False)
    db.execute("BEGIN IMMEDIATE")
    try:
        api = c.post("/api/v1/referrals", json={"kommune": "demo", "contact": "0170 1234567",
                                                "consent": True})
    finally:
        db.execute("ROLLBACK")
        db.close()
    assert api.status_code == 503 and api.json()["detail"] and count(c) == 0
    again = c.post("/referral", data=data)  # the kept form, sent again
    assert again.status_code == 201 and count(c) == 1


@sqlite_only("the file may not grow (max_page_count); twin: test_postgres.py::"
             "test_disk_full_gives_503_keeps_no_row_and_readyz_fails_on_postgres")
def test_disk_full_gives_503_and_no_partial_row_rel07(make_light_client):
    c = make_light_client()
    store = c.app.state.services.store
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    def full(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    store.engine.dispose()
    event.listen(store.engine, "connect", full)
    body = {"kommune": "demo", "contact": "0170 1234567", "consent": True,
            "message": "x" * 4000, "name": "Disk Full"}
    try:
        r = c.post("/api/v1/referrals", json=body)
        assert r.status_code == 503 and r.json()["detail"] and r.headers["retry-after"]
        assert count(c) == 0
    finally:
        event.remove(store.engine, "connect", full)
        store.engine.dispose()
    assert c.post("/api/v1/referrals", json=body).status_code == 201
