"""The message thread (issue 14): structured messages rendered in the person's language,
answers with language marks, encryption and audit, erasure, tenant isolation, the
withdrawn-referral refusal and the content-free e-mail notice over a real SMTP server."""

import datetime as dt
import email
import email.policy
import json
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select
from staffkit import add_user, csrf_of, login

from app.messages.models import CaseMessage
from app.referrals import notify
from app.referrals.models import OutboxMail, Referral
from app.staff.models import AuditEntry

CANARY = "KANARIE-Bahnhofstr-77"
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


def new_referral(c, kommune="demo", channel=None, contact="0170 1234567"):
    body = {"kommune": kommune, "contact": contact, "consent": True, "name": "Amina Test",
            "topics": ["sprache"], "language": "ar"}
    if channel:
        body["contact_channel"] = channel
    r = c.post("/api/v1/referrals", json=body)
    assert r.status_code == 201, r.text
    ref, secret = r.json()["reference"], r.headers["Referral-Secret"]
    with c.app.state.services.store.session() as s:
        rid = s.scalar(select(Referral.id).where(Referral.reference == ref))
    return rid, ref, secret


def as_user(c, username, kommune, roles=("case_manager",)):
    other = TestClient(c.app, base_url="https://testserver")
    _, secret = add_user(c, username, roles, kommune)
    assert login(other, username, secret).status_code == 303
    return other


def post(cm, path, data, htmx=False):
    token = csrf_of(cm)
    headers = {"HX-Request": "true"} if htmx else {}
    return cm.post(path, data={"csrf_token": token, **data}, headers=headers,
                   follow_redirects=False)


def appointment(cm, rid, **extra):
    return post(cm, f"/staff/referrals/{rid}/messages", {
        "kind": "appointment", "date": TOMORROW, "time": "09:30",
        "place": f"{CANARY}, Raum 2", "bring": ["passport", "letters"], **extra})


@pytest.fixture
def world(make_light_client):
    c = make_light_client()
    rid, ref, secret = new_referral(c)
    cm = as_user(c, "cm.demo", "demo")
    return c, cm, rid, ref, secret


def status(c, ref, secret, lang="ar"):
    return c.post(f"/referral/status?lang={lang}", data={"reference": ref, "secret": secret})


def test_appointment_read_in_arabic_confirmed_and_seen_by_staff(world):
    c, cm, rid, ref, secret = world
    r = appointment(cm, rid)
    assert r.status_code == 303, r.text
    page = status(c, ref, secret)
    assert page.status_code == 200 and 'dir="rtl"' in page.text and 'lang="ar"' in page.text
    assert "موعد" in page.text  # the frame of the message comes from the Arabic catalog
    assert "Appointment" not in page.text and CANARY in page.text
    data = json.loads(re.search(r"data-lotse-appointment='([^']+)'", page.text).group(1)
                      .replace("&#34;", '"').replace("&quot;", '"'))
    assert data["type"] == "appointment" and data["date"] == TOMORROW
    assert data["time"] == "09:30" and data["tz"] == "Europe/Berlin"
    assert data["bring"] == ["passport", "letters"]
    mid = data["id"]
    english = status(c, ref, secret, "en")
    assert "Passport or identity card" in english.text  # same message, the reader's language
    staff = cm.get(f"/staff/referrals/{rid}/messages")
    assert "read by the person" in staff.text or "von der Person gelesen" in staff.text
    done = c.post("/referral/messages/answer?lang=ar", data={
        "reference": ref, "secret": secret, "reply_to": mid, "answer": "confirm"})
    assert done.status_code == 200 and 'role="status"' in done.text
    assert done.headers["cache-control"] == "no-store"
    assert 'name="answer" value="confirm"' not in done.text  # answered: no buttons again
    staff = cm.get(f"/staff/referrals/{rid}/messages", headers={"HX-Request": "true"})
    assert staff.status_code == 200 and "<html" not in staff.text
    assert "Termin bestätigt" in staff.text or "Confirmed the appointment" in staff.text
    assert staff.headers["cache-control"] == "no-store"


