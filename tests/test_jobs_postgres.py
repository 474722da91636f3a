"""The job queue, the outbox claim and the shared rate limits again on a real PostgreSQL
(tests/pgserver.py): racing workers claim each job once, two worker processes send each
of 20 mails once, two app instances share the referral limit.

On PostgreSQL the queue runs on Procrastinate (app.queue.pg, schema of migration 19):
two Procrastinate workers run each of 40 jobs once and each periodic tick once; a
failed job runs again after its back-off; two `lotse worker` processes and a slow
aiosmtpd sink deliver each of 20 mails once; an import job uploaded through a `lotse
serve` process that runs no jobs waits through that process's end, runs on the next
process (`lotse serve` with its worker) and answers its status and apply there."""

from __future__ import annotations

import email
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pgserver import postgres_url
from sqlalchemy import text
from storekit import store_env
from test_job_queue import ROOT, WORKER, SlowSink
from test_outbox import free_port
from test_shared_limits import refer, second_instance

from app.queue import contract, lease, pg
from app.referrals import notify
from directory.models import Kommune


@pytest.fixture
def pg_url():
    return postgres_url()


def test_racing_workers_claim_each_job_once_on_postgres(pg_url, make_light_client):
    store = make_light_client(database_url=pg_url, load_demo=False).app.state.services.store
    assert store.engine.dialect.name == "postgresql"
    ids = {lease.enqueue(store, "nothing", {"n": n}) for n in range(40)}
    ran: list[str] = []

    def work(name):
        while (job := lease.claim(store, name, ("nothing",))) is not None:
            ran.append(job.id)
            assert lease.complete(store, job, name)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ran) == sorted(ids)  # every job once, none twice


def test_two_worker_processes_send_each_mail_once_on_postgres(pg_url, make_light_client,
                                                              tmp_path):
    handler, port = SlowSink(), free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        c = make_light_client(database_url=pg_url)
        settings, store = c.app.state.settings, c.app.state.services.store
        with store.session.begin() as s:
            s.get(Kommune, "demo").case_management_email = "kim@kreis-musterland.example"
            for _ in range(20):
                notify.queue_new_referral(s, settings, "demo")
        env = store_env(settings, LOTSE_MODEL="", LOTSE_SMTP_HOST="127.0.0.1",
                        LOTSE_SMTP_PORT=str(port), LOTSE_JOBS_INTERVAL_SECONDS="0.05")
        go = tmp_path / "go"
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, "direct", str(go)], env=env,
                                  cwd=ROOT) for _ in range(2)]
        time.sleep(1.5)
        go.touch()
        for p in procs:
            assert p.wait(timeout=120) == 0
    finally:
        ctl.stop()
    assert len(handler.received) == 20
    assert notify.pending(store) == 0


def test_two_instances_share_the_referral_limit_on_postgres(pg_url, make_light_client,
                                                            light_engine):
    one = make_light_client(database_url=pg_url)
    two = second_instance(one, light_engine)
    codes = [refer(one if n % 2 else two).status_code for n in range(12)]
    assert codes == [201] * 10 + [429, 429]


def test_an_import_job_on_postgres_answers_on_another_instance(pg_url, make_light_client,
                                                               tmp_path):
    from staffkit import add_user, csrf_of, login
    from test_hsds_upload import ROW, _finished, _upload, _xlsx
    from test_import_jobs_shared import instance

    one = make_light_client(database_url=pg_url)
    _, secret = add_user(one, "edi", ("editor",))
    two = instance(one.app.state.settings)
    assert login(two, "edi", secret).status_code == 303
    url = _upload(two, csrf_of(two), _xlsx([ROW])).headers["location"]
    assert 'action="' + url + '/apply"' in _finished(two, url)
    assert two.post(url + "/apply", data={"csrf_token": csrf_of(two)},
                    follow_redirects=False).status_code in (200, 303)
    assert "/staff/offers" in _finished(two, url)
    three = instance(one.app.state.settings)
    assert login(three, "edi", secret, step=1).status_code == 303
    assert "/staff/offers" in three.get(url).text  # the same job, read on another instance


def _pg_store(make_light_client, pg_url, **overrides):
    store = make_light_client(database_url=pg_url, **overrides).app.state.services.store
    assert contract.engine(store) == contract.PROCRASTINATE
    return store


