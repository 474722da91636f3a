"""Helpers for staff tests: make accounts in an app's store and log in as a browser would."""

from __future__ import annotations

import re
import time

from app.staff import accounts, totp

PASSWORD = "korrekt pferd batterie heftklammer"


def add_user(client, username, roles, kommune="demo", password=PASSWORD, actor="cli"):
    """Create an account directly in the app's store; returns (user id, TOTP secret)."""
    store = client.app.state.services.store
    with store.session.begin() as s:
        user, secret = accounts.create_user(s, actor, username, password, list(roles), kommune)
        return user.id, secret


def login_token(client) -> str:
    page = client.get("/staff/login")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def login(client, username, secret, password=PASSWORD, step=0, code=None):
    """Post the login form; `step` picks the code of a later 30-second step (single use)."""
    token = login_token(client)
    code = code if code is not None else totp.code_now(secret, time.time() + 30 * step)
    return client.post("/staff/login", data={"username": username, "password": password,
                                             "code": code, "csrf_token": token,
                                             "next": "/staff"},
                       follow_redirects=False)


def csrf_of(client, path="/staff") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return re.search(r'"X-CSRF-Token": "([^"]+)"', page.text).group(1)


def staff_client(make_light_client, username="cm", roles=("case_manager",), kommune="demo",
                 **settings):
    """A new app with one logged-in user; returns (client, user id, secret)."""
    c = make_light_client(**settings)
    uid, secret = add_user(c, username, roles, kommune)
    r = login(c, username, secret)
    assert r.status_code == 303, r.text
    return c, uid, secret
