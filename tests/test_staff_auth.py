"""Staff login: passwords (SEC-01), TOTP (SEC-02), rate limits (SEC-03), sessions and cookies
(SEC-05/06), CSRF and origin checks (SEC-10), no-store (SEC-18), kept input (A11Y-08)."""

import datetime as dt

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select
from staffkit import PASSWORD, add_user, csrf_of, login, staff_client
from storekit import store_holds

from app.staff import accounts, passwords, totp
from app.staff.models import StaffSession, StaffUser


def test_password_policy_sec01():
    assert passwords.problems("kurz7ch")  # 7 characters
    assert not passwords.problems("achtzehn")  # 8, only lower-case letters: no composition rules
    assert passwords.problems("password1")  # in the bundled common list
    assert passwords.problems("iloveyou")
    assert len(passwords.common_passwords()) > 10_000
    assert not passwords.problems("ä" * 64 + " long passphrase allowed " + "x" * 30)  # > 64
    assert passwords.problems("x" * 129)
    assert passwords.problems("maxmuster", username="maxmuster")
    h = passwords.hash_password("ein langes Passwort")
    assert h.startswith("$argon2id$")
    assert passwords.verify(h, "ein langes Passwort") and not passwords.verify(h, "anderes")


def test_account_refuses_weak_password(make_light_client):
    c = make_light_client()
    with pytest.raises(accounts.AccountError):
        add_user(c, "weak", ["editor"], password="12345678")
    with pytest.raises(accounts.AccountError):
        add_user(c, "nokommune", ["case_manager"], kommune=None)  # only state roles are state-wide


def test_login_needs_password_and_single_use_totp_sec02(make_light_client):
    c = make_light_client()
    _, secret = add_user(c, "anna", ["case_manager"])
    assert login(c, "anna", secret, code="000000").status_code == 401
    assert login(c, "anna", secret, password="wrong password!").status_code == 401
    code = totp.code_now(secret)
    assert login(c, "anna", secret, code=code).status_code == 303
    c.cookies.clear()
    r = login(c, "anna", secret, code=code)  # the same code again
    assert r.status_code == 401
    assert login(c, "anna", secret, step=1).status_code == 303  # the next code works


def test_login_rate_limit_per_account_then_window_slides_sec03(make_light_client):
    c = make_light_client(login_limit_account=3, login_window_seconds=60)
    _, secret = add_user(c, "bert", ["editor"])
    for _ in range(3):
        assert login(c, "bert", secret, password="falsches passwort").status_code == 401
    r = login(c, "bert", secret)  # right credentials, but limited
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61), tick=False):
        assert login(c, "bert", secret, step=1).status_code == 303  # no permanent lockout


def test_wrong_totp_codes_are_rate_limited_sec02(make_light_client):
    c = make_light_client(login_limit_account=3)
    _, secret = add_user(c, "tina", ["editor"])
    for code in ("111111", "222222", "333333"):
        assert login(c, "tina", secret, code=code).status_code == 401
    assert login(c, "tina", secret).status_code == 429  # even the right code waits now


def test_login_rate_limit_per_ip_sec03(make_light_client):
    c = make_light_client(login_limit_ip=4, login_limit_account=100)
    _, secret = add_user(c, "cleo", ["editor"])
    for i in range(4):
        assert login(c, f"nobody{i}", secret).status_code == 401
    assert login(c, "cleo", secret).status_code == 429


def test_session_cookie_and_stored_hash_sec05_sec06(make_light_client):
    c = make_light_client()
    uid, secret = add_user(c, "dora", ["editor"])
    r = login(c, "dora", secret)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-lotse_staff=")
    low = cookie.lower()
    assert "secure" in low and "httponly" in low and "samesite=strict" in low
    assert "path=/" in low and "domain" not in low
    token = c.cookies.get("__Host-lotse_staff")
    store = c.app.state.services.store
    with store.session() as s:
        hashes = list(s.scalars(select(StaffSession.token_hash).where(
            StaffSession.user_id == uid)))
    assert len(hashes) == 1 and token not in hashes[0] and len(hashes[0]) == 64
    assert not store_holds(c.app.state.settings, token.encode())  # its file(s), its WAL
    # session fixation: a planted cookie is replaced by a new token at login
    c.cookies.clear()
    c.cookies.set("__Host-lotse_staff", "planted-by-attacker", domain="testserver.local")
    assert login(c, "dora", secret, step=1).status_code == 303
    assert c.cookies.get("__Host-lotse_staff") not in ("planted-by-attacker", token)
    with store.session() as s:
        assert len(list(s.scalars(select(StaffSession).where(
            StaffSession.user_id == uid)))) == 2  # two browsers, two sessions