def test_two_procrastinate_workers_run_each_job_and_each_tick_once(pg_url,
                                                                   make_light_client):
    store = _pg_store(make_light_client, pg_url, load_demo=False)
    ids = {contract.enqueue(store, "probe", {"n": n}) for n in range(40)}
    ran: list[tuple[str, str]] = []
    ticks: list[tuple[str, int]] = []
    lock = threading.Lock()

    def runner(name: str) -> pg.Runner:
        def run_record(record: str) -> None:
            job = lease.take(store, record, name)
            assert job is not None
            with lock:
                ran.append((name, job.id))
            time.sleep(0.02)
            assert lease.complete(store, job, name, {"by": name})

        def run_every(kind: str, timestamp: int) -> None:
            with lock:
                ticks.append((kind, timestamp))

        app = pg.build(store.engine.url.render_as_string(hide_password=False),
                       run_record=run_record, run_every=run_every, periods={"probe": 1})
        return pg.Runner(app, name=name, poll=0.2)

    runners = [runner("w1"), runner("w2")]
    for r in runners:
        r.start()
    try:
        deadline = time.monotonic() + 60
        while len(ran) < 40 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.5)  # more ticks; and any second run of a job would show now
    finally:
        for r in runners:
            r.stop()
    assert sorted(job for _, job in ran) == sorted(ids)  # every job once, none twice
    assert {contract.status(store, i).state for i in ids} == {"done"}
    assert len(ticks) >= 2 and len(set(ticks)) == len(ticks)  # each second's tick once
    # no record job is left; a tick deferred in the second the workers stopped may wait
    # for the next worker (it is on its own queue)
    with store.session() as s:
        left = s.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE queue_name = :q"
                              " AND status IN ('todo', 'doing')"), {"q": pg.QUEUE}).scalar()
    assert left == 0


def test_a_failed_job_runs_again_after_its_back_off_on_procrastinate(pg_url,
                                                                     make_light_client):
    store = _pg_store(make_light_client, pg_url, load_demo=False)
    job_id = contract.enqueue(store, "probe", {}, max_attempts=3)
    runs: list[float] = []

    def run_record(record: str) -> None:
        job = lease.take(store, record, "w1")
        runs.append(time.monotonic())
        if len(runs) == 1:
            assert lease.fail(store, job, "w1", "try again")
            raise pg.Again(1.5)
        assert lease.complete(store, job, "w1", {"ok": True})

    app = pg.build(store.engine.url.render_as_string(hide_password=False),
                   run_record=run_record, run_every=lambda kind, ts: None, periods={},
                   upkeep=False)
    runner = pg.Runner(app, name="w1", poll=0.2, queues=(pg.QUEUE,))
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while contract.status(store, job_id).state != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        runner.stop()
    st = contract.status(store, job_id)
    assert (st.state, st.attempts, st.result) == ("done", 2, {"ok": True})
    assert len(runs) == 2 and runs[1] - runs[0] >= 1.0  # not before its back-off


DOOMED = """
import sys, time
from app.queue import lease, pg
from directory.store import Store

url, name = sys.argv[1], sys.argv[2]
store = Store(url)

def run_record(record):
    lease.take(store, record, name)
    time.sleep(600)  # killed meanwhile

app = pg.build(url, run_record=run_record, run_every=lambda kind, ts: None, periods={},
               upkeep=False)
pg.Runner(app, name=name, poll=0.2, queues=(pg.QUEUE,), heartbeat=1).start()
time.sleep(600)
"""


