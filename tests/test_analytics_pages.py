"""Coordinator pages: own Kommune only (404 otherwise), state view sums, SVG + tables, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from conftest import store_copy
from staffkit import add_user, login

from app.analytics.export import gap_csv, neutral
from app.analytics.models import SearchEvent
from app.analytics.protect import Cell
from app.analytics.themes import GapReport, Theme

NOW = dt.datetime.now(dt.UTC)
LAST = (dt.date(NOW.year, NOW.month, 1) - dt.timedelta(days=1)).replace(day=1)  # newest complete


def seed(client, kommune, n, *, topic="sprache", confident=True, lang="de"):
    when = dt.datetime(LAST.year, LAST.month, 2, 10, tzinfo=dt.UTC)
    with client.app.state.services.store.session.begin() as s:
        for _ in range(n):
            s.add(SearchEvent(hour=when, kommune_id=kommune, ui_lang=lang, query_lang=lang,
                              topic=topic if confident else None, topics=[topic],
                              confident=confident, crisis=False, referral=False, helped=None))


@pytest.fixture(scope="module")
def app_client(tmp_path_factory, light_engine, light_template):
    from fastapi.testclient import TestClient

    from app.main import create_app, open_store
    from app.services import Services

    own = store_copy(light_template, tmp_path_factory.mktemp("figpages"),
                     analytics_maintenance_minutes=0)
    c = TestClient(create_app(own, Services(own, open_store(own), light_engine, ready=True)),
                   base_url="https://testserver")
    seed(c, "demo", 23)
    seed(c, "demo", 3, topic="arbeit")
    seed(c, "demo", 6, confident=False, lang="ar")
    seed(c, "koeln", 47, topic="wohnen", lang="uk")
    seed(c, "koeln", 2, topic="arbeit")
    return c


@pytest.fixture(scope="module")
def users(app_client):
    """One logged-in browser (own cookies) per account, all on the same app."""
    from fastapi.testclient import TestClient

    clients = {}
    for name, roles, kommune in (("coord_demo", ("coordinator",), "demo"),
                                 ("coord_land", ("coordinator",), None),
                                 ("cm_demo", ("case_manager",), "demo")):
        secret = add_user(app_client, name, roles, kommune)[1]
        c = TestClient(app_client.app, base_url="https://testserver")
        assert login(c, name, secret).status_code == 303
        clients[name] = c
    return clients


def as_user(app_client, users, name, step=0):
    return users[name]


def test_a_kommune_coordinator_sees_only_their_kommune(app_client, users):
    c = as_user(app_client, users, "coord_demo", 0)
    r = c.get("/staff/figures", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/staff/figures/demo/{LAST.year}"
    page = c.get(f"/staff/figures/demo/{LAST.year}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert ">32<" in text  # 23 + 3 + 6 questions in the month
    assert ">23<" in text and ">6<" in text and "&lt;5" in text  # 3 on "arbeit" hidden
    assert ">47<" not in text and ">49<" not in text  # nothing of Köln
    for path in (f"/staff/figures/koeln/{LAST.year}", f"/staff/figures/land/{LAST.year}",
                 "/staff/figures/koeln/gaps", "/staff/figures/koeln/gaps.csv",
                 f"/staff/figures/koeln/{LAST.year}/figures.csv",
                 f"/staff/figures/koeln/{LAST.year}/report", "/staff/figures/demo/1999"):
        r = c.get(path)
        assert r.status_code == 404, path
        assert "47" not in r.text


def test_the_state_coordinator_sees_the_sum_and_the_kommunen(app_client, users):
    c = as_user(app_client, users, "coord_land", 1)
    r = c.get("/staff/figures", follow_redirects=False)
    assert r.headers["location"] == f"/staff/figures/land/{LAST.year}"
    text = c.get(r.headers["location"]).text
    assert ">81<" in text  # 32 + 49 questions in the month, state-wide
    assert ">47<" in text and ">32<" in text
    assert c.get(f"/staff/figures/demo/{LAST.year}").status_code == 404  # no drill-down


def test_other_roles_and_strangers_are_refused(app_client, users):
    c = as_user(app_client, users, "cm_demo", 2)
    assert c.get(f"/staff/figures/demo/{LAST.year}").status_code == 403
    r = app_client.get(f"/staff/figures/demo/{LAST.year}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/login")


def test_charts_are_accessible_svg_with_tables_and_no_third_parties(app_client, users):
    c = as_user(app_client, users, "coord_demo", 3)
    text = c.get(f"/staff/figures/demo/{LAST.year}").text
    svgs = re.findall(r"<svg[^>]*>", text)
    assert svgs and all('role="img"' in s and "aria-labelledby" in s for s in svgs)
    assert text.count("<title id=") == len(svgs) and text.count("<desc id=") == len(svgs)
    assert text.count("<table") >= len(svgs)
    assert "<script>" not in text and "style=" not in text
    assert not re.search(r"<[^>]+\son[a-z]+=", text)  # no inline event handlers
    for url in re.findall(r'(?:src|href)="([^"]+)"', text):
        assert url.startswith(("/", "#")) and not url.startswith("//"), url
    report = c.get(f"/staff/figures/demo/{LAST.year}/report").text
    assert "/static/analytics.css" in report and "gaps-h" in report


def test_csv_export_matches_the_page(app_client, users):
    c = as_user(app_client, users, "coord_demo", 4)
    r = c.get(f"/staff/figures/demo/{LAST.year}/figures.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    flat = [cell for row in rows for cell in row]
    assert "32" in flat and "23" in flat and "<5" in flat and "47" not in flat
    gaps = c.get("/staff/figures/demo/gaps.csv")
    assert gaps.status_code == 200


def test_csv_neutralises_formulas():
    assert neutral("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    for bad in ("+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutral(bad).startswith("'")
    assert neutral("Wo ist das Standesamt?") == "Wo ist das Standesamt?"
    theme = Theme(size=7, languages=[("de", Cell(7, 5))], months=[(LAST, Cell(7, 5))],
                  examples=[("de", "=cmd|' /C calc'!A0 Führerschein")])
    out = gap_csv(GapReport("demo", 90, 5, Cell(7, 5), themes=[theme]))
    row = list(csv.reader(io.StringIO(out)))[1]
    assert row[-1].startswith("'=") and row[1] == "7"