def test_logout_and_disable_end_sessions_sec05(make_light_client):
    c, uid, _ = staff_client(make_light_client, "emil", ("admin",))
    token = csrf_of(c)
    old = c.cookies.get("__Host-lotse_staff")
    r = c.post("/staff/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    c.cookies.set("__Host-lotse_staff", old, domain="testserver.local")
    assert c.get("/staff", follow_redirects=False).status_code == 303  # the old token is dead

    c2, uid2, _ = staff_client(make_light_client, "fritz", ("editor",))
    store = c2.app.state.services.store
    with store.session.begin() as s:
        accounts.set_active(s, "cli", s.get(StaffUser, uid2), False)
    r = c2.get("/staff", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/login")


def test_idle_and_absolute_timeouts_sec05(make_light_client):
    c, _, _ = staff_client(make_light_client, "gina", ("editor",), staff_idle_minutes=30,
                           staff_session_hours=2)
    now = dt.datetime.now(dt.UTC)
    with time_machine.travel(now + dt.timedelta(minutes=31), tick=False):
        assert c.get("/staff", follow_redirects=False).status_code == 303
    c, _, _ = staff_client(make_light_client, "hugo", ("editor",), staff_idle_minutes=30,
                           staff_session_hours=2)
    t = dt.datetime.now(dt.UTC)
    for minutes in (20, 40, 60, 80, 100, 115):  # active all the time
        with time_machine.travel(t + dt.timedelta(minutes=minutes), tick=False):
            assert c.get("/staff").status_code == 200
    with time_machine.travel(t + dt.timedelta(minutes=125), tick=False):
        assert c.get("/staff", follow_redirects=False).status_code == 303


def test_csrf_token_and_origin_are_checked_sec10(make_light_client):
    c, _, _ = staff_client(make_light_client, "ida", ("admin",))
    token = csrf_of(c)
    form = {"username": "neu.er", "display_name": "X", "kommune": "demo", "roles": "editor",
            "password": "ein gutes langes passwort"}
    assert c.post("/staff/users", data=form).status_code == 403  # no token
    assert c.post("/staff/users", data={**form, "csrf_token": "forged"}).status_code == 403
    r = c.post("/staff/users", data={**form, "csrf_token": token},
               headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = c.post("/staff/users", data={**form, "csrf_token": token},
               headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    with c.app.state.services.store.session() as s:
        assert s.scalar(select(StaffUser).where(StaffUser.username == "neu.er")) is None
    r = c.post("/staff/users", data=form, headers={"X-CSRF-Token": token, "HX-Request": "true",
                                                   "Origin": "https://testserver",
                                                   "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200  # htmx: the header carries the token
    r = c.post("/staff/users", data={**form, "username": "zweite.r", "csrf_token": token})
    assert r.status_code == 200  # no-JS form: the hidden field carries it
    # browsers send Origin: null for form posts under Referrer-Policy: no-referrer
    r = c.post("/staff/users", data={**form, "username": "dritte.r", "csrf_token": token},
               headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200
    r = c.post("/staff/users", data={**form, "username": "vierte.r", "csrf_token": token},
               headers={"Origin": "null"})  # null without fetch metadata proves nothing
    assert r.status_code == 403
    with c.app.state.services.store.session() as s:
        names = set(s.scalars(select(StaffUser.username)))
    assert {"neu.er", "zweite.r"} <= names


def test_login_form_has_its_own_token(make_light_client):
    c = make_light_client()
    _, secret = add_user(c, "jan", ["editor"])
    r = c.post("/staff/login", data={"username": "jan", "password": PASSWORD,
                                     "code": totp.code_now(secret), "csrf_token": "x"},
               follow_redirects=False)
    assert r.status_code == 403 and "__Host-lotse_staff" not in r.headers.get("set-cookie", "")


def test_staff_pages_are_no_store_sec18(make_light_client):
    c, _, _ = staff_client(make_light_client, "kai", ("admin",))
    for path in ("/staff", "/staff/users", "/staff/account", "/staff/login"):
        r = c.get(path, follow_redirects=False)
        assert r.headers["cache-control"] == "no-store", path
        assert r.headers["content-security-policy"].startswith("default-src 'self'")
    anon = make_light_client()
    assert anon.get("/staff", follow_redirects=False).headers["cache-control"] == "no-store"


def test_expired_session_keeps_what_was_typed_a11y08(make_light_client):
    c = make_light_client()
    r = c.post("/staff/users", data={"display_name": "Bitte nicht verlieren 4711",
                                     "password": "geheim geheim", "csrf_token": "x"})
    assert r.status_code == 401
    assert "Bitte nicht verlieren 4711" in r.text and "geheim geheim" not in r.text
    r = c.post("/staff/users", data={"display_name": "htmx text 4712"},
               headers={"HX-Request": "true"})
    assert r.status_code == 401 and "htmx text 4712" in r.text
    assert r.headers["hx-retarget"] == "#main" and "<html" not in r.text


def test_change_password_ends_other_sessions(make_light_client):
    c, uid, secret = staff_client(make_light_client, "lea", ("editor",))
    other = TestClient(c.app, base_url="https://testserver")  # a second browser
    assert login(other, "lea", secret, step=1).status_code == 303
    token = csrf_of(c, "/staff/account")
    new = "ein neues gutes passwort"
    r = c.post("/staff/account", data={"csrf_token": token, "password": PASSWORD,
                                       "new_password": new, "new_password2": new})
    assert r.status_code == 200 and 'role="status"' in r.text
    r = c.post("/staff/account", data={"csrf_token": token, "password": "falsch",
                                       "new_password": "password", "new_password2": "password"})
    assert r.status_code == 422
    with c.app.state.services.store.session() as s:
        assert passwords.verify(s.get(StaffUser, uid).password_hash, new)
    assert other.get("/staff", follow_redirects=False).status_code == 303
    assert c.get("/staff").status_code == 200
