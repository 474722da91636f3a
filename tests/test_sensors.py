"""Case managers as sensors (issue 14): an interface problem reported from a case in two
clicks, counted per Kommune and month without anything personal, and shown to the
Koordinierungsstelle in its figures (chart, table, CSV, report) under k-anonymity."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import inspect, select
from staffkit import add_user, csrf_of, login
from test_messages import as_user, new_referral

from app.analytics.figures import build
from app.sensors import report
from app.sensors.models import InterfaceReport


def click(cm, rid, office, problem):
    return cm.post(f"/staff/referrals/{rid}/interface-report",
                   data={"csrf_token": csrf_of(cm), "office": office, "problem": problem},
                   headers={"HX-Request": "true"})


def test_a_report_from_a_case_is_a_bare_count(make_light_client):
    c = make_light_client()
    rid, _, _ = new_referral(c)
    cm = as_user(c, "cm.demo", "demo")
    page = cm.get(f"/staff/referrals/{rid}/messages").text
    assert 'name="office" value="jobcenter"' in page and 'value="waiting_time"' in page
    r = click(cm, rid, "jobcenter", "waiting_time")
    assert r.status_code == 200 and "<html" not in r.text and 'role="status"' in r.text
    assert click(cm, rid, "jobcenter", "waiting_time").status_code == 200
    assert click(cm, rid, "jobcenter", "made_up").status_code == 422
    assert click(cm, rid, "<script>", "waiting_time").status_code == 422
    store = c.app.state.services.store
    with store.session() as s:
        (row,) = s.scalars(select(InterfaceReport))
    today = dt.date.today()
    assert (row.kommune_id, row.office, row.problem, row.count) == (
        "demo", "jobcenter", "waiting_time", 2)
    assert row.month == dt.date(today.year, today.month, 1)
    columns = {col["name"] for col in inspect(store.engine).get_columns("interface_report")}
    assert columns == {"id", "kommune_id", "month", "office", "problem", "count"}  # no link
    plain = cm.post(f"/staff/referrals/{rid}/interface-report",
                    data={"csrf_token": csrf_of(cm), "office": "bamf",
                          "problem": "lost_documents"}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == f"/staff/referrals/{rid}"


def test_figures_count_reports_under_k_anonymity(make_light_client):
    c = make_light_client()  # k = 5
    store = c.app.state.services.store
    march = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    with store.session.begin() as s:
        for _ in range(7):
            report.record(s, "demo", "jobcenter", "waiting_time", march)
        for _ in range(5):
            report.record(s, "demo", "auslaenderbehoerde", "not_reachable", march)
        report.record(s, "demo", "bamf", "lost_documents", march)
        for _ in range(9):
            report.record(s, "koeln", "jobcenter", "no_interpreter", march)
    with time_machine.travel(dt.datetime(2026, 5, 10, tzinfo=dt.UTC), tick=False):
        view = build(c.app.state.services, "demo", 2026)
        land = build(c.app.state.services, None, 2026)
    col = [m.month for m in view.months].index(3)
    offices = view.tables["interfaces_office"]
    assert offices.row("jobcenter")[col].value == 7
    assert offices.row("auslaenderbehoerde")[col].value == 5
    assert not offices.row("bamf")[col].shown  # 1 < k
    problems = view.tables["interfaces_problem"]
    assert problems.row("waiting_time")[col].value == 7
    assert not problems.row("lost_documents")[col].shown
    assert not problems.row("no_interpreter")[col].shown  # Köln's are not in demo's view
    assert land.tables["interfaces_office"].row("jobcenter")[col].value == 16


def test_the_coordinator_sees_the_chart_table_csv_and_report(make_light_client):
    c = make_light_client()
    today = dt.date.today()
    last = dt.date(today.year, today.month, 1) - dt.timedelta(days=1)  # last complete month
    when = dt.datetime(last.year, last.month, 5, tzinfo=dt.UTC)
    with c.app.state.services.store.session.begin() as s:
        for _ in range(6):
            report.record(s, "demo", "jugendamt", "unclear_responsibility", when)
    _, secret = add_user(c, "koord", ["coordinator"], "demo")
    assert login(c, "koord", secret).status_code == 303
    page = c.get(f"/staff/figures/demo/{last.year}")
    assert page.status_code == 200
    assert 'id="chart-interfaces_office-h"' in page.text
    assert 'id="chart-interfaces_problem-h"' in page.text
    assert "Schnittstellenprobleme" in page.text and "Zuständigkeit unklar" in page.text
    csv = c.get(f"/staff/figures/demo/{last.year}/figures.csv").text
    assert "Schnittstellenprobleme" in csv and "Jugendamt" in csv
    rep = c.get(f"/staff/figures/demo/{last.year}/report").text
    assert 'id="chart-interfaces_problem-h"' in rep
    assert c.get(f"/staff/figures/koeln/{last.year}").status_code == 404
