"""The job queue, the outbox claim and the shared rate limits again on a real PostgreSQL
(tests/pgserver.py): racing workers claim each job once, two worker processes send each
of 20 mails once, two app instances share the referral limit."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from pgserver import postgres_url
from test_job_queue import ROOT, WORKER, SlowSink
from test_outbox import free_port
from test_shared_limits import refer, second_instance

from app.queue import lease
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
        env = {**os.environ, "LOTSE_DATA_DIR": str(settings.data_dir), "LOTSE_MODEL": "",
               "LOTSE_DATABASE_URL": pg_url, "LOTSE_SMTP_HOST": "127.0.0.1",
               "LOTSE_SMTP_PORT": str(port), "LOTSE_JOBS_INTERVAL_SECONDS": "0.05"}
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
