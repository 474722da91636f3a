"""The editors' upload page: template downloads, dry-run report by row and column, apply,
progress polling, the offer searchable afterwards, jobs private to their uploader."""

from __future__ import annotations

import datetime as dt
import io
import re
import time

import pytest
import time_machine
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from staffkit import add_user, csrf_of, login
from storekit import lease_engine_only

from app.imports.jobs import KIND
from app.jobs import drain
from app.main import create_app
from app.queue import lease
from app.services import Services
from app.settings import Settings
from directory.hsds import sheet
from index.engine import SearchEngine

ROW = {"Name des Angebots": "Nähcafé Probehausen", "Beschreibung": "Nähen und Deutsch üben.",
       "Träger": "Frauentreff Probehausen", "Themen": "sprache",
       "Öffnungszeiten": "Mi 15-17", "Sprachen": "de, uk"}


@pytest.fixture
def app_client(tmp_path, demo_store_at):
    """An app on its own store and its own (model-free) engine: imports change its index."""
    def make(**overrides):
        own = Settings(data_dir=tmp_path / f"d{len(list(tmp_path.iterdir()))}", model="",
                       **overrides)
        store = demo_store_at(own)
        engine = SearchEngine(None)
        engine.build(store.offers())
        return TestClient(create_app(own, Services(own, store, engine, ready=True)),
                          base_url="https://testserver")
    return make


def _editor(client, name="edi", kommune="demo"):
    _, secret = add_user(client, name, ("editor",), kommune)
    assert login(client, name, secret).status_code == 303
    return csrf_of(client)


def _xlsx(rows: list[dict]) -> bytes:
    wb = load_workbook(io.BytesIO(sheet.template_xlsx({})))
    ws = wb["Angebote"]
    headers = [c.value.rstrip(" *") for c in ws[1]]
    for row in rows:
        ws.append([row.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(client, token, data: bytes, name="angebote.xlsx"):
    return client.post("/staff/import", data={"csrf_token": token},
                       files={"file": (name, data, "application/octet-stream")},
                       follow_redirects=False)


def _finished(client, url: str) -> str:
    for _ in range(600):  # a bounded wait for the worker thread, not a timing assertion
        page = client.get(url, headers={"HX-Request": "true"})
        assert page.status_code == 200
        if "hx-trigger" not in page.text:
            return client.get(url).text
        time.sleep(0.05)
    raise AssertionError("the import job did not finish")


def test_templates_and_home_link(app_client):
    c = app_client()
    _editor(c)
    assert 'href="/staff/import"' in c.get("/staff").text
    page = c.get("/staff/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert "Öffnungszeiten" in page.text and 'name="csrf_token"' in page.text
    x = c.get("/staff/import/template.xlsx")
    assert x.status_code == 200 and x.headers["content-type"].startswith(
        "application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(x.content)).sheetnames == ["Angebote", "Hilfe"]
    own = c.get("/staff/import/offers.xlsx")
    assert own.status_code == 200
    names = [r[1] for r in load_workbook(io.BytesIO(own.content))["Angebote"].iter_rows(
        min_row=2, values_only=True)]
    assert len(names) == len([o for o in c.app.state.services.store.offers("demo")
                              if o.kommune_id == "demo"])
    csv = c.get("/staff/import/template.csv")
    assert csv.status_code == 200 and "Name des Angebots" in csv.content.decode("utf-8-sig")


def test_check_then_apply_makes_the_offer_searchable(app_client):
    c = app_client()
    token = _editor(c)
    r = _upload(c, token, _xlsx([ROW]))
    assert r.status_code == 303
    url = r.headers["location"]
    report = _finished(c, url)
    assert "Apply the import" in report or "Import übernehmen" in report
    assert c.get("/api/v1/search", params={"q": "Nähcafé", "kommune": "demo"}).json()[
        "results"][0]["name"] != "Nähcafé Probehausen"
    job_id = url.rsplit("/", 1)[1]
    applied = c.post(f"/staff/import/jobs/{job_id}/apply", data={"csrf_token": token},
                     follow_redirects=False)
    assert applied.status_code == 303
    done = _finished(c, url)
    assert "<progress" not in done
    hits = c.get("/api/v1/search", params={"q": "Nähcafé Probehausen",
                                           "kommune": "demo"}).json()["results"]
    assert hits and hits[0]["name"] == "Nähcafé Probehausen"
    again = c.post(f"/staff/import/jobs/{job_id}/apply", data={"csrf_token": token},
                   follow_redirects=False)
    assert again.status_code == 409


def test_report_by_row_and_column_and_nothing_applied(app_client):
    c = app_client()
    token = _editor(c)
    bad = {**ROW, "Öffnungszeiten": "Mo-Fr 9-12 ab und zu", "Kommune": "koeln"}
    url = _upload(c, token, _xlsx([ROW, bad])).headers["location"]
    report = _finished(c, url)
    assert "Zeile 4" in report and "Öffnungszeiten" in report and "Mo-Fr 9-12 ab und zu" in report
    assert "eingespielt wird nur für" in report  # bound to the editor's Kommune
    assert 'action="/staff/import/jobs/' not in report  # no apply button
    job_id = url.rsplit("/", 1)[1]
    r = c.post(f"/staff/import/jobs/{job_id}/apply", data={"csrf_token": token},
               follow_redirects=False)
    assert r.status_code == 409


def test_progress_fragment_and_privacy_of_jobs(app_client):
    c = app_client()
    token = _editor(c)
    url = _upload(c, token, _xlsx([ROW])).headers["location"]
    fragment = c.get(url, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="job"')
    assert fragment.headers["cache-control"] == "no-store"
    _finished(c, url)
    other = TestClient(c.app, base_url="https://testserver")
    _editor(other, "edi2", "demo")
    assert other.get(url).status_code == 404


def test_limits_and_missing_file(app_client):
    c = app_client(import_max_bytes=2000)
    token = _editor(c)
    r = _upload(c, token, b"x" * 3000, "gross.csv")
    assert r.status_code == 422 and "MB" in r.text
    r = c.post("/staff/import", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 422
    url = _upload(c, token, b"\x00\x01 kein Format", "x.bin").headers["location"]
    assert "Unbekanntes Format" in _finished(c, url)


def test_upload_needs_csrf(app_client):
    c = app_client()
    _editor(c)
    r = c.post("/staff/import", files={"file": ("a.csv", b"x", "text/csv")},
               follow_redirects=False)
    assert r.status_code == 403
    assert re.search("csrf|expired|abgelaufen", r.text, re.I)


@lease_engine_only("the lease engine (SQLite); on PostgreSQL Procrastinate retries the "
                   "jobs of a stopped heartbeat (tests/test_jobs_postgres.py)")
def test_an_import_whose_worker_died_runs_again_once(app_client):
    c = app_client()
    services = c.app.state.services
    token = _editor(c)
    c.app.state.wake_jobs = lambda: None  # no worker of this process takes it at once
    url = _upload(c, token, _xlsx([ROW])).headers["location"]
    job_id = url.rsplit("/", 1)[1]
    dead = lease.claim(services.store, "dead-worker", (KIND,), lease=dt.timedelta(seconds=30))
    assert dead is not None and dead.id == job_id  # a worker took it, then died
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=31)):
        assert drain(services) == 1  # the next worker: its lease ran out, attempt 2
    assert lease.status(services.store, job_id).state == "done"
    assert "Apply the import" in _finished(c, url) or "Import übernehmen" in _finished(c, url)