def test_free_text_is_marked_with_its_language_and_interpreter(world):
    c, cm, rid, ref, secret = world
    appointment(cm, rid)
    r = c.post("/referral/messages/answer?lang=ar", data={
        "reference": ref, "secret": secret,
        "text": "لا أستطيع الحضور يوم الثلاثاء، هل يمكن تغيير الموعد إلى الأسبوع القادم؟"})
    assert r.status_code == 200
    page = cm.get(f"/staff/referrals/{rid}/messages").text
    assert "Arabisch" in page and "Dolmetschung evtl. nötig" in page
    r = c.post("/referral/messages/answer?lang=de", data={
        "reference": ref, "secret": secret,
        "text": "Ich komme gerne am Dienstag, vielen Dank für die Nachricht."})
    page = cm.get(f"/staff/referrals/{rid}/messages").text
    assert page.count("Dolmetschung evtl. nötig") == 1  # the German answer needs none
    empty = c.post("/referral/messages/answer", data={"reference": ref, "secret": secret,
                                                       "text": "  "})
    assert empty.status_code == 422
    wrong = c.post("/referral/messages/answer", data={"reference": ref, "secret": "X",
                                                       "answer": "confirm"})
    assert wrong.status_code == 404 and wrong.headers["cache-control"] == "no-store"


def test_bodies_are_encrypted_reads_audited_and_withdrawal_erases(world, tmp_path):
    c, cm, rid, ref, secret = world
    appointment(cm, rid)
    store = c.app.state.services.store
    with store.session() as s:
        (msg,) = s.scalars(select(CaseMessage))
        assert CANARY not in (msg.body or "") and msg.body
    db = (c.app.state.settings.data_dir / "lotse.db")
    if db.exists():
        assert CANARY.encode() not in db.read_bytes()
    cm.get(f"/staff/referrals/{rid}/messages")
    with store.session() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry))]
    assert "message.send" in actions and "message.view" in actions
    assert c.post("/referral/withdraw", data={"reference": ref,
                                              "secret": secret}).status_code == 200
    with store.session() as s:
        assert list(s.scalars(select(CaseMessage))) == []
    r = appointment(cm, rid)
    assert r.status_code == 409 and "zurückgezogen; ihre Angaben sind gelöscht" in r.text
    note = post(cm, f"/staff/referrals/{rid}/notes", {"text": "noch etwas"})
    assert note.status_code == 409
    assert "Nicht gespeichert: Die Person hat diese Vermittlung zurückgezogen" in note.text


def test_invalid_messages_are_refused_with_a_clear_message(world):
    c, cm, rid, ref, secret = world
    past = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    r = appointment(cm, rid, date=past)
    assert r.status_code == 422 and "Vergangenheit" in r.text
    assert post(cm, f"/staff/referrals/{rid}/messages", {"kind": "moving",
                                                         "kommune": "nirgendwo"}).status_code == 422
    assert post(cm, f"/staff/referrals/{rid}/messages", {"kind": "bogus"}).status_code == 422
    r = post(cm, f"/staff/referrals/{rid}/messages", {"kind": "moving", "kommune": "koeln"})
    assert r.status_code == 303
    page = status(c, ref, secret, "en").text
    assert "Your case moves to" in page and "Köln" in page


def test_every_new_staff_route_is_404_for_another_kommune(world):
    c, cm, rid, ref, secret = world
    other = as_user(c, "cm.koeln", "koeln")
    editor = as_user(c, "ed.demo", "demo", roles=("editor",))
    appointment(cm, rid)
    for who in (other, editor):
        assert who.get(f"/staff/referrals/{rid}/messages").status_code in (403, 404)
        r = appointment(who, rid)
        assert r.status_code in (403, 404) and CANARY not in r.text
        r = post(who, f"/staff/referrals/{rid}/interface-report",
                 {"office": "jobcenter", "problem": "waiting_time"})
        assert r.status_code in (403, 404)
    assert other.get(f"/staff/referrals/{rid}/messages").status_code == 404
    assert other.get("/staff/referrals/guessed-id/messages").status_code == 404
    with c.app.state.services.store.session() as s:
        assert len(list(s.scalars(select(CaseMessage)))) == 1


