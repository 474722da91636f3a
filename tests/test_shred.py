"""Crypto-shredding (PRIV-11 on PostgreSQL and in backups, app.referrals.shred), in both lanes.

After a withdrawal and one run of the periodic job `shred`, none of the referral's old
ciphertexts (what PostgreSQL's dead rows, its WAL and any earlier backup still hold) opens
with a key of the key file on disk, of the running keyring or of another process's keyring;
their key id is gone from the file; other referrals and staff logins still work; the marks
are gone and the run is audited. A mark younger than LOTSE_SHRED_DELAY_SECONDS waits; the
task is registered and scheduled like the other periodic tasks."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from staffkit import add_user, login
from storekit import ON_POSTGRES
from test_referral_privacy import submit

from app.jobs import TASKS, UPKEEP, Worker, periods
from app.keyring import DecryptionFailed, Keyring, key_path
from app.queue import contract, pg
from app.queue.models import Job
from app.referrals import shred
from app.referrals.models import ENCRYPTED, Referral, utcnow
from app.staff.models import AuditEntry

ERASED, KEPT = "SHRED-Erika-Mustermann-0151", "SHRED-Kemal-Bleibt-0160"


def opens(key: bytes, row_id: str, column: str, value: str) -> bool:
    """Whether this raw key decrypts the referral value (nonce | ciphertext+tag)."""
    raw = base64.b64decode(value.split(":", 2)[2])
    try:
        AESGCM(key).decrypt(raw[:12], raw[12:], f"referral:{row_id}:{column}".encode())
    except InvalidTag:
        return False
    return True


def run_shred(services) -> None:
    """One run of the periodic task as the store's engine runs it (lease row on SQLite,
    Procrastinate's periodic tick on PostgreSQL)."""
    worker = Worker(services, ("shred",))
    if contract.engine(services.store) == contract.PROCRASTINATE:
        worker.run_every("shred")
    else:
        assert worker.run_due() == 1
    assert worker.runs == 1


def snapshot(store) -> dict[str, dict[str, str]]:
    """Every referral's encrypted values by referral id."""
    with store.session() as s:
        return {r.id: {col: getattr(r, col) for col in ENCRYPTED["referral"] if getattr(r, col)}
                for r in s.scalars(select(Referral))}


def withdraw(c, reference, secret) -> None:
    r = c.post("/api/v1/referrals/withdraw", json={"reference": reference, "secret": secret})
    assert r.status_code == 200


def test_after_a_withdrawal_one_shred_run_leaves_no_key_that_opens_it(make_light_client):
    c = make_light_client(shred_delay_seconds=0, key_check_seconds=0.2)
    services, settings = c.app.state.services, c.app.state.settings
    store, running = services.store, services.store.keyring
    reference, secret = submit(c, ERASED)
    submit(c, KEPT)
    uid, totp_secret = add_user(c, "shred.cm", ["case_manager"])  # its secret: under k1
    before = snapshot(store)
    other_process = Keyring.load(key_path(settings))  # as another running process holds it
    other_process.check_seconds = 0.2
    withdraw(c, reference, secret)
    with store.session() as s:
        erased_id = s.scalar(select(Referral.id).where(Referral.erased_at.is_not(None)))
        kept_id = s.scalar(select(Referral.id).where(Referral.erased_at.is_(None)))
    old = before[erased_id]
    assert len(old) >= 5 and shred.pending(store) == 1  # one mark, nothing personal in it
    on_disk = Keyring.load(key_path(settings))
    assert {Keyring.key_id(v) for v in old.values()} == {"k1"} == set(on_disk.keys)
    assert all(opens(on_disk.keys["k1"], erased_id, col, v) for col, v in old.items())

    run_shred(services)

    on_disk = Keyring.load(key_path(settings))
    assert "k1" not in on_disk.keys and on_disk.current == "k2" and set(on_disk.keys) == {"k2"}
    assert "k1" not in running.keys
    for col, value in old.items():  # what dead rows, the WAL and old backups still hold
        for key in [*on_disk.keys.values(), *running.keys.values()]:
            assert not opens(key, erased_id, col, value), col
        with pytest.raises(DecryptionFailed):
            running.decrypt("referral", erased_id, col, value)
    # the other referral reads, through the key file and through the staff page
    with store.session() as s:
        kept = s.get(Referral, kept_id)
        assert Keyring.key_id(kept.name) == "k2"
        assert on_disk.decrypt("referral", kept.id, "name", kept.name) == KEPT
    assert login(c, "shred.cm", totp_secret).status_code == 303  # the TOTP secret, re-encrypted
    page = c.get(f"/staff/referrals/{kept_id}")
    assert page.status_code == 200 and KEPT in page.text
    # another process: reads the new values, and drops the retired key when it looks again
    assert other_process.decrypt("referral", kept.id, "name", kept.name) == KEPT
    assert "k1" not in other_process.keys and not any(
        opens(key, erased_id, col, v) for key in other_process.keys.values()
        for col, v in old.items())
    assert shred.pending(store) == 0
    with store.session() as s:
        audited = {(e.actor, e.action, e.result) for e in s.scalars(select(AuditEntry))}
    assert {("job", "keys.rotate", "ok"), ("job", "keys.shred", "ok")} <= audited


def test_a_mark_younger_than_the_delay_waits(make_light_client):
    c = make_light_client(shred_delay_seconds=600, key_check_seconds=0.2)
    services, settings = c.app.state.services, c.app.state.settings
    store = services.store
    withdraw(c, *submit(c, ERASED))
    key_file = key_path(settings).read_bytes()
    run_shred(services)
    assert key_path(settings).read_bytes() == key_file  # no rotation: same keys, same file
    assert shred.pending(store) == 1
    with store.session() as s:
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action.like("keys.%"))).all()
    # the same mark, once it is older than the delay
    later = utcnow() + dt.timedelta(seconds=601)
    result = shred.run_once(store, settings, now=later)
    assert result is not None and result["shredded"] and result["retired"] == ["k1"]
    assert shred.pending(store) == 0 and shred.run_once(store, settings, now=later) is None


def test_the_shred_task_is_registered_and_scheduled_like_the_others(make_light_client):
    c = make_light_client(jobs_interval_seconds=60)
    services, settings = c.app.state.services, c.app.state.settings
    every = periods(settings)
    assert "shred" in TASKS and "shred" in UPKEEP
    assert every["shred"] == every["retention"] == 60
    assert "shred" not in periods(settings.model_copy(update={"jobs_interval_seconds": 0}))
    store = services.store
    on_procrastinate = contract.engine(store) == contract.PROCRASTINATE
    assert on_procrastinate == ON_POSTGRES  # the lane's store, the lane's engine
    if on_procrastinate:
        worker = Worker(services)
        app = pg.build(store.engine.url.render_as_string(hide_password=False),
                       run_record=worker.run_record, run_every=worker.run_every,
                       periods=worker.periods)
        assert {f"{pg.EVERY_TASK}.shred", f"{pg.EVERY_TASK}.retention"} <= set(app.tasks)
    else:
        Worker(services).schedule()
        with store.session() as s:
            keys = set(s.scalars(select(Job.key)))
        assert {"every:shred", "every:retention"} <= keys
