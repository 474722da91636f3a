"""Notification mail through the outbox (REL-04), against a real SMTP server (aiosmtpd) on
127.0.0.1 that is down, refuses on purpose, then accepts; no personal data in any mail."""

import datetime as dt
import socket
import time

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.referrals import notify
from app.referrals.models import OutboxMail
from directory.models import Kommune

CANARY = "CANARY-Mail-Ahmadi"


class Flaky:
    """Refuses the first `fail` messages with 451 (try again later), then accepts."""

    def __init__(self, fail=0):
        self.fail = fail
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        if self.fail > 0:
            self.fail -= 1
            return "451 4.3.0 Please try again later"
        self.received.append(envelope)
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    servers = []

    def start(fail=0, port=None):
        handler = Flaky(fail)
        ctl = Controller(handler, hostname="127.0.0.1", port=port or free_port())
        ctl.start()
        servers.append(ctl)
        return handler, ctl

    yield start
    for ctl in servers:
        ctl.stop()


def with_address(c, email="kim@kreis-musterland.example"):
    with c.app.state.services.store.session.begin() as s:
        s.get(Kommune, "demo").case_management_email = email


def submit(c, kommune="demo"):
    r = c.post("/api/v1/referrals", json={"kommune": kommune, "contact": "0170 1234567",
                                          "consent": True, "name": CANARY,
                                          "message": f"{CANARY} Nachricht",
                                          "topics": ["sprache"]})
    assert r.status_code == 201


def mails(c):
    with c.app.state.services.store.session() as s:
        return list(s.scalars(select(OutboxMail)))


def test_a_referral_queues_one_mail_without_personal_data(make_light_client):
    c = make_light_client()
    submit(c)
    assert mails(c) == []  # no address configured: nothing to send
    with_address(c)
    submit(c)
    (mail,) = mails(c)
    assert mail.recipient == "kim@kreis-musterland.example" and mail.sent_at is None
    text = mail.subject + mail.body
    assert CANARY not in text and "0170" not in text and "sprache" not in text.lower()
    assert "/staff/referrals" in mail.body


def test_a_failing_mail_server_loses_nothing_rel04(make_light_client, smtp):
    port = free_port()
    c = make_light_client(smtp_host="127.0.0.1", smtp_port=port)
    with_address(c)
    submit(c)
    store, settings = c.app.state.services.store, c.app.state.settings
    assert notify.deliver_due(store, settings) == (0, 1)  # no server at all
    (mail,) = mails(c)
    assert mail.attempts == 1 and mail.sent_at is None and "Error" in mail.last_error
    assert notify.deliver_due(store, settings) == (0, 0)  # waits for its back-off
    handler, _ = smtp(fail=1, port=port)  # the server comes up, refuses once
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    with time_machine.travel(later, tick=True):
        assert notify.deliver_due(store, settings) == (0, 1)
    (mail,) = mails(c)
    assert mail.attempts == 2 and "451" in mail.last_error and mail.sent_at is None
    with time_machine.travel(later + dt.timedelta(minutes=3), tick=True):
        assert notify.deliver_due(store, settings) == (1, 0)
    (mail,) = mails(c)
    assert mail.sent_at is not None and mail.attempts == 3
    (envelope,) = handler.received
    body = envelope.content.decode()
    assert envelope.rcpt_tos == ["kim@kreis-musterland.example"]
    assert CANARY not in body and "/staff/referrals" in body
    assert notify.deliver_due(store, settings) == (0, 0)  # sent once, never again


def test_backoff_grows_and_is_capped():
    assert [notify.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert notify.backoff(30) == notify.MAX_BACKOFF


def test_the_outbox_runs_by_itself(make_light_client, smtp):
    handler, ctl = smtp()
    client = make_light_client(smtp_host="127.0.0.1", smtp_port=ctl.port,
                               jobs_interval_seconds=0.2)
    with client as c:  # the app's lifespan starts the background jobs
        with_address(c)
        submit(c)
        deadline = time.monotonic() + 20
        while not handler.received and time.monotonic() < deadline:
            time.sleep(0.1)
    assert len(handler.received) == 1
    assert mails(c)[0].sent_at is not None
