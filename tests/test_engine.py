"""Engine behaviour beyond ranking: updates, atomic swaps, degraded mode, edge cases."""

import dataclasses
import threading

import pytest

from index.engine import SearchEngine

NEW_ID = "00000000-0000-4000-8000-00000000abcd"


@pytest.fixture(scope="module")
def engine(services, encoder):
    e = SearchEngine(encoder, cache=services.engine.cache)
    e.build(services.store.offers())
    return e


def bike_offer(base, **changes):
    values = {"id": NEW_ID, "name": "Fahrradwerkstatt für Geflüchtete",
              "description": "Wir reparieren Fahrräder gemeinsam, kostenlos.",
              "categories": ("ehrenamt",), "translations": {}, **changes}
    return dataclasses.replace(base, **values)


def test_upsert_and_remove_are_visible_at_once(engine, services):
    base = next(o for o in engine.offers.values() if o.kommune_id == "demo")
    before = len(engine.offers)
    engine.upsert(bike_offer(base))
    hits = engine.search("Fahrrad reparieren", kommune="demo").results
    assert hits[0].id == NEW_ID and hits[0].name == "Fahrradwerkstatt für Geflüchtete"
    engine.upsert(bike_offer(base, kommune_id="koeln"))  # moved to another Kommune
    assert NEW_ID not in {h.id for h in engine.search("Fahrrad", kommune="demo").results}
    assert engine.search("Fahrrad reparieren", kommune="koeln").results[0].id == NEW_ID
    engine.remove(NEW_ID)
    engine.remove(NEW_ID)  # twice is fine
    assert NEW_ID not in {h.id for h in engine.search("Fahrrad reparieren").results}
    assert len(engine.offers) == before


def test_searches_never_see_half_an_update(engine):
    base = next(o for o in engine.offers.values() if o.kommune_id == "demo")
    stop = threading.Event()
    seen, errors = [], []

    def reader():
        while not stop.is_set():
            try:
                for h in engine.search("Fahrradwerkstatt", kommune="demo", limit=50).results:
                    offer = engine.offers.get(h.id)
                    if h.id == NEW_ID:  # the hit and its record come from one state
                        seen.append(h.name)
                    assert offer is None or offer.id == h.id
            except Exception as exc:  # any error here is a torn read
                errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(6):
        engine.upsert(bike_offer(base, name=f"Fahrradwerkstatt {i}"))
        engine.remove(NEW_ID)
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert all(name.startswith("Fahrradwerkstatt") for name in seen)


def test_unknown_or_empty_kommune_and_large_limits(engine):
    national = {o.id for o in engine.offers.values() if o.scope == "national"}
    answer = engine.search("Deutschkurs", kommune="nowhere", limit=50)
    assert {h.id for h in answer.results} <= national  # nothing of its own: nationwide only
    everything = engine.search("Hilfe", limit=50)
    assert len(everything.results) == 50 and len({h.id for h in everything.results}) == 50
    assert len(engine.search("Hilfe", kommune="demo", limit=1000).results) == 50


def test_age_and_status_decide_between_jmd_mbe_and_teilhabe(engine):
    def top3(q, **kw):
        return [c for h in engine.search(q, kommune="demo", **kw).results[:3]
                for c in h.categories]

    q = "Ich bin neu hier und brauche Beratung zu den Briefen vom Amt. Wer hilft mir?"
    assert "mbe" in top3(q, age=45) and "jmd" not in top3(q, age=45)
    assert "jmd" in top3(q, age=19) and "mbe" not in top3(q, age=19)
    work = "Ich suche einen Ausbildungsplatz und Arbeit, wer berät mich?"
    assert "teilhabe" in top3(work + " Ich habe eine Duldung.", age=22)
    assert "teilhabe" not in top3(work, age=45)


def test_degraded_when_the_model_cannot_be_loaded(tmp_path, services):
    from app.services import load_encoder

    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "modules.json").write_text("not json")
    assert load_encoder(str(broken)) is None
    assert load_encoder(str(tmp_path / "missing")) is None
    lexical = SearchEngine(None)
    lexical.build(services.store.offers())
    answer = lexical.search("Integrationskurs", kommune="demo")
    assert answer.degraded and lexical.degraded
    assert "sprache" in [c for h in answer.results[:3] for c in h.categories]


def test_degraded_when_an_encoding_runs_over_its_budget(engine):
    assert not engine.degraded
    engine.batcher.budget_ms = 1e-6  # no encoding is that fast
    try:
        answer = engine.search("Integrationskurs", kommune="demo")
    finally:
        engine.batcher.budget_ms = 0
    assert answer.degraded and engine.degraded
    assert "sprache" in [c for h in answer.results[:3] for c in h.categories]
    engine.batcher.last_timeout = 0.0
    assert not engine.search("Integrationskurs", kommune="demo").degraded


def test_readyz_reports_degraded_search(make_client, services):
    services.engine.batcher.last_timeout = 0.0
    with make_client() as c:
        assert c.get("/readyz").json()["status"] == "ready"
        import time

        services.engine.batcher.last_timeout = time.monotonic()
        try:
            body = c.get("/readyz").json()
        finally:
            services.engine.batcher.last_timeout = 0.0
    assert body["status"] == "degraded" and body["search"] == "lexical"
