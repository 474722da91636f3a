"""Two real `lotse serve` processes on one store (SQLite, and PostgreSQL where it is
installed): started at the same moment on an empty store, both come up (the schema
lock); an offer written by `lotse import` while they run is found by both through
`GET /api/v1/search` within 5 s; an editor's phone change and archive through process 1
reach process 2's answers within 5 s (the change feed). Without LOTSE_AUTO_MIGRATE
an outdated store is refused with a message naming `lotse migrate`, which then
migrates it. The servers run on the lexical index (no model: a start takes seconds);
the feed and the index updates are the same with the model.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from openpyxl import load_workbook
from pgserver import postgres_url
from test_offer_pages import form_of

from app.keyring import open_keyring
from app.settings import Settings
from app.staff import accounts, totp
from directory import editing
from directory.hsds import sheet
from directory.store import Store
from ops.drill import free_port

LOTSE = str(Path(sys.executable).with_name("lotse"))
PASSWORD = "korrekt pferd batterie heftklammer"
PROPAGATION_LIMIT = 5.0  # seconds (issue 15)


def environment(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTSE_")}
    env.update({"LOTSE_DATA_DIR": str(data_dir), "LOTSE_MODEL": str(data_dir / "no-model"),
                "LOTSE_SEARCH_LIMIT_IP": "1000000", "LOTSE_JOBS_INTERVAL_SECONDS": "0",
                "LOTSE_ANALYTICS_MAINTENANCE_MINUTES": "0"})
    if database_url:
        env["LOTSE_DATABASE_URL"] = database_url
    return env


class Serve:
    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("wb")
        self.proc = subprocess.Popen([LOTSE, "serve", "--port", str(self.port)], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        return False

    def names(self, q: str) -> list[str]:
        r = httpx.get(f"{self.base}/api/v1/search", params={"q": q, "kommune": "demo"},
                      timeout=60)
        assert r.status_code == 200, r.text
        return [h["name"] for h in r.json()["results"]]

    def ids(self, q: str) -> list[str]:
        r = httpx.get(f"{self.base}/api/v1/search", params={"q": q, "kommune": "demo"},
                      timeout=60)
        return [h["id"] for h in r.json()["results"]]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class Staff:
    """An editor's browser against a real server over plain http: the staff cookies are
    Secure, so they are kept here and sent by hand (a proxy would terminate TLS)."""

    def __init__(self, base: str):
        self.base, self.cookies = base, {}
        self.http = httpx.Client(base_url=base, timeout=20, follow_redirects=False)

    def request(self, method: str, path: str, **kw) -> httpx.Response:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers = {**kw.pop("headers", {}), **({"cookie": cookie} if cookie else {})}
        r = self.http.request(method, path, headers=headers, **kw)
        for header in r.headers.get_list("set-cookie"):
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return r

    def login(self, username: str, secret: str) -> None:
        page = self.request("GET", "/staff/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = self.request("POST", "/staff/login", data={
            "username": username, "password": PASSWORD, "code": totp.code_now(secret),
            "csrf_token": token, "next": "/staff"})
        assert r.status_code == 303, r.text

    def token(self) -> str:
        page = self.request("GET", "/staff")
        return re.search(r'"X-CSRF-Token": "([^"]+)"', page.text).group(1)


def wait_until(check, limit: float = 30.0) -> float:
    """Seconds until `check()` holds (polled every 50 ms), or AssertionError past `limit`."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if check():
            return time.monotonic() - t0
        time.sleep(0.05)
    raise AssertionError("not within the limit")


