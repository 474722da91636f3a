"""Limits against hostile requests: every body bounded (SEC-23, 413 even for a chunked body
without Content-Length), control characters escaped in the access log, the 429 and 503
pages keep the question in a POST form (never in a URL), a full disk gives 503 with the
question kept and turns /readyz red until a write succeeds again (REL-07), the store and
its backups are 0600, and no note can be added to a withdrawn referral."""

from __future__ import annotations

import logging
import os
import re
import stat

from sqlalchemy import event, select, text
from staffkit import add_user, csrf_of, login
from storekit import sqlite_only

from app.i18n import translations
from app.referrals.models import ReferralNote
from app.web.middleware import printable

BODY = {"kommune": "demo", "contact": "0170 1234567", "consent": True,
        "message": "Bitte um Rückruf", "name": "Test", "topics": ["sprache"], "language": "de"}


def _chunks(total: int, size: int = 1 << 20):
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_a_chunked_body_over_the_limit_gets_413(make_light_client):
    c = make_light_client()
    r = c.post("/api/v1/referrals", content=_chunks(8_000_000),
               headers={"Content-Type": "application/json"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 413 and r.json()["detail"]
    page = c.post("/conversation/ask?lang=ar", content=_chunks(8_000_000),
                  headers={"Content-Type": "application/x-www-form-urlencoded",
                           "Origin": "https://testserver"})
    expected = translations("ar").gettext("What you sent is too large.")
    assert expected != "What you sent is too large."
    assert page.status_code == 413 and expected in page.text and 'dir="rtl"' in page.text
    declared = c.post("/api/v1/referrals", content=b"{}",
                      headers={"Content-Type": "application/json",
                               "Content-Length": "99999999"})
    assert declared.status_code == 413
    assert c.post("/api/v1/referrals", json=BODY).status_code == 201  # normal use unchanged


def test_each_route_kind_has_its_own_limit(make_light_client):
    c = make_light_client(body_max_api=2048, body_max_form=4096, import_max_bytes=10_000,
                          body_max_upload_extra=2000)
    assert c.post("/api/v1/referrals", json=BODY | {"message": "x" * 3000}).status_code == 413
    assert c.post("/api/v1/referrals", json=BODY | {"message": "x" * 1000}).status_code == 201
    form = c.post("/conversation/ask", data={"q": "y" * 5000},
                  headers={"Origin": "https://testserver"})
    assert form.status_code == 413
    _, secret = add_user(c, "edi", ("editor",), "demo")
    assert login(c, "edi", secret).status_code == 303
    token = csrf_of(c)
    upload = c.post("/staff/import", data={"csrf_token": token},
                    files={"file": ("a.csv", b"x" * 9000, "text/csv")}, follow_redirects=False)
    assert upload.status_code == 303  # an upload may be as large as an import file
    upload = c.post("/staff/import", data={"csrf_token": token},
                    files={"file": ("a.csv", b"x" * 20_000, "text/csv")},
                    follow_redirects=False)
    assert upload.status_code == 413


def test_access_log_escapes_control_characters(make_light_client, caplog):
    c = make_light_client()
    with caplog.at_level(logging.INFO):
        c.get("/nichts%0AGET%20/staff%20200%201ms%0D%1B[31m")
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "lotse.access"]
    assert lines and not any(ch in line for line in lines for ch in "\n\r\x1b")
    assert any("/nichts\\x0aGET /staff 200 1ms\\x0d\\x1b[31m 404" in line for line in lines)
    assert printable("a\u2028b\\c\x85") == "a\\u2028b\\\\c\\u0085"


def test_the_429_page_asks_again_with_post_and_works_without_javascript(make_light_client):
    c = make_light_client(search_limit_ip=1)
    assert c.get("/", params={"q": "Wohnung", "lang": "de"}).status_code == 200
    page = c.get("/", params={"q": "Frage FRAGE-4412", "lang": "de"})
    assert page.status_code == 429 and "FRAGE-4412" in page.text
    form = re.search(r'<form method="post" action="([^"]+)">', page.text)
    assert form and "FRAGE" not in form.group(1) and "q=" not in form.group(1)
    assert not re.search(r'(href|action)="[^"]*FRAGE', page.text)
    c.app.state.limits = type(c.app.state.limits)()  # a minute later
    again = c.post(form.group(1), data={"q": "Frage FRAGE-4412"},
                   headers={"Origin": "https://testserver"}, follow_redirects=True)
    assert again.status_code == 200 and "FRAGE-4412" in again.text


def _fill_up(store) -> None:
    """Every new connection may not grow the database file any more: a full disk."""
    with store.engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar()

    def full(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    event.listen(store.engine, "connect", full)
    store.engine.dispose()
    return full


@sqlite_only("the file may not grow (max_page_count); twin: test_postgres.py::"
             "test_disk_full_gives_503_keeps_no_row_and_readyz_fails_on_postgres")
def test_disk_full_gives_503_with_the_question_and_readyz_fails(make_light_client):
    c = make_light_client()
    store = c.app.state.services.store
    assert c.get("/readyz").status_code == 200
    full = _fill_up(store)
    from fastapi.testclient import TestClient

    for i in range(20):  # each new visitor's conversation is a new row: pages run out
        visitor = TestClient(c.app, base_url="https://testserver")
        page = visitor.get("/", params={"q": f"VOLL-{i} " + "Wohnung gesucht " * 120,
                                        "lang": "de", "kommune": "demo"})
        if page.status_code == 503:
            break
    assert page.status_code == 503, "the store never filled up"
    assert f"VOLL-{i}" in page.text and '<form method="post"' in page.text
    assert page.headers["retry-after"] and "text/html" in page.headers["content-type"]
    ready = c.get("/readyz")
    assert ready.status_code == 503 and ready.json()["writes"] is False
    event.remove(store.engine, "connect", full)
    store.engine.dispose()  # space again
    assert c.get("/readyz").status_code == 503  # nothing written yet
    visitor = TestClient(c.app, base_url="https://testserver")
    assert visitor.get("/", params={"q": "Wohnung", "lang": "de"}).status_code == 200
    assert c.get("/readyz").status_code == 200


def test_store_and_backup_files_are_0600(tmp_path, monkeypatch):
    from app.main import open_store
    from app.settings import Settings
    from ops.backup import backup

    old = os.umask(0o022)
    try:
        settings = Settings(data_dir=tmp_path / "d", model="")
        store = open_store(settings)
        with store.session.begin() as s:
            s.execute(text("UPDATE kommune SET name = name"))
        db = tmp_path / "d" / "lotse.db"
        for path in (db, tmp_path / "d" / "lotse.db-wal", tmp_path / "d" / "lotse.db-shm"):
            assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600, path
        out = tmp_path / "b" / "store.backup"
        backup(settings.resolved_database_url, out)
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        loose = tmp_path / "e" / "lotse.db"  # a store made 0644 by an older version
        loose.parent.mkdir()
        loose.touch(mode=0o644)
        open_store(Settings(data_dir=tmp_path / "e", model=""))
        assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_no_note_on_a_withdrawn_referral(make_light_client):
    c = make_light_client()
    r = c.post("/api/v1/referrals", json=BODY)
    ref, secret = r.json()["reference"], r.headers["referral-secret"]
    from app.referrals.models import Referral

    with c.app.state.services.store.session() as s:
        rid = s.scalar(select(Referral.id).where(Referral.reference == ref))
    _, totp = add_user(c, "cm.demo", ("case_manager",), "demo")
    assert login(c, "cm.demo", totp).status_code == 303
    token = csrf_of(c)
    assert c.post("/api/v1/referrals/withdraw",
                  json={"reference": ref, "secret": secret}).status_code == 200
    note = c.post(f"/staff/referrals/{rid}/notes", data={"csrf_token": token,
                                                         "text": "NOTIZ-NACH-RUECKZUG"},
                  follow_redirects=False)
    assert note.status_code == 409
    with c.app.state.services.store.session() as s:
        assert s.scalar(select(ReferralNote.id)) is None
