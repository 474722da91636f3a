"""Key rotation that running processes survive: `lotse keys rotate` runs as its own process
while this one serves staff logins, referral reads and new referrals; no login fails, no
referral becomes unreadable, new writes end under the new key, the old key is retired (and
dropped from the memory of running processes). A key file older than the data gives a
clear 503 page and a log line, never a 500."""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from staffkit import add_user, login
from storekit import new_store, store_env

from app.keyring import DecryptionFailed, Keyring, key_path
from app.referrals.models import Referral
from app.referrals.rotation import keys_in_use
from app.settings import Settings

CANARY = "Rotationstest-Name"
BIN = Path(sys.executable).parent / "lotse"


def submit(c, n):
    r = c.post("/api/v1/referrals", json={"kommune": "demo", "contact": "0170 1234567",
                                          "consent": True, "name": f"{CANARY}-{n}",
                                          "topics": ["sprache"]})
    assert r.status_code == 201, r.text
    return r.json()["reference"]


def test_a_keyring_follows_its_file_and_tries_every_key(tmp_path):
    path = tmp_path / "keyring.json"
    Keyring.generate().save(path)
    running = Keyring.load(path)
    running.check_seconds = 3600  # only a forced look (SIGHUP, unknown key) reads the file
    old_value = running.encrypt("referral", "r1", "name", "Ada")
    other = Keyring.load(path)
    other.add_key()
    other.save()
    new_value = other.encrypt("referral", "r1", "name", "Bea")
    assert running.decrypt("referral", "r1", "name", new_value) == "Bea"  # unknown id: reload
    assert running.current == "k2"
    assert running.encrypt("referral", "r2", "name", "Cem").split(":")[1] == "k2"
    # a value whose key id lies (copied between rows of other key ids) still opens with
    # every known key tried, but never in another row (associated data)
    relabelled = old_value.replace(":k1:", ":k2:")
    assert running.decrypt("referral", "r1", "name", relabelled) == "Ada"
    k1 = running.keys["k1"]
    other.retire(set())  # retired in the file (crypto-shredding): the running process drops
    other.save()         # it too, and its cipher object, at its next look at the file
    running.request_reload()
    assert running.encrypt("referral", "r3", "name", "x").split(":")[1] == "k2"
    assert set(running.keys) == {"k2"} and k1 not in running._cache
    with pytest.raises(DecryptionFailed):
        running.decrypt("referral", "r1", "name", old_value)
    assert running.decrypt("referral", "r1", "name", new_value) == "Bea"


def test_a_process_that_missed_the_rotation_takes_the_new_key_before_dropping_the_old(
        tmp_path):
    """An idle process that still encrypts under k1 when the rotation retires k1: its next
    look at the file makes k2 current before it encrypts, and a decryption looks too (within
    the check interval), so it never writes under a retired key nor keeps one in memory."""
    path = tmp_path / "keyring.json"
    Keyring.generate().save(path)
    idle = Keyring.load(path)
    idle.check_seconds = 0.0  # looks at every use
    value = idle.encrypt("referral", "r1", "name", "Ada")
    rotating = Keyring.load(path)
    rotating.add_key()
    rotating.save()
    assert idle.decrypt("referral", "r1", "name", value) == "Ada"  # k1 still listed
    new_value = rotating.encrypt("referral", "r1", "name", "Ada")
    rotating.retire(set())
    rotating.save()
    assert idle.decrypt("referral", "r1", "name", new_value) == "Ada"
    assert set(idle.keys) == {"k2"} and idle.current == "k2"
    assert idle.encrypt("referral", "r2", "name", "Bea").split(":")[1] == "k2"
    # a damaged key file changes nothing: the process keeps the keys it has
    path.write_text("{")
    idle.request_reload()
    assert idle.decrypt("referral", "r1", "name", new_value) == "Ada"
    assert set(idle.keys) == {"k2"}


