"""The audit log (PRIV-13): who/when/what/object/result, never content, append-only, HMAC chain."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from staffkit import add_user, csrf_of, login, staff_client

from app.staff import audit
from app.staff.models import AuditEntry


def test_logins_are_audited_without_content(make_light_client):
    c = make_light_client()
    uid, secret = add_user(c, "canary.user", ["admin"])
    login(c, "canary.user", secret, password="CANARY-PASSWORD-123")
    login(c, "canary.user", secret)
    store = c.app.state.services.store
    with store.session() as s:
        rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(r.action, r.result) for r in rows] == [
        ("user.create", "ok"), ("login", "denied"), ("login", "ok")]
    assert rows[-1].actor == uid and rows[-1].object_id == uid and rows[-1].kommune_id == "demo"
    assert all(r.at.year >= 2026 for r in rows)
    raw = "|".join(f"{r.actor}{r.action}{r.object_type}{r.object_id}{r.result}" for r in rows)
    assert "CANARY" not in raw and "canary.user" not in raw  # ids, never names or secrets


def test_audit_refuses_content_as_names(make_light_client):
    c = make_light_client()
    with c.app.state.services.store.session.begin() as s, pytest.raises(ValueError):
        audit.record(s, "cli", "note: Frau Müller hat angerufen", "referral", "x")


def drop_guard(conn, verb: str) -> str:
    """The statement that drops the append-only trigger of `verb` (SQLite has one per verb,
    PostgreSQL one for both)."""
    if conn.dialect.name == "postgresql":
        return "DROP TRIGGER audit_log_append_only ON audit_log"
    return f"DROP TRIGGER audit_log_no_{verb}"


def test_rows_cannot_be_changed_or_deleted(make_light_client):
    c, _, _ = staff_client(make_light_client, "ada", ("admin",))
    store = c.app.state.services.store
    for sql in ("UPDATE audit_log SET result = 'ok'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(sql))


def test_the_chain_detects_a_changed_row(make_light_client):
    c, _, _ = staff_client(make_light_client, "bea", ("admin",))
    c.get("/staff/users")
    c.post("/staff/logout", data={"csrf_token": csrf_of(c)})
    store = c.app.state.services.store
    with store.session() as s:
        ok, broken, count = audit.verify(s)
        assert ok and broken is None and count >= 4
        second = s.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()[1]
    with store.engine.begin() as conn:  # an attacker with database access drops the guard
        conn.execute(text(drop_guard(conn, "update")))
        conn.execute(text("UPDATE audit_log SET result = 'denied' WHERE id = :i"), {"i": second})
    with store.session() as s:
        ok, broken, _ = audit.verify(s)
    assert not ok and broken == second


def test_the_chain_detects_a_deleted_row(make_light_client):
    c, _, _ = staff_client(make_light_client, "cem", ("admin",))
    c.get("/staff/users")
    store = c.app.state.services.store
    with store.engine.begin() as conn:
        conn.execute(text(drop_guard(conn, "delete")))
        conn.execute(text("DELETE FROM audit_log WHERE id = 2"))
    with store.session() as s:
        ok, broken, _ = audit.verify(s)
    assert not ok and broken == 3
