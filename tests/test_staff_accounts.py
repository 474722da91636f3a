"""Accounts: no default account, one-time CLI bootstrap (SEC-04), Kommune-scoped admin pages."""

import subprocess
import sys
from pathlib import Path

import pyotp
from sqlalchemy import select
from staffkit import PASSWORD, add_user, csrf_of, login, staff_client
from storekit import new_store, store_env

from app.settings import Settings
from app.staff.models import StaffUser

BIN = Path(sys.executable).parent / "lotse"


def lotse(args, settings, stdin=""):
    return subprocess.run([str(BIN), *args], env=store_env(settings), input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_no_default_account_and_one_time_bootstrap_sec04(tmp_path, make_light_client):
    c = make_light_client()
    with c.app.state.services.store.session() as s:
        assert s.scalar(select(StaffUser)) is None  # a new store has no account at all
    own = Settings(data_dir=tmp_path, model="", **new_store())  # the CLI's own new store

    r = lotse(["user", "add", "chefin", "--role", "editor", "--password-stdin"], own,
              PASSWORD + "\n")
    assert r.returncode == 2 and "admin" in r.stderr  # the first account is an admin
    r = lotse(["user", "add", "chefin", "--password-stdin"], own, "password\n")
    assert r.returncode == 2 and "verbreitet" in r.stderr  # the password policy holds here too
    r = lotse(["user", "add", "chefin", "--password-stdin"], own, PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    secret = next(w for w in r.stdout.split() if len(w) == 32 and w.isalnum())
    assert "otpauth://totp/" in r.stdout and pyotp.TOTP(secret).now()
    r = lotse(["user", "add", "zweiter", "--password-stdin"], own, PASSWORD + "\n")
    assert r.returncode == 2 and "/staff/users" in r.stderr  # one time only
    r = lotse(["user", "list", "--json"], own)
    assert '"chefin"' in r.stdout and '"zweiter"' not in r.stdout
    assert lotse(["user", "disable", "chefin"], own).returncode == 0
    # with no active admin left, the bootstrap works again (recovery on the server)
    r = lotse(["user", "add", "zweiter", "--password-stdin"], own, PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    r = lotse(["audit", "verify"], own)
    assert r.returncode == 0 and "intact" in r.stdout


def test_admin_of_a_kommune_manages_only_its_accounts(make_light_client):
    c, _, _ = staff_client(make_light_client, "admin.demo", ("admin",), "demo")
    other_id, _ = add_user(c, "cm.koeln", ["case_manager"], "koeln")
    own_id, _ = add_user(c, "cm.demo", ["case_manager"], "demo")
    page = c.get("/staff/users").text
    assert "cm.demo" in page and "cm.koeln" not in page
    token = csrf_of(c)
    r = c.post(f"/staff/users/{other_id}/active", data={"csrf_token": token, "active": "0"})
    assert r.status_code == 404 and "cm.koeln" not in r.text
    # an account the admin adds lands in the admin's Kommune, whatever the form says
    r = c.post("/staff/users", data={"csrf_token": token, "username": "neu.demo",
                                     "roles": "editor", "kommune": "koeln",
                                     "password": "noch ein gutes passwort"})
    assert r.status_code == 200 and "otpauth" not in r.text and "<img" in r.text
    r = c.post(f"/staff/users/{own_id}/active", data={"csrf_token": token, "active": "0"},
               follow_redirects=False)
    assert r.status_code == 303
    with c.app.state.services.store.session() as s:
        assert s.get(StaffUser, own_id).active is False
        assert s.get(StaffUser, other_id).active is True
        new = s.scalar(select(StaffUser).where(StaffUser.username == "neu.demo"))
        assert new.kommune_id == "demo"


def test_state_wide_admin_sees_every_kommune(make_light_client):
    c, _, _ = staff_client(make_light_client, "admin.nrw", ("admin",), None)
    add_user(c, "cm.koeln", ["case_manager"], "koeln")
    add_user(c, "cm.demo", ["case_manager"], "demo")
    page = c.get("/staff/users").text
    assert "cm.demo" in page and "cm.koeln" in page


def test_login_page_and_refusals_in_german_by_default(make_light_client):
    c = make_light_client()
    page = c.get("/staff/login", headers={"Accept-Language": "ar"})
    assert '<html lang="de"' in page.text and "Anmelden" in page.text
    page = c.get("/staff/login", params={"lang": "en"})
    assert '<html lang="en"' in page.text and "Log in" in page.text
    _, secret = add_user(c, "otto", ["editor"])
    r = login(c, "otto", secret, password="falsch falsch")
    assert r.status_code == 401 and 'role="alert"' in r.text