def xlsx(name: str) -> bytes:
    wb = load_workbook(io.BytesIO(sheet.template_xlsx({})))
    ws = wb["Angebote"]
    headers = [c.value.rstrip(" *") for c in ws[1]]
    row = {"Name des Angebots": name, "Beschreibung": "Brettspiele und Deutsch üben.",
           "Träger": "Spieletreff Probehausen", "Themen": "sprache",
           "Öffnungszeiten": "Mi 15-17", "Sprachen": "de, uk"}
    ws.append([row.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    return None if request.param == "sqlite" else postgres_url()


def test_two_processes_on_one_store(store_url, tmp_path, record_property):
    data = tmp_path / "data"
    env = environment(data, store_url)
    servers = [Serve(env, tmp_path / f"serve{i}.log") for i in (1, 2)]  # the same moment
    figures: dict[str, float] = {}
    try:
        for s in servers:
            assert s.ready(240), (s.log.name, Path(s.log.name).read_text()[-3000:])
        one, two = servers
        # lotse import while both run
        name = "Spieletreff Quelltal Brettspielabend"
        file = tmp_path / "angebote.xlsx"
        file.write_bytes(xlsx(name))
        assert name not in one.names(name) and name not in two.names(name)
        done = subprocess.run([LOTSE, "import", str(file), "--kommune", "demo"], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        figures["import"] = wait_until(lambda: all(name in s.names(name) for s in servers))
        # an editor's phone change and archive through process 1
        store = Store(store_url or f"sqlite:///{data / 'lotse.db'}")
        open_keyring(Settings(data_dir=data, create_key=False), store)  # the servers' key
        with store.session.begin() as s:
            _, secret = accounts.create_user(s, "cli", "ed.two", PASSWORD, ["editor"], "demo")
        offer_id = next(h for h in two.ids(name))
        with store.session() as s:
            snap = editing.load(s, offer_id)[1]
        store.engine.dispose()
        ed = Staff(one.base)
        ed.login("ed.two", secret)
        token = ed.token()
        phone = "0211 4455667"
        changed = {**snap, "phones": [{"number": phone, "description": ""}]}
        r = ed.request("POST", f"/staff/offers/{offer_id}",
                       content=urlencode(form_of(changed, token, editing.version(snap))),
                       headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 303, r.text

        def answered_with_phone() -> bool:
            page = httpx.get(f"{two.base}/", params={"q": name, "kommune": "demo"}, timeout=60)
            return phone in page.text

        figures["phone"] = wait_until(answered_with_phone)
        r = ed.request("POST", f"/staff/offers/{offer_id}/archive", data={"csrf_token": token})
        assert r.status_code == 303, r.text
        figures["archive"] = wait_until(lambda: offer_id not in two.ids(name))
        for s in servers:
            assert s.proc.poll() is None
    finally:
        for s in servers:
            s.stop()
    for what, seconds in figures.items():
        record_property(f"propagation_{what}_s", round(seconds, 2))
        print(f"{'postgresql' if store_url else 'sqlite'} {what}: {seconds:.2f} s")
        assert seconds <= PROPAGATION_LIMIT, (what, seconds)


def test_serve_refuses_an_outdated_schema_and_migrate_fixes_it(tmp_path):
    data = tmp_path / "data"
    env = {**environment(data, None), "LOTSE_AUTO_MIGRATE": "false"}
    refused = subprocess.run([LOTSE, "serve", "--port", str(free_port())], env=env,
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2
    assert "lotse migrate" in refused.stderr and "schema" in refused.stderr
    listed = subprocess.run([LOTSE, "import", "x.json"], env=env, capture_output=True,
                            text=True, timeout=300)
    assert listed.returncode == 2 and "lotse migrate" in listed.stderr
    first = subprocess.run([LOTSE, "migrate"], env=env, capture_output=True, text=True,
                           timeout=300)
    assert first.returncode == 0 and "migrated from empty" in first.stdout, first.stderr
    again = subprocess.run([LOTSE, "migrate"], env=env, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0 and "already current" in again.stdout
    server = Serve(env, tmp_path / "serve.log")
    try:
        assert server.ready(240), Path(server.log.name).read_text()[-3000:]
    finally:
        server.stop()
