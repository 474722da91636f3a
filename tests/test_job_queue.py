"""The job queue (app.queue.lease, app.jobs) on a real store: one claim per job, leases that
run out, retries with back-off, periodic tasks once per period; and the outbox with TWO
worker processes on one store and a slow real SMTP sink (aiosmtpd): every mail arrives
exactly once."""

import asyncio
import datetime as dt
import email
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import select
from storekit import lease_engine_only, store_env
from test_outbox import free_port

from app.jobs import TASKS, Worker
from app.queue import lease
from app.queue.models import Job
from app.referrals import notify
from app.referrals.models import OutboxMail
from directory.models import Kommune

ROOT = Path(__file__).resolve().parent.parent
LEASE_ENGINE = lease_engine_only()  # the lease engine's workers (tests/storekit.py)


class SlowSink:
    """Accepts every message after a deliberate pause (a slow mail server)."""

    def __init__(self, delay=0.15):
        self.delay = delay
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        self.received.append(envelope)
        return "250 OK"


def services_of(c):
    return c.app.state.services


def test_exactly_one_worker_claims_a_job(make_light_client):
    store = services_of(make_light_client()).store
    job_id = lease.enqueue(store, "nothing", {"n": 1})
    first = lease.claim(store, "w1", ("nothing",))
    assert first is not None and first.id == job_id and first.attempts == 1
    assert lease.claim(store, "w2", ("nothing",)) is None  # held by w1
    assert not lease.complete(store, first, "w2")  # only the holder may finish it
    assert lease.heartbeat(store, first, "w1", {"done": 3})
    assert lease.status(store, job_id).progress == {"done": 3}
    assert lease.backlog(store) == 1 and lease.lag_seconds(store) == 0.0  # running, not due
    assert lease.complete(store, first, "w1", {"ok": True})
    st = lease.status(store, job_id)
    assert st.state == "done" and st.result == {"ok": True}
    assert lease.claim(store, "w2", ("nothing",)) is None


def test_a_lease_that_runs_out_is_claimed_again_and_retries_back_off(make_light_client):
    store = services_of(make_light_client()).store
    job_id = lease.enqueue(store, "nothing", {}, max_attempts=2)
    first = lease.claim(store, "w1", ("nothing",), lease=dt.timedelta(seconds=30))
    assert first is not None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=31)
    with time_machine.travel(later, tick=False):  # w1 died: its lease ran out
        second = lease.claim(store, "w2", ("nothing",))
        assert second is not None and second.attempts == 2
        assert not lease.complete(store, first, "w1")  # w1 woke up too late
        assert lease.fail(store, second, "w2", "boom")  # attempts used up: failed
    st = lease.status(store, job_id)
    assert st.state == "failed" and st.last_error == "boom"

    retried = lease.enqueue(store, "nothing", {}, max_attempts=3)
    job = lease.claim(store, "w1", ("nothing",))
    assert lease.fail(store, job, "w1", "try again")
    assert lease.status(store, retried).state == "queued"
    assert lease.claim(store, "w1", ("nothing",)) is None  # waits for its back-off
    with time_machine.travel(dt.datetime.now(dt.UTC) + lease.backoff(1) * 2, tick=False):
        assert 9 < lease.lag_seconds(store) < 11  # due for 10 s, nobody took it
        assert lease.claim(store, "w1", ("nothing",)).attempts == 2
        assert lease.lag_seconds(store) == 0.0


@LEASE_ENGINE
def test_a_periodic_task_runs_once_per_period_across_workers(make_light_client):
    c = make_light_client(jobs_interval_seconds=3600, analytics_maintenance_minutes=0)
    services = services_of(c)
    calls = []
    TASKS["conversations"], original = (lambda s, j, w: calls.append(w.id)), \
        TASKS["conversations"]
    try:
        workers = [Worker(services, ("conversations",)) for _ in range(3)]
        threads = [threading.Thread(target=w.run_due) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(calls) == 1  # three workers, one period: one run
        assert sum(w.run_due() for w in workers) == 0
        with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1, seconds=1)):
            assert sum(w.run_due() for w in workers) == 1
    finally:
        TASKS["conversations"] = original
    with services.store.session() as s:
        (row,) = s.scalars(select(Job).where(Job.kind == "conversations"))
        assert row.key == "every:conversations" and row.state == "queued"


