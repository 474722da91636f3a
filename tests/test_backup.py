"""Online backup and restore drill (REL-08): a backup taken while the app writes, restored
into an empty store, has integrity ok and the same counts; the canary of a referral is
only ciphertext in it; on SQLite and on PostgreSQL; `lotse backup` and `lotse restore`."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from pgserver import postgres_url
from sqlalchemy import select
from storekit import new_store, store_env

from app.keyring import open_keyring
from app.main import open_store
from app.referrals.models import Referral
from app.settings import Settings
from ops.backup import BackupError, backup, counts, drill, restore

CANARY = "SICHERUNG-KANARIE-6613"


def referral(c, i: int = 0) -> None:
    r = c.post("/api/v1/referrals", json={
        "kommune": "demo", "contact": f"0170 55{i:05d}", "consent": True,
        "message": f"{CANARY} Nachricht {i}", "name": f"{CANARY} {i}"})
    assert r.status_code == 201, r.text


def test_backup_while_writing_then_restore_same_counts_no_plaintext(make_light_client,
                                                                    tmp_path):
    c = make_light_client(referral_limit_ip=1000)
    settings = c.app.state.settings
    referral(c)
    stop = threading.Event()

    def keep_writing():
        i = 1
        while not stop.is_set() and i < 200:
            referral(c, i)
            i += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        made = backup(settings.resolved_database_url, tmp_path / "b" / "store.backup")
    finally:
        stop.set()
        writer.join()
    assert made["integrity_check"] == "ok" and made["rows"]["referral"] >= 1
    data = (tmp_path / "b" / "store.backup").read_bytes()
    assert CANARY.encode() not in data and b"0170 55" not in data  # ciphertext only
    assert not list((tmp_path / "b").glob("*.part"))
    target = Settings(data_dir=tmp_path / "restored", model="", **new_store())
    back = restore(target.resolved_database_url, tmp_path / "b" / "store.backup")
    assert back["integrity_check"] == "ok" and back["rows"] == made["rows"]
    # the restored store opens, and with the key file kept apart its fields decrypt
    (tmp_path / "restored").mkdir(exist_ok=True)  # PostgreSQL: the data dir is not made
    (tmp_path / "restored" / "keyring.json").write_bytes(
        (settings.data_dir / "keyring.json").read_bytes())
    store = open_store(target)
    keyring = open_keyring(target, store)
    with store.session() as s:
        ref = s.scalars(select(Referral).order_by(Referral.created_at)).first()
        assert keyring.decrypt("referral", ref.id, "message", ref.message).startswith(CANARY)
    with pytest.raises(BackupError, match="exists"):
        restore(target.resolved_database_url, tmp_path / "b" / "store.backup")


def test_a_damaged_backup_is_refused(tmp_path):
    bad = tmp_path / "bad.backup"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)
    with pytest.raises(BackupError):
        restore(f"sqlite:///{tmp_path / 'x.db'}", bad)
    assert not (tmp_path / "x.db").exists() or counts(f"sqlite:///{tmp_path / 'x.db'}") == {}


def test_the_drill_on_postgres(make_light_client):
    url = postgres_url()
    c = make_light_client(database_url=url)
    referral(c)
    result = drill(url, postgres_url())
    assert result == {**result, "ok": True, "same_counts": True, "integrity_check": "ok"}
    assert result["rows"] > 100


def test_lotse_backup_drill_and_restore_commands(make_light_client, tmp_path):
    c = make_light_client()
    referral(c)
    env = store_env(c.app.state.settings, LOTSE_MODEL="", PATH="/usr/bin:/bin")
    run = subprocess.run([sys.executable, "-m", "ops.cli", "backup", "--drill"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["ok"] is True
    out = tmp_path / "cli.backup"
    assert subprocess.run([sys.executable, "-m", "ops.cli", "backup", str(out)],
                          capture_output=True, env=env, timeout=300).returncode == 0
    into = store_env(Settings(data_dir=tmp_path / "new", model="", **new_store()),
                     LOTSE_MODEL="", PATH="/usr/bin:/bin")
    run = subprocess.run([sys.executable, "-m", "ops.cli", "restore", str(out)],
                         capture_output=True, text=True, env=into, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["integrity_check"] == "ok"
    again = subprocess.run([sys.executable, "-m", "ops.cli", "restore", str(out)],
                           capture_output=True, text=True, env=into, timeout=300)
    assert again.returncode == 1 and "--force" in again.stderr and "Traceback" not in again.stderr
