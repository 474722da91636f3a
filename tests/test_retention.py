"""Retention runs by itself with configurable periods per status (PRIV-10), frozen clock."""

import datetime as dt
import time

import time_machine
from sqlalchemy import select

from app.referrals import retention
from app.referrals.models import Referral
from app.staff.models import AuditEntry

DAY = dt.timedelta(days=1)


def submit(c):
    r = c.post("/api/v1/referrals", json={"kommune": "demo", "contact": "0170 1234567",
                                          "consent": True, "message": "bitte"})
    assert r.status_code == 201
    return r.json()["reference"]


def set_status(c, reference, status):
    with c.app.state.services.store.session.begin() as s:
        ref = s.scalar(select(Referral).where(Referral.reference == reference))
        ref.status = status


def left(c):
    with c.app.state.services.store.session() as s:
        return {r.reference: r.status for r in s.scalars(select(Referral))}


def test_periods_per_status_with_a_frozen_clock(make_light_client):
    c = make_light_client(retention_closed_days=30, retention_unreached_days=60,
                          retention_open_days=120)
    start = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        refs = {status: submit(c) for status in ("abgeschlossen", "weitergeleitet",
                                                 "nicht_erreicht", "assessment", "neu")}
    for status, ref in refs.items():
        set_status(c, ref, status)
    store, settings = c.app.state.services.store, c.app.state.settings
    with time_machine.travel(start + 29 * DAY, tick=False):
        assert retention.run_once(store, settings) == 0
    with time_machine.travel(start + 31 * DAY, tick=False):
        assert retention.run_once(store, settings) == 2
    assert set(left(c).values()) == {"nicht_erreicht", "assessment", "neu"}
    with time_machine.travel(start + 61 * DAY, tick=False):
        assert retention.run_once(store, settings) == 1
    with time_machine.travel(start + 119 * DAY, tick=False):
        assert retention.run_once(store, settings) == 0
    with time_machine.travel(start + 121 * DAY, tick=False):
        assert retention.run_once(store, settings) == 2
    assert left(c) == {}
    with store.session() as s:
        actions = [a for a in s.scalars(select(AuditEntry.action))]
    assert actions.count("referral.retention_delete") == 5


def test_retention_runs_by_itself(make_light_client):
    """A referral closed two days ago goes at the next tick of the periodic job, with no
    one calling it. The clock is not moved here: Procrastinate's periodic deferrer (the
    PostgreSQL lane) would first catch up two days of one-second ticks."""
    client = make_light_client(retention_closed_days=1, jobs_interval_seconds=0.2)
    with client as c:
        ref = submit(c)
        set_status(c, ref, "abgeschlossen")
        with c.app.state.services.store.session.begin() as s:
            row = s.scalar(select(Referral).where(Referral.reference == ref))
            row.status_changed_at = dt.datetime.now(dt.UTC) - 2 * DAY
        deadline = time.monotonic() + 20
        while left(c) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert left(c) == {}
