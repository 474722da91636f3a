"""Recording search events: nothing personal stored, links expire, retention runs on time."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.analytics.maintenance import embed_pending, purge
from app.analytics.models import Question, SearchEvent
from app.analytics.record import record_feedback, record_referral, record_search
from app.analytics.writer import flush
from app.main import create_app, open_store
from app.services import Services
from app.settings import Settings
from index.engine import Answer, SearchEngine

CANARY = "Zyxelbert Quaxmüller"


def make_services(tmp_path, encoder=None, **overrides) -> Services:
    """A fresh store; the engine is empty (recording needs only an `Answer`)."""
    values = {"data_dir": tmp_path / "data", "analytics_maintenance_minutes": 0, **overrides}
    own = Settings(**values)
    return Services(own, open_store(own), SearchEngine(encoder), ready=True)


@pytest.fixture
def svc(tmp_path):
    return make_services(tmp_path)


def answer(q: str, *, confident=False, crisis=False, topics=(("sprache", 0.9),)) -> Answer:
    return Answer(query=q, lang="de", crisis=crisis, confident=confident, results=[],
                  topics=list(topics))


def rows(svc, model):
    flush(svc)  # what the writer thread has queued
    with svc.store.session() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def test_an_event_holds_the_hour_and_signals_only(svc):
    with time_machine.travel(dt.datetime(2026, 3, 5, 14, 37, 12, tzinfo=dt.UTC), tick=False):
        aid = record_search(svc, answer("Wo kann ich Deutsch lernen?", confident=True),
                            kommune="demo", ui_lang="ar")
    (event,) = rows(svc, SearchEvent)
    assert aid and len(aid) >= 20
    assert event.hour.replace(tzinfo=None) == dt.datetime(2026, 3, 5, 14, 0)
    assert (event.kommune_id, event.ui_lang, event.query_lang) == ("demo", "ar", "de")
    assert event.topic == "sprache" and event.topics == ["sprache"]
    assert event.confident and not event.crisis and not event.referral and event.helped is None
    assert event.link != aid and aid not in event.link  # only the digest is kept
    assert rows(svc, Question) == []  # answered questions leave no text


def test_the_canary_is_never_stored(svc, tmp_path):
    texts = [
        f"Mein Name ist {CANARY}, wo ist das Standesamt? Tel. 0171 5550199",
        f"My name is {CANARY}, mail zyxelbert.q@example.org, where do I register a marriage?",
        f"اسمي {CANARY}، أين مكتب الزواج؟ هاتفي ٠١٧٦٥٥٥٠١٩٩",
        f"Меня зовут {CANARY}, где загс? IBAN DE89370400440532013000",
        f"Frau {CANARY} wohnt in der Lindenstraße 4 und sucht das Standesamt",
    ]
    for t in texts:
        record_search(svc, answer(t), kommune="demo", ui_lang="de")
    stored = [q.text for q in rows(svc, Question)]
    assert len(stored) == len(texts)
    for text in stored:
        for secret in ("Zyxelbert", "Quaxm", "0171", "555", "٥٥٥", "example.org", "DE89",
                       "Linden"):
            assert secret not in text, text
    assert any("Standesamt" in t for t in stored)  # the theme survives
    db = (tmp_path / "data" / "lotse.db")
    files = [db, db.with_name("lotse.db-wal")]
    blob = b"".join(f.read_bytes() for f in files if f.exists())
    assert len(blob) > 10000
    for secret in ("Zyxelbert", "Quaxmüller", "zyxelbert.q"):
        assert secret.encode() not in blob
        assert secret.encode("utf-16-le") not in blob


def test_crisis_questions_leave_no_text(svc):
    record_search(svc, answer("Mein Mann schlägt mich, ich habe Angst", crisis=True),
                  kommune="demo", ui_lang="de")
    assert rows(svc, Question) == [] and rows(svc, SearchEvent)[0].crisis


def test_recording_can_be_switched_off(tmp_path):
    off = make_services(tmp_path, analytics_enabled=False)
    assert record_search(off, answer("x y z"), kommune=None, ui_lang=None) is None
    assert rows(off, SearchEvent) == []


def test_feedback_and_referral_find_their_answer_until_the_link_expires(svc):
    start = dt.datetime(2026, 4, 1, 9, 15, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        a = record_search(svc, answer("Deutschkurs", confident=True), kommune="demo", ui_lang="de")
        b = record_search(svc, answer("Kita", confident=True), kommune="demo", ui_lang="de")
        assert record_feedback(svc, a, helped=True)
        assert record_referral(svc, a)
        assert not record_feedback(svc, "not-an-id", helped=True)
        assert not record_feedback(svc, None, helped=True)
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
        assert record_feedback(svc, b, helped=False)
    with time_machine.travel(start + dt.timedelta(hours=24, minutes=1), tick=False):
        assert not record_referral(svc, b)  # expired
        purge(svc)
    first, second = rows(svc, SearchEvent)
    assert (first.helped, first.referral) == (True, True)
    assert (second.helped, second.referral) == (False, False)
    assert first.link is None and second.link is None  # erased after the hour limit


def test_retention_deletes_on_time(svc):
    day0 = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(day0, tick=False):
        record_search(svc, answer("Wo ist das Standesamt in Musterstadt?"), kommune="demo",
                      ui_lang="de")
    with time_machine.travel(day0 + dt.timedelta(days=1), tick=False):
        record_search(svc, answer("Wann hat das Standesamt offen?"), kommune="demo",
                      ui_lang="de")
    assert len(rows(svc, Question)) == 2
    with time_machine.travel(day0 + dt.timedelta(days=90), tick=False):
        assert purge(svc)["questions"] == 0  # day 90: still kept
    with time_machine.travel(day0 + dt.timedelta(days=91), tick=False):
        assert purge(svc)["questions"] == 1
    assert [q.day for q in rows(svc, Question)] == [dt.date(2026, 1, 11)]
    with time_machine.travel(day0 + dt.timedelta(days=92), tick=False):
        assert purge(svc)["questions"] == 1
    # events go with their whole month once all of it is older than 731 days
    with time_machine.travel(dt.datetime(2028, 2, 1, 23, 59, tzinfo=dt.UTC), tick=False):
        assert purge(svc)["events"] == 0
    with time_machine.travel(dt.datetime(2028, 2, 2, 0, 1, tzinfo=dt.UTC), tick=False):
        assert purge(svc) == {"questions": 0, "events": 2, "links": 0}
    assert rows(svc, SearchEvent) == []


def test_retention_periods_are_settings(tmp_path):
    short = make_services(tmp_path, analytics_question_days=7)
    with time_machine.travel(dt.datetime(2026, 5, 1, tzinfo=dt.UTC), tick=False):
        record_search(short, answer("Standesamt Termin bitte"), kommune="demo", ui_lang="de")
    with time_machine.travel(dt.datetime(2026, 5, 9, tzinfo=dt.UTC), tick=False):
        assert purge(short)["questions"] == 1


def test_questions_are_embedded_from_the_scrubbed_text(tmp_path, encoder):
    svc = make_services(tmp_path, encoder)
    record_search(svc, answer(f"Ich heiße {CANARY}, wo ist das Standesamt?"), kommune="demo",
                  ui_lang="de")
    assert embed_pending(svc) == 1 and embed_pending(svc) == 0
    (q,) = rows(svc, Question)
    import numpy as np

    vec = np.frombuffer(q.vector, dtype=np.float32)
    assert vec.shape == (encoder.dim,) and abs(float(vec @ vec) - 1) < 1e-3
    assert q.model == encoder.name
    assert float(vec @ encoder.queries([q.text])[0]) > 0.999


def test_retention_runs_by_itself(tmp_path):
    own = make_services(tmp_path, analytics_maintenance_minutes=60)
    with time_machine.travel(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), tick=False):
        record_search(own, answer("Standesamt Heirat Termin"), kommune="demo", ui_lang="de")
    with TestClient(create_app(own.settings, own)):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with own.store.session() as s:
                if not s.scalar(select(func.count(Question.id))):
                    break
            time.sleep(0.05)
    assert rows(own, Question) == [] and rows(own, SearchEvent) == []


def test_the_search_api_and_the_answer_page_record_one_event_each(make_light_client):
    c = make_light_client(analytics_maintenance_minutes=0)
    svc = c.app.state.services
    q = f"wetter morgen, ich heiße {CANARY}, tel 0171 5550199"
    assert c.get("/api/v1/search", params={"q": q, "kommune": "demo"}).status_code == 200
    assert c.get("/api/v1/search", params={"q": "Deutschkurs", "lang": "ar"}).status_code == 200
    page = c.get("/", params={"q": "Deutschkurs", "kommune": "demo", "lang": "en"})
    assert page.status_code == 200
    assert c.get("/api/v1/search", params={"q": "x", "kommune": "atlantis"}).status_code == 404
    events = rows(svc, SearchEvent)
    assert [(e.kommune_id, e.ui_lang) for e in events] == [("demo", None), (None, "ar"),
                                                            ("demo", "en")]
    for text in [q.text for q in rows(svc, Question)]:
        assert "Zyxelbert" not in text and "0171" not in text


def test_the_writer_stores_in_batches_off_the_request_path(svc):
    ids = [record_search(svc, answer(f"Deutschkurs {i}", confident=True), kommune="demo",
                         ui_lang="de") for i in range(450)]
    assert len(set(ids)) == 450 and svc.events.thread.is_alive()
    assert len(rows(svc, SearchEvent)) == 450


def test_a_failing_write_is_skipped_and_the_writer_goes_on(svc, caplog):
    with svc.store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE analytics_event RENAME TO analytics_event_away")
    record_search(svc, answer("Deutschkurs", confident=True), kommune="demo", ui_lang="de")
    flush(svc)
    assert "search events not recorded" in caplog.text and "Deutschkurs" not in caplog.text
    with svc.store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE analytics_event_away RENAME TO analytics_event")
    record_search(svc, answer("Kita", confident=True), kommune="demo", ui_lang="de")
    assert [e.topic for e in rows(svc, SearchEvent)] == ["sprache"]


def test_queued_events_are_written_at_shutdown(tmp_path):
    own = make_services(tmp_path)
    with TestClient(create_app(own.settings, own)):
        record_search(own, answer("Deutschkurs", confident=True), kommune="demo", ui_lang="de")
    assert not own.events.thread.is_alive()
    with own.store.session() as s:
        assert s.scalar(select(func.count(SearchEvent.id))) == 1