class Inbox:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_email_notice_says_only_that_a_message_waits(make_light_client):
    port = free_port()
    handler = Inbox()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        c = make_light_client(smtp_host="127.0.0.1", smtp_port=port)
        rid, ref, secret = new_referral(c, channel="email", contact="amina@example.org")
        cm = as_user(c, "cm.demo", "demo")
        assert "per E-Mail" in cm.get(f"/staff/referrals/{rid}/messages").text
        assert appointment(cm, rid, notify="yes").status_code == 303
        store, settings = c.app.state.services.store, c.app.state.settings
        with store.session() as s:
            (mail,) = s.scalars(select(OutboxMail))
            assert "@" not in mail.recipient  # no address rests in the outbox
        assert notify.deliver_due(store, settings) == (1, 0)
        (envelope,) = handler.received
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = mail["Subject"] + mail.get_content()
        assert envelope.rcpt_tos == ["amina@example.org"]
        assert "/referral/status" in body and "رسالة جديدة" in body  # Arabic, then German
        assert "neue Nachricht" in body
        for secret_part in (CANARY, "Amina", ref, "09:30", "demo"):
            assert secret_part not in body
        # withdrawn before sending: the notice is dropped, never sent
        appointment(cm, rid, notify="yes")
        assert c.post("/referral/withdraw", data={"reference": ref,
                                                  "secret": secret}).status_code == 200
        assert notify.deliver_due(store, settings) == (0, 0)
        assert len(handler.received) == 1 and notify.pending(store) == 0
    finally:
        ctl.stop()


def test_thread_and_sensor_counts_on_postgres_rel10(make_light_client):
    from pgserver import postgres_url

    from app.sensors import report
    from app.sensors.models import InterfaceReport

    c = make_light_client(database_url=postgres_url())
    rid, ref, secret = new_referral(c)
    cm = as_user(c, "cm.demo", "demo")
    assert appointment(cm, rid).status_code == 303
    page = status(c, ref, secret)
    mid = re.search(r'name="reply_to" value="([^"]+)"', page.text).group(1)
    assert c.post("/referral/messages/answer", data={
        "reference": ref, "secret": secret, "reply_to": mid,
        "answer": "cannot"}).status_code == 200
    assert "Kann nicht zum Termin kommen" in cm.get(f"/staff/referrals/{rid}/messages").text
    now = dt.datetime.now(dt.UTC)
    store = c.app.state.services.store
    for _ in range(3):
        with store.session.begin() as s:
            report.record(s, "demo", "bamf", "waiting_time", now)
    with store.session() as s:
        assert s.scalar(select(InterfaceReport.count)) == 3
    assert c.post("/referral/withdraw", data={"reference": ref,
                                              "secret": secret}).status_code == 200
    with store.session() as s:
        assert list(s.scalars(select(CaseMessage))) == []


def test_after_a_move_each_team_sees_only_its_own_conversation(world):
    c, cm, rid, ref, secret = world
    appointment(cm, rid)
    koeln = as_user(c, "cm.koeln", "koeln")
    with c.app.state.services.store.session.begin() as s:
        s.get(Referral, rid).kommune_id = "koeln"  # the case moved (however the hand-over runs)
    assert cm.get(f"/staff/referrals/{rid}/messages").status_code == 404
    page = koeln.get(f"/staff/referrals/{rid}/messages").text
    assert CANARY not in page  # the old team's messages stay with the old team
    old = re.search(r'name="reply_to" value="([^"]+)"', status(c, ref, secret).text).group(1)
    assert c.post("/referral/messages/answer", data={
        "reference": ref, "secret": secret, "reply_to": old,
        "answer": "callback"}).status_code == 200
    page = koeln.get(f"/staff/referrals/{rid}/messages").text
    assert "Bittet um Rückruf" in page and CANARY not in page  # answers reach the new team