@LEASE_ENGINE
def test_a_failing_task_keeps_its_period_and_the_worker_alive(make_light_client):
    services = services_of(make_light_client(jobs_interval_seconds=60))
    TASKS["retention"], original = (lambda s, j, w: 1 / 0), TASKS["retention"]
    try:
        assert Worker(services, ("retention",)).run_due() == 1
    finally:
        TASKS["retention"] = original
    with services.store.session() as s:
        row = s.scalars(select(Job).where(Job.kind == "retention")).one()
        assert row.state == "queued" and row.last_error == "ZeroDivisionError"


WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from app.jobs import Worker
    from app.referrals import notify
    from app.services import Services
    from app.settings import Settings
    from directory.store import Store

    mode, go = sys.argv[1], Path(sys.argv[2])
    settings = Settings()
    store = Store(settings.resolved_database_url)
    worker = Worker(Services(settings, store, None, ready=True), ("outbox",))
    while not go.exists():
        time.sleep(0.01)
    deadline = time.monotonic() + 90
    while notify.pending(store) and time.monotonic() < deadline:
        if mode == "direct":  # both processes send at the same moment
            notify.deliver_due(store, settings, limit=50, worker=worker.id)
        else:  # the periodic outbox job, as a running app does it
            worker.run_due()
        time.sleep(0.02)
""")


@LEASE_ENGINE
@pytest.mark.parametrize("mode", ["direct", "worker"])
def test_two_worker_processes_send_each_of_20_mails_exactly_once(make_light_client, tmp_path,
                                                                  mode):
    handler = SlowSink()
    port = free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        c = make_light_client()
        settings, store = c.app.state.settings, services_of(c).store
        with store.session.begin() as s:
            s.get(Kommune, "demo").case_management_email = "kim@kreis-musterland.example"
            for _ in range(20):
                notify.queue_new_referral(s, settings, "demo")
        env = store_env(settings, LOTSE_MODEL="", LOTSE_SMTP_HOST="127.0.0.1",
                        LOTSE_SMTP_PORT=str(port), LOTSE_JOBS_INTERVAL_SECONDS="0.05")
        go = tmp_path / "go"
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, mode, str(go)], env=env,
                                  cwd=ROOT) for _ in range(2)]
        time.sleep(1.5)  # both have imported and opened the store
        go.touch()
        for p in procs:
            assert p.wait(timeout=120) == 0
    finally:
        ctl.stop()
    ids = [email.message_from_bytes(e.original_content)["Message-ID"]
           for e in handler.received]
    assert len(handler.received) == 20 and len(set(ids)) == 20
    with store.session() as s:
        rows = list(s.scalars(select(OutboxMail)))
    assert all(m.sent_at is not None and m.attempts == 1 and m.claimed_by is None
               for m in rows)


@LEASE_ENGINE
def test_the_engine_follows_the_store_and_periods_become_cron_lines(make_light_client):
    from app.queue import contract, pg

    store = services_of(make_light_client()).store
    assert contract.engine(store) == contract.LEASE  # SQLite: the lease table
    job_id = contract.enqueue(store, "nothing", {"n": 1})
    assert contract.status(store, job_id).state == "queued"
    assert lease.claim(store, "w1", ("nothing",)).id == job_id  # a lease job, no other
    # Procrastinate's periodic tasks: our period in seconds, rounded to a divisor
    assert [pg.cron(s) for s in (0.05, 1, 7, 45, 60, 600, 3000, 3600, 7000, 86400)] == [
        "* * * * * */1", "* * * * * */1", "* * * * * */6", "* * * * * */30",
        "*/1 * * * *", "*/10 * * * *", "0 */1 * * *", "0 */1 * * *", "0 */2 * * *",
        "0 3 * * *"]
    assert pg.conninfo("postgresql+psycopg://lotse:pw@db:5432/lotse") == \
        "postgresql://lotse:pw@db:5432/lotse"
