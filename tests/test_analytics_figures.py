"""Figures from seeded events: exact counts, small cells hidden, no totals that could change."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import store_copy
from sqlalchemy import select, update

from app.analytics.figures import NONE, UNANSWERED, build, years
from app.analytics.models import SearchEvent
from app.main import open_store
from app.services import Services
from directory.models import Service
from index.engine import SearchEngine

NOW = dt.datetime(2026, 3, 15, 10, 0, tzinfo=dt.UTC)


def seed(store, kommune, when: dt.datetime, n: int, *, topic="sprache", confident=True,
         crisis=False, lang="de", ui="de", helped=None, referral=False):
    with store.session.begin() as s:
        for _ in range(n):
            s.add(SearchEvent(hour=when, kommune_id=kommune, ui_lang=ui, query_lang=lang,
                              topic=topic if confident else None, topics=[topic],
                              confident=confident, crisis=crisis, referral=referral,
                              helped=helped))


@pytest.fixture(scope="module")
def svc(tmp_path_factory, light_template):
    own = store_copy(light_template, tmp_path_factory.mktemp("figures"),
                     analytics_maintenance_minutes=0)
    svc = Services(own, open_store(own), SearchEngine(None), ready=True)
    st = svc.store
    jan, feb, jul = (dt.datetime(2025, m, d, h, tzinfo=dt.UTC) for m, d, h in
                     ((1, 3, 9), (2, 10, 14), (7, 1, 0)))
    seed(st, "demo", jan, 12, topic="sprache", lang="ar", ui="ar", helped=True)
    seed(st, "demo", jan, 6, topic="arbeit", lang="uk", ui="uk", helped=False)
    seed(st, "demo", jan, 3, confident=False, lang="de", ui=None)
    seed(st, "demo", jan, 2, topic="gewaltschutz", crisis=True, lang="de", referral=True)
    seed(st, "demo", feb, 7, topic="sprache", lang="ar", ui="ar", referral=True)
    seed(st, "demo", feb, 9, confident=False, lang="fa", ui="en")
    seed(st, "demo", jul, 30, topic="wohnen", lang="tr", ui="de", helped=True)
    seed(st, "koeln", jan, 40, topic="sprache", lang="ru", ui="de")
    seed(st, "koeln", feb, 2, topic="arbeit", lang="de", ui="de")
    seed(st, "demo", dt.datetime(2025, 12, 31, 23, tzinfo=dt.UTC), 5, topic="bildung")
    seed(st, "demo", dt.datetime(2026, 1, 1, 0, tzinfo=dt.UTC), 6, topic="bildung")
    seed(st, "demo", dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC), 50, topic="bildung")  # running
    with st.session.begin() as s:
        ids = s.scalars(select(Service.id).where(Service.kommune_id == "demo")
                        .order_by(Service.name).limit(4)).all()
        s.execute(update(Service).where(Service.id.in_(ids[:3]))
                  .values(last_verified=dt.date(2024, 1, 1)))
        s.execute(update(Service).where(Service.id == ids[3]).values(last_verified=None))
    return svc


def values(cells):
    return [c.value for c in cells]


def test_a_complete_year_matches_the_seeded_counts(svc):
    v = build(svc, "demo", 2025, NOW)
    assert v.complete and len(v.months) == 12
    q = v.tables["questions"].protected
    assert values(q.column_totals)[:3] == [23, 16, 0]  # March 2025: nothing -> 0
    assert q.column_totals[6].value == 30 and q.column_totals[11].value == 5
    assert q.total.value == 23 + 16 + 30 + 5
    topics = v.tables["topics"]
    assert topics.row("sprache")[0].value == 12 and topics.row("sprache")[1].value == 7
    assert topics.row("arbeit")[0].value == 6 and topics.row("wohnen")[6].value == 30
    assert topics.row(UNANSWERED)[1].value == 9
    assert topics.row(UNANSWERED)[0].value is None  # 3 < 5
    jan = [row[0] for row in topics.protected.cells]
    assert sum(1 for c in jan if c.value is None and c is not None) >= 2
    assert topics.protected.row_totals[topics.rows.index("sprache")].value == 19
    assert v.tables["crisis"].row("crisis")[0].value is None  # 2 crisis questions
    langs = v.tables["query_lang"]
    assert langs.row("ar")[0].value == 12 and langs.row("uk")[0].value == 6
    assert v.tables["ui_lang"].row(NONE)[0].value is None  # 3 without a UI language
    helped = v.tables["helped"]
    assert helped.row("yes")[0].value == 12 and helped.row("no")[0].value == 6
    assert v.helped_share[0] == pytest.approx(12 / 18)
    assert v.answered_share[1] == pytest.approx(7 / 16)
    assert v.answered_share[0] is None  # would give away the 3 unanswered


def test_the_running_month_is_shown_and_partial_years_show_no_totals(svc):
    assert years(NOW, 731) == [2026, 2025, 2024]
    v = build(svc, "demo", 2026, NOW)
    assert v.months == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert v.running and not v.complete  # March is running
    assert not build(svc, "demo", 2025, NOW).running
    q = v.tables["questions"].protected
    assert q.total is None and q.row_totals is None
    assert values(q.column_totals) == [6, 0, 50]  # February: nobody asked -> 0, not "<5"
    assert v.answered_share_year is None


def test_a_kommune_sees_only_its_own_events(svc):
    demo = build(svc, "demo", 2025, NOW)
    koeln = build(svc, "koeln", 2025, NOW)
    assert demo.tables["query_lang"].row("ru")[0].value == 0  # Köln's 40 are not here
    assert koeln.tables["questions"].protected.column_totals[0].value == 40
    assert koeln.tables["query_lang"].row("ru")[0].value == 40


def test_the_state_view_sums_the_kommunen(svc):
    state = build(svc, None, 2025, NOW)
    q = state.tables["questions"].protected
    assert q.column_totals[0].value == 23 + 40 and q.column_totals[1].value == 16 + 2
    assert state.tables["topics"].row("sprache")[0].value == 52
    per = state.tables["kommunen"]
    assert per.row("demo")[0].value == 23 and per.row("koeln")[0].value == 40
    assert per.row("koeln")[1].value is None  # 2 in February
    assert "bielefeld" in per.rows and NONE in per.rows


def test_every_small_cell_is_hidden_everywhere(svc):
    for kommune in ("demo", "koeln", None):
        for year in (2025, 2026):
            v = build(svc, kommune, year, NOW)
            for table in v.tables.values():
                p = table.protected
                cells = [c for row in p.cells for c in row] + p.column_totals
                cells += (p.row_totals or []) + ([p.total] if p.total else [])
                for c in cells:
                    assert c.value is None or c.value >= 5 or c.value == 0
                    assert str(c) == "<5" or str(c) == str(c.value)


def test_stale_offers(svc):
    v = build(svc, "demo", 2025, NOW)
    assert len(v.stale_offers) == 4 and str(v.stale) == "<5"
    assert [d for _, d in v.stale_offers].count(None) == 1
    assert build(svc, "koeln", 2025, NOW).stale_offers == []
    state = build(svc, None, 2025, NOW)
    assert state.stale_by_kommune[state.kommunen.index("demo")].value is None
    assert state.stale_total.value is None  # 4 in the whole state