def test_the_job_of_a_killed_worker_process_runs_on_another(pg_url, make_light_client):
    store = _pg_store(make_light_client, pg_url, load_demo=False)
    url = store.engine.url.render_as_string(hide_password=False)
    job_id = contract.enqueue(store, "probe", {})
    doomed = subprocess.Popen([sys.executable, "-c", DOOMED, url, "doomed"], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while contract.status(store, job_id).state != "running" \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert contract.status(store, job_id).state == "running"
    finally:
        doomed.kill()  # SIGKILL mid-job: no goodbye, its heartbeat just stops
        doomed.wait()
    ran: list[str] = []

    def run_record(record: str) -> None:
        job = lease.take(store, record, "heir")
        ran.append(record)
        assert lease.complete(store, job, "heir", {"ok": True})

    app = pg.build(url, run_record=run_record, run_every=lambda kind, ts: None, periods={},
                   recover_cron="* * * * * */1", stalled_after=3)
    heir = pg.Runner(app, name="heir", poll=0.2, heartbeat=1)
    heir.start()
    try:
        deadline = time.monotonic() + 60
        while contract.status(store, job_id).state != "done" and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        heir.stop()
    st = contract.status(store, job_id)
    assert (st.state, st.attempts, ran) == ("done", 2, [job_id])  # once more, by the heir


def test_a_worker_started_while_the_database_is_away_works_once_it_is_there(
        pg_url, make_light_client):
    from sqlalchemy import create_engine, text

    store = _pg_store(make_light_client, pg_url, load_demo=False)
    store.engine.dispose()  # the template of the database that comes later
    base, template = pg_url.rsplit("/", 1)
    later = f"{base}/{template}_later"
    ran: list[str] = []
    app = pg.build(later, run_record=ran.append, run_every=lambda kind, ts: None,
                   periods={}, upkeep=False)
    runner = pg.Runner(app, name="early", poll=0.2, queues=(pg.QUEUE,))
    runner.start()  # connecting to a database that does not exist yet
    try:
        time.sleep(1.5)
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{template}_later" TEMPLATE "{template}"'))
        admin.dispose()
        from directory.store import Store

        there = Store(later)
        job_id = contract.enqueue(there, "probe", {})
        deadline = time.monotonic() + 90
        while not ran and time.monotonic() < deadline:
            time.sleep(0.2)
        there.engine.dispose()
    finally:
        runner.stop()
    assert ran == [job_id]


LOTSE = str(Path(sys.executable).with_name("lotse"))


def test_two_lotse_workers_send_each_of_20_mails_once_on_procrastinate(
        pg_url, make_light_client, tmp_path):
    from sqlalchemy import text

    handler, port = SlowSink(), free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    procs: list[subprocess.Popen] = []
    try:
        c = make_light_client(database_url=pg_url)
        settings, store = c.app.state.settings, c.app.state.services.store
        with store.session.begin() as s:
            s.get(Kommune, "demo").case_management_email = "kim@kreis-musterland.example"
            for _ in range(20):
                notify.queue_new_referral(s, settings, "demo")
        env = store_env(settings, LOTSE_MODEL=str(tmp_path / "no-model"),
                        LOTSE_SMTP_HOST="127.0.0.1", LOTSE_SMTP_PORT=str(port),
                        LOTSE_JOBS_INTERVAL_SECONDS="1", LOTSE_ANALYTICS_MAINTENANCE_MINUTES="0")
        procs = [subprocess.Popen([LOTSE, "worker"], env=env, cwd=ROOT,
                                  stdout=(tmp_path / f"w{i}.log").open("wb"),
                                  stderr=subprocess.STDOUT) for i in (1, 2)]
        deadline = time.monotonic() + 120
        while (notify.pending(store) or len(handler.received) < 20) \
                and time.monotonic() < deadline:
            assert all(p.poll() is None for p in procs), (tmp_path / "w1.log").read_text()
            time.sleep(0.2)
        time.sleep(3)  # three more outbox ticks: a mail sent twice would arrive now
        with store.session() as s:
            workers = s.execute(text("SELECT count(DISTINCT worker_id) FROM "
                                     "procrastinate_jobs WHERE worker_id IS NOT NULL")).scalar()
            ticks = s.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name "
                                   "= 'lotse.every.outbox' AND status = 'succeeded'")).scalar()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            assert p.wait(timeout=60) == 0  # a clean stop on SIGTERM
        ctl.stop()
    ids = [email.message_from_bytes(e.original_content)["Message-ID"]
           for e in handler.received]
    assert len(handler.received) == 20 and len(set(ids)) == 20
    assert notify.pending(store) == 0
    assert ticks >= 3 and workers == 2  # both processes ran ticks, each tick once


def test_an_import_job_outlives_its_process_and_answers_on_the_next(pg_url, tmp_path):
    from test_hsds_upload import ROW, _xlsx
    from test_two_processes import PASSWORD, Serve, Staff, environment

    from app.keyring import open_keyring
    from app.settings import Settings
    from app.staff import accounts
    from directory.store import Store

    data = tmp_path / "data"
    env = environment(data, pg_url)
    web_only = Serve({**env, "LOTSE_JOBS_POLL_SECONDS": "0"}, tmp_path / "serve1.log")
    try:
        assert web_only.ready(240), Path(web_only.log.name).read_text()[-3000:]
        store = Store(pg_url)
        open_keyring(Settings(data_dir=data, create_key=False), store)
        with store.session.begin() as s:
            _, secret = accounts.create_user(s, "cli", "ed.q", PASSWORD, ["editor"], "demo")
        ed = Staff(web_only.base)
        ed.login("ed.q", secret)
        r = ed.request("POST", "/staff/import", data={"csrf_token": ed.token()},
                       files={"file": ("angebote.xlsx", _xlsx([ROW]),
                                       "application/octet-stream")})
        assert r.status_code == 303, r.text
        url = r.headers["location"]
        time.sleep(1.5)
        assert 'hx-trigger="every 1s"' in ed.request("GET", url).text  # nobody runs it
        assert contract.status(store, url.rsplit("/", 1)[1]).state == "queued"
    finally:
        web_only.stop()  # the process that took the upload ends
    worker = Serve(env, tmp_path / "serve2.log")  # the next process, with its worker
    try:
        assert worker.ready(240), Path(worker.log.name).read_text()[-3000:]
        later = Staff(worker.base)
        later.cookies = dict(ed.cookies)  # the same browser, now sent to the next process
        deadline = time.monotonic() + 60
        while 'hx-trigger="every 1s"' in (page := later.request("GET", url).text) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert f'action="{url}/apply"' in page, page
        r = later.request("POST", url + "/apply", data={"csrf_token": later.token()})
        assert r.status_code in (200, 303), r.text
        deadline = time.monotonic() + 60
        while "/staff/offers" not in (page := later.request("GET", url).text) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "/staff/offers" in page
        assert ROW["Name des Angebots"] in worker.names(ROW["Name des Angebots"])
    finally:
        worker.stop()
        store.engine.dispose()
