"""Canary tests: nothing personal in the database file, WAL, logs, URLs or audit (PRIV-07/08),
erasure removes the bytes and referral text never enters the search index (PRIV-11), key
rotation re-encrypts every row (PRIV-09), the record of processing stays true (PRIV-16)."""

import json
import logging
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, select
from staffkit import add_user, csrf_of, login
from storekit import sqlite_only, store_env, store_holds

from app.keyring import Keyring, key_path
from app.referrals.erasure import checkpoint
from app.referrals.models import ENCRYPTED, Referral, ReferralNote
from app.settings import Settings
from app.staff.models import AuditEntry

CANARY = "CANARY-Zeynep-Yilmaz-0176-5550199"
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "lotse"


def submit(c, canary=CANARY):
    r = c.post("/api/v1/referrals", json={
        "kommune": "demo", "contact": "0176 5550199", "consent": True, "name": canary,
        "message": f"{canary} ist schwanger und hat Angst", "age": 23,
        "on_behalf": {"name": f"{canary}-Patin", "contact": "patin@example.org"}})
    assert r.status_code == 201
    return r.json()["reference"], r.headers["referral-secret"]


def files(settings):
    return b"".join(p.read_bytes() for p in Path(settings.data_dir).glob("lotse.db*"))


def test_canary_is_not_in_db_wal_logs_urls_or_audit(make_light_client, caplog):
    c = make_light_client()
    with caplog.at_level(logging.DEBUG):
        submit(c)
        _, secret = add_user(c, "cm.priv", ["case_manager"])
        login(c, "cm.priv", secret)
        listing = c.get("/staff/referrals")
        ref_id = listing.text.split("/staff/referrals/")[1][:36]
        page = c.get(f"/staff/referrals/{ref_id}")
        assert CANARY in page.text  # the case manager does read it …
        c.post(f"/staff/referrals/{ref_id}/notes",
               data={"csrf_token": csrf_of(c), "text": f"Notiz {CANARY}"})
    settings = c.app.state.settings
    assert not store_holds(settings, CANARY.encode(), b"0176 5550199")  # … the files never
    server_logs = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert not any(CANARY in m for m in server_logs)
    urls = [r.request.url for r in [listing, page]]
    assert not any(CANARY in str(u) for u in urls)
    with c.app.state.services.store.session() as s:
        audit_text = json.dumps([[e.actor, e.action, e.object_type, e.object_id, e.result]
                                 for e in s.scalars(select(AuditEntry))])
        row = s.scalar(select(Referral))
    assert CANARY not in audit_text and "referral.view" in audit_text
    for col in ENCRYPTED["referral"]:
        value = getattr(row, col)
        assert value is None or (value.startswith("v1:k1:") and CANARY not in value), col


@sqlite_only("SQLite's secure_delete and WAL checkpoint; PostgreSQL keeps dead rows until "
             "VACUUM and in its WAL: there (and in backups) erasure is crypto-shredding, "
             "tests/test_shred.py::"
             "test_after_a_withdrawal_one_shred_run_leaves_no_key_that_opens_it")
def test_erasure_removes_the_bytes_priv11(make_light_client):
    c = make_light_client()
    ref, secret = submit(c)
    store = c.app.state.services.store
    with store.session() as s:
        row = s.scalar(select(Referral))
        ciphertexts = [getattr(row, col) for col in ENCRYPTED["referral"] if getattr(row, col)]
    checkpoint(store)
    raw = files(c.app.state.settings)
    assert all(ct.encode() in raw for ct in ciphertexts)  # the test can see them …
    r = c.post("/api/v1/referrals/withdraw", json={"reference": ref, "secret": secret})
    assert r.status_code == 200
    raw = files(c.app.state.settings)
    assert not any(ct.encode() in raw for ct in ciphertexts)  # … and then they are gone
    wal = Path(c.app.state.settings.data_dir) / "lotse.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_referral_text_never_enters_the_search_index(make_light_client):
    c = make_light_client()
    submit(c, "Kanarienvogel")
    engine = c.app.state.services.engine
    assert all("Kanarienvogel" not in (o.name + o.description) for o in engine.offers.values())
    hits = c.get("/api/v1/search", params={"q": "Kanarienvogel schwanger"}).json()["results"]
    assert all(h["kommune"] in ("demo", None) for h in hits)
    assert c.app.state.services.store.directory_hash()  # offers only: the same as before


def test_key_rotation_reencrypts_every_row_priv09(make_light_client, tmp_path):
    c = make_light_client()
    for i in range(3):
        submit(c, f"ROT-{i}")
    add_user(c, "rot.admin", ["admin"])
    _, s2 = add_user(c, "rot.cm", ["case_manager"])
    login(c, "rot.cm", s2)
    ref_id = c.get("/staff/referrals").text.split("/staff/referrals/")[1][:36]
    c.post(f"/staff/referrals/{ref_id}/notes", data={"csrf_token": csrf_of(c), "text": "n"})
    settings = c.app.state.settings
    env = store_env(settings)
    r = subprocess.run([str(BIN), "keys", "rotate"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["current"] == "k2" and result["retired"] == ["k1"]
    assert result["reencrypted"] >= 3 * 5 + 2 + 1
    keyring = Keyring.load(key_path(settings))
    assert set(keyring.keys) == {"k2"}
    store = c.app.state.services.store
    store.keyring.keys.update(keyring.keys)
    store.keyring.current = "k2"
    with store.session() as s:
        for row in s.scalars(select(Referral)):
            for col in ENCRYPTED["referral"]:
                v = getattr(row, col)
                if v:
                    assert Keyring.key_id(v) == "k2"
                    keyring.decrypt("referral", row.id, col, v)
        note = s.scalar(select(ReferralNote))
        assert keyring.decrypt("referral_note", note.id, "text", note.text) == "n"


def test_record_of_processing_is_true_priv16(make_light_client):
    record = json.loads((ROOT / "app" / "record_of_processing.json").read_text())
    c = make_light_client()
    tables = set(inspect(c.app.state.services.store.engine).get_table_names())
    listed = {t: spec for a in record["activities"] for t, spec in a["tables"].items()}
    for table, columns in ENCRYPTED.items():  # every encrypted (personal) table is listed
        assert table in listed and set(columns) <= set(listed[table]["personal_columns"])
    for table, spec in listed.items():
        assert table in tables, table
        cols = {col["name"] for col in inspect(c.app.state.services.store.engine)
                .get_columns(table)}
        assert set(spec["personal_columns"]) <= cols, table
        assert spec["retention"], table
    referral_retention = json.dumps(listed["referral"]["retention"])
    for name in ("retention_closed_days", "retention_unreached_days", "retention_open_days"):
        assert name in referral_retention and name in Settings.model_fields
    assert {"staff_user", "staff_session", "audit_log", "referral", "referral_note",
            "analytics_event", "analytics_question"} <= set(listed)
    analytics = json.dumps([listed["analytics_event"], listed["analytics_question"]])
    for name in ("analytics_event_days", "analytics_link_hours", "analytics_question_days"):
        assert name in analytics and name in Settings.model_fields
