"""Figures a Lenkungsgruppe can use: whole-number chart axes, and the gap report fed by
"did not help" and by referrals after an answer (issue 16)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from conftest import store_copy
from sqlalchemy import func, select, update

from app.analytics import charts
from app.analytics.maintenance import purge
from app.analytics.models import PendingQuestion, Question
from app.analytics.protect import Cell
from app.analytics.record import record_feedback, record_referral, record_search
from app.analytics.writer import flush
from app.main import open_store
from app.services import Services
from index.engine import SearchEngine


@pytest.mark.parametrize("top", [0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 23, 40, 99, 101, 1234])
def test_count_axes_have_whole_distinct_ticks_and_a_sensible_top(top):
    cells = [Cell(top, 5), Cell(0, 5), Cell(None, 5)]
    chart = charts.columns("c", "t", "d", ["a", "b", "c"], cells)
    labels = [label for _y, label in chart.ticks]
    assert labels == sorted(set(labels), key=int), labels  # no "0, 0, 1"
    assert all(label.isdigit() for label in labels)
    assert labels[0] == "0" and int(labels[-1]) >= top and 2 <= len(labels) <= 6
    assert int(labels[-1]) <= max(2 * top, 1)  # the bar fills at least half of the plot
    steps = {int(b) - int(a) for a, b in zip(labels, labels[1:])}
    assert len(steps) == 1


def test_percent_axes_keep_their_three_ticks():
    chart = charts.rows("c", "t", "d", ["a"], [0.4], percent=True)
    assert [label for _x, label in chart.ticks] == ["0 %", "50 %", "100 %"]


@pytest.fixture()
def svc(tmp_path, light_template):
    own = store_copy(light_template, tmp_path, analytics_maintenance_minutes=0)
    return Services(own, open_store(own), SearchEngine(None), ready=True)


def shown(svc, query: str, *, confident: bool = True) -> str:
    answer = SimpleNamespace(query=query, topics=[("mobilitaet", 0.8)], confident=confident,
                             crisis=False)
    answer_id = record_search(svc, answer, kommune="demo", ui_lang="en")
    flush(svc)
    return answer_id


def texts(svc) -> list[str]:
    with svc.store.session() as s:
        return sorted(s.scalars(select(Question.text)))


def pending(svc) -> int:
    with svc.store.session() as s:
        return s.scalar(select(func.count(PendingQuestion.id)))


def test_did_not_help_and_a_referral_feed_the_gap_report(svc):
    a = shown(svc, "how do I exchange my driving licence, I am Rain Meyer")
    b = shown(svc, "where can I buy a SIM card for my phone")
    c = shown(svc, "where is the nearest mosque for Friday prayer")
    assert texts(svc) == [] and pending(svc) == 3  # confident answers: nothing in the report
    assert record_feedback(svc, a, helped=False)
    assert record_referral(svc, b)
    assert record_feedback(svc, c, helped=True)
    found = texts(svc)
    assert len(found) == 2 and pending(svc) == 0
    assert any("driving licence" in t for t in found) and any("SIM card" in t for t in found)
    assert not any("Meyer" in t or "Rain" in t for t in found)  # scrubbed before it was kept
    assert not any("mosque" in t for t in found)  # it helped: no gap


def test_unanswered_questions_still_go_straight_to_the_report(svc):
    shown(svc, "is there a chess club for refugees", confident=False)
    assert texts(svc) == ["is there a chess club for refugees"] and pending(svc) == 0


def test_waiting_texts_are_deleted_when_their_link_expires(svc):
    a = shown(svc, "how do I exchange my driving licence")
    with svc.store.session.begin() as s:
        s.execute(update(PendingQuestion).values(
            link_until=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    purge(svc)
    assert pending(svc) == 0
    assert not record_feedback(svc, a, helped=False) or texts(svc) == []