def test_rotation_while_this_process_serves_logins_and_reads(make_light_client):
    c = make_light_client(key_check_seconds=0.3, referral_limit_ip=10_000)
    settings = c.app.state.settings
    with c:
        refs = [submit(c, n) for n in range(12)]
        users = [add_user(c, f"rot{n}", ("case_manager",)) for n in range(40)]
        store = c.app.state.services.store
        with store.session() as s:
            ids = list(s.scalars(select(Referral.id)))
        env = store_env(settings, LOTSE_MODEL="")
        proc = subprocess.Popen([str(BIN), "keys", "rotate", "--settle", "1.5"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        logins = reads = failed_logins = unreadable = written = 0
        n = 0
        while proc.poll() is None or n < 3:
            if n < len(users):
                name = f"rot{n}"
                r = login(c, name, users[n][1])
                logins += 1
                failed_logins += r.status_code != 303
                page = c.get(f"/staff/referrals/{ids[n % len(ids)]}")
                reads += 1
                unreadable += page.status_code != 200 or CANARY not in page.text
                c.cookies.clear()
            submit(c, 100 + n)  # writes during the rotation, under whichever key is current
            written += 1
            n += 1
            time.sleep(0.05)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        result = json.loads(out.strip().splitlines()[-1])
        assert logins >= 5 and reads >= 5 and failed_logins == 0 and unreadable == 0
        assert result["retired"] == ["k1"] and result["current"] == "k2"
        # what this process wrote afterwards and during the rotation is under the new key
        submit(c, 999)
        assert keys_in_use(store) == {"k2"}
        fresh = Keyring.load(key_path(settings))
        assert set(fresh.keys) == {"k2"}
        with store.session() as s:
            rows = list(s.scalars(select(Referral)))
        assert len(rows) == len(refs) + written + 1
        assert all(fresh.decrypt("referral", r.id, "name", r.name).startswith(CANARY)
                   for r in rows)
        uid, secret = add_user(c, "after", ("case_manager",))
        assert login(c, "after", secret).status_code == 303


def test_a_value_no_key_opens_gives_a_clear_page_not_a_500(make_light_client, caplog):
    c = make_light_client()
    uid, secret = add_user(c, "lost", ("case_manager",))
    store = c.app.state.services.store
    from app.staff.models import StaffUser

    with store.session.begin() as s:  # as if written under a key this server never had
        user = s.get(StaffUser, uid)
        user.totp_secret = re.sub(r"^v1:k1:", "v1:k9:", Keyring.generate().encrypt(
            "staff_user", uid, "totp_secret", "JBSWY3DPEHPK3PXP"))
    r = login(c, "lost", secret)
    assert r.status_code == 503 and "Log" in r.text  # de: "im Log"
    assert any("decryption failed" in rec.getMessage() for rec in caplog.records)


def test_a_running_server_takes_the_new_key_on_sighup(tmp_path):
    import signal

    import httpx

    from directory.store import Store
    from ops.drill import HOST, Server, body, free_port

    own = Settings(data_dir=tmp_path, model="", **new_store())  # the lane's store
    server = Server(tmp_path, free_port(), own.database_url)
    server.env["LOTSE_KEY_CHECK_SECONDS"] = "3600"  # only SIGHUP (or an unknown key) reloads
    server.start(timeout=120)
    url = f"http://{HOST}:{server.port}/api/v1/referrals"
    try:
        assert httpx.post(url, json=body(1), timeout=30).status_code == 201
        subprocess.run([str(BIN), "keys", "rotate", "--settle", "0", "--keep-old"],
                       env=store_env(own, LOTSE_MODEL=""),
                       check=True, capture_output=True, timeout=120)
        assert httpx.post(url, json=body(2), timeout=30).status_code == 201  # not noticed yet
        server.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert httpx.post(url, json=body(3), timeout=30).status_code == 201
        assert server.proc.poll() is None  # SIGHUP reloads keys, it does not end the server
    finally:
        server.stop()
    store = Store(own.resolved_database_url)
    with store.session() as s:
        kids = [Keyring.key_id(r.name)
                for r in s.scalars(select(Referral).order_by(Referral.created_at))]
    # 1: re-encrypted by the rotation; 2: written before the server noticed; 3: after SIGHUP
    assert kids == ["k2", "k1", "k2"]
