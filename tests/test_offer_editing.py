"""The directory's write API on a real store: drafts, version check, history, undo, freshness,
the migration from the previous head, and the search index updated by every save."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from app.editors import actions
from app.responsibility.vocab import LEGAL_DOMAINS
from app.services import Services
from directory import drafts, editing
from directory.db import alembic_config
from directory.models import Kommune, OfferChange, Service
from directory.store import Store
from index.engine import SearchEngine

ED = editing.Actor("u-1", "Erika Editor")


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'dir.db'}")
    s.init()
    s.load_demo_if_empty()
    return s


def new_draft(**over) -> dict:
    d = drafts.empty()
    d.update({
        "name": "Nähcafé für Frauen", "description": "Gemeinsam nähen und Deutsch sprechen.",
        "organization": "Frauentreff Musterstadt e. V.", "kommune_id": "demo",
        "gemeinden": ["demo-probehausen"], "topics": ["sprache"],
        "min_age": "16", "max_age": "", "residence_statuses": ["duldung", "gestattung"],
        "legal_domain": "", "office_kind": "", "languages": ["de", "ar", "ti"],
        "locations": [{"name": "Treff", "street": "Musterweg 1", "postal_code": "12345",
                       "city": "Probehausen", "gemeinde_id": "demo-probehausen",
                       "latitude": "", "longitude": ""}],
        "contacts": [{"name": "Frau Beispiel", "title": "Leitung", "email": "treff@example.org"}],
        "phones": [{"number": "0211 000000-1", "description": ""}],
        "schedule": [{"days": ["TU", "TH"], "opens": "15:00", "closes": "17:30"}],
        "appointment_only": False, "temporarily_closed": False, "cost": "kostenlos",
        "tr.en": {"name": "Sewing café for women", "description": "Sew and speak German.",
                  "needs_review": True},
    })
    d.update(over)
    return d


def choices_of(store):
    with store.session() as s:
        return drafts.choices(s, LEGAL_DOMAINS)


def create(store, **over) -> editing.Saved:
    with store.session.begin() as s:
        return editing.create(s, new_draft(**over), ED, choices_of(store))


def test_create_writes_every_field_and_reads_back(store):
    saved = create(store)
    offer = store.offers(ids=[saved.offer_id])[0]
    assert offer.name == "Nähcafé für Frauen" and offer.kommune_id == "demo"
    assert offer.gemeinde_ids == ("demo-probehausen",) and offer.categories == ("sprache",)
    assert offer.min_age == 16 and offer.max_age is None
    assert set(offer.residence_statuses) == {"duldung", "gestattung"}
    assert offer.languages == ("de", "ar", "ti") and offer.phones == ("0211 000000-1",)
    assert offer.street == "Musterweg 1" and offer.city == "Probehausen"
    assert offer.schedule[0].days == ("TU", "TH") and offer.schedule[0].closes_at == "17:30"
    assert offer.translations["en"][0] == "Sewing café for women" and offer.cost == "kostenlos"
    with store.session() as s:
        svc, snap = editing.load(s, saved.offer_id)
        assert snap["contacts"][0]["email"] == "treff@example.org"
        assert snap["tr.en"]["needs_review"] is True and snap["tr.ar"] is None
        assert editing.version(snap) == saved.version
        [entry] = editing.history(s, saved.offer_id)
        assert entry.action == "create" and entry.actor_name == "Erika Editor"


def test_validation_reports_field_level_codes(store):
    bad = new_draft(name="", min_age="30", max_age="20", topics=["nope"], email="x@",
                    phones=[{"number": "ruf an", "description": ""}],
                    schedule=[{"days": [], "opens": "9", "closes": "08:00"}],
                    gemeinden=["05111000"], languages=["Arabisch!"],
                    locations=[{"street": "", "postal_code": "1234", "city": "X"}],
                    **{"tr.ar": {"name": "", "description": "نص", "needs_review": True}})
    values, errors = drafts.validate(bad, choices_of(store))
    assert errors == {
        "name": "required", "max_age": "age_order", "topics": "unknown", "email": "email",
        "phones.0.number": "phone", "schedule.0.days": "days", "schedule.0.opens": "time",
        "gemeinden": "unknown", "languages": "lang_code", "locations.0.street": "required",
        "locations.0.postal_code": "postal_code", "tr.ar.name": "required"}
    with pytest.raises(editing.Invalid), store.session.begin() as s:
        editing.create(s, bad, ED, choices_of(store))
    assert store.offers(kommune_id="demo") and not [
        o for o in store.offers() if o.name == ""]


def test_update_with_a_stale_version_is_a_conflict(store):
    saved = create(store)
    with store.session.begin() as s:
        first = editing.update(s, saved.offer_id, {"cost": "2 € pro Treffen"},
                               editing.Actor("u-2", "Kim Kollegin"), choices_of(store),
                               saved.version)
    assert first.changes == [{"field": "cost", "before": "kostenlos", "after": "2 € pro Treffen"}]
    with pytest.raises(editing.Conflict) as exc, store.session.begin() as s:
        editing.update(s, saved.offer_id, {"name": "Nähcafé"}, ED, choices_of(store),
                       saved.version)
    assert exc.value.reason == "stale" and exc.value.latest.actor_name == "Kim Kollegin"
    assert store.offers(ids=[saved.offer_id])[0].name == "Nähcafé für Frauen"


def test_history_diffs_and_undo(store):
    saved = create(store)
    c = choices_of(store)
    with store.session.begin() as s:
        a = editing.update(s, saved.offer_id, {"phones": [{"number": "0211 1", "description":
                                                           "Büro"}], "min_age": "18"},
                           ED, c, saved.version)
    with store.session.begin() as s:
        b = editing.update(s, saved.offer_id, {"min_age": "21"}, ED, c, a.version)
    with pytest.raises(editing.Conflict) as exc, store.session.begin() as s:
        editing.undo(s, a.change_id, ED)  # b changed min_age since
    assert exc.value.reason == "later" and exc.value.fields == ("min_age",)
    with store.session.begin() as s:
        u = editing.undo(s, b.change_id, ED)
    assert u.changes == [{"field": "min_age", "before": 21, "after": 18}]
    with pytest.raises(editing.Conflict), store.session.begin() as s:
        editing.undo(s, a.change_id, ED)  # still refused: the undo touched min_age too
    assert store.offers(ids=[saved.offer_id])[0].min_age == 18
    with store.session() as s:
        entries = editing.history(s, saved.offer_id)
        assert [e.action for e in entries][-1] == "create"
        assert s.get(OfferChange, b.change_id).undone_by == u.change_id


def test_undo_refuses_a_second_undo_and_a_later_change(store):
    saved = create(store)
    c = choices_of(store)
    with store.session.begin() as s:
        a = editing.update(s, saved.offer_id, {"cost": "5 €"}, ED, c, saved.version)
    with store.session.begin() as s:
        u = editing.undo(s, a.change_id, ED)
    assert store.offers(ids=[saved.offer_id])[0].cost == "kostenlos"
    with pytest.raises(editing.Conflict) as exc, store.session.begin() as s:
        editing.undo(s, a.change_id, ED)
    assert exc.value.reason == "undone"
    with store.session.begin() as s:  # undo of the undo puts the change back
        editing.undo(s, u.change_id, ED)
    assert store.offers(ids=[saved.offer_id])[0].cost == "5 €"


def test_archive_restore_and_locations_are_copied_on_write(store):
    demo = store.offers(kommune_id="demo")
    shared = [o for o in demo if o.street == demo[0].street and o.kommune_id == "demo"]
    target = shared[0]
    with store.session() as s:
        _, snap = editing.load(s, target.id)
    moved = [{**snap["locations"][0], "street": "Neue Straße 5"}]
    with store.session.begin() as s:
        editing.update(s, target.id, {"locations": moved}, ED, choices_of(store),
                       editing.version(snap))
    assert store.offers(ids=[target.id])[0].street == "Neue Straße 5"
    for other in shared[1:]:  # an offer at the same address keeps it
        assert store.offers(ids=[other.id])[0].street == demo[0].street
    with store.session.begin() as s:
        editing.set_status(s, target.id, "inactive", ED)
    assert store.offers(ids=[target.id]) == []
    with store.session.begin() as s:
        editing.set_status(s, target.id, "active", ED)
    assert store.offers(ids=[target.id])


def test_confirm_sets_last_verified_and_optionally_clears_review_marks(store):
    saved = create(store)
    day = dt.date(2027, 3, 1)
    with store.session.begin() as s:
        editing.confirm(s, saved.offer_id, ED, day)
        _, snap = editing.load(s, saved.offer_id)
    assert snap["last_verified"] == "2027-03-01" and snap["tr.en"]["needs_review"] is True
    with store.session.begin() as s:
        done = editing.confirm(s, saved.offer_id, ED, day, translations_reviewed=True)
        _, snap = editing.load(s, saved.offer_id)
    assert snap["tr.en"]["needs_review"] is False
    assert [c["field"] for c in done.changes] == ["tr.en"]


def test_stale_lists_offers_unverified_for_twelve_months(store):
    with store.session() as s:
        assert editing.stale(s, dt.date(2027, 10, 31), "demo") == []
        old = editing.stale(s, dt.date(2027, 11, 2), "demo")
        assert old and all(o.kommune_id == "demo" for o in old)
        assert editing.stale(s, dt.date(2027, 11, 2), "duesseldorf") == []
    assert editing._months_before(dt.date(2028, 2, 29), 12) == dt.date(2027, 2, 28)


def test_every_save_is_searchable_at_once(store, tmp_path):
    """Through the app's write path: commit, audit, engine.upsert / engine.remove."""
    from app.settings import Settings

    engine = SearchEngine(None)
    engine.build(store.offers())
    services = Services(Settings(data_dir=tmp_path, model=""), store, engine, ready=True)
    from app.keyring import open_keyring

    open_keyring(services.settings, store)
    staff = type("S", (), {"id": "u-1", "display_name": "Erika", "kommune_id": "demo"})()
    word = "Quiltwerkstatt"
    saved = actions.run(services, staff, "create", lambda s: editing.create(
        s, new_draft(name=f"{word} im Stadtteil"), ED, actions.choices(s)))
    hits = engine.search(word, kommune="demo", limit=3).results
    assert hits and hits[0].id == saved.offer_id
    actions.run(services, staff, "archive",
                lambda s: editing.set_status(s, saved.offer_id, "inactive", ED))
    assert saved.offer_id not in [h.id for h in engine.search(word, kommune="demo").results]


def test_migration_up_from_the_previous_head(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(store.engine)
    from alembic.script import ScriptDirectory

    previous = ScriptDirectory.from_config(cfg).get_revision("0004_offer_editing").down_revision
    command.upgrade(cfg, previous)
    with store.engine.begin() as c:
        c.execute(text("INSERT INTO kommune (id, name, kind, regierungsbezirk, sample) "
                       "VALUES ('k1', 'Alt', 'kreis', 'Köln', 0)"))
    command.upgrade(cfg, "head")
    cols = {c["name"] for c in inspect(store.engine).get_columns("kommune")}
    assert {"ki_name", "ki_email", "ki_phone", "ki_street", "ki_postal_code", "ki_city",
            "edited_at"} <= cols
    assert "offer_change" in inspect(store.engine).get_table_names()
    with store.session() as s:
        assert s.get(Kommune, "k1").name == "Alt"
    command.downgrade(cfg, previous)
    assert "offer_change" not in inspect(store.engine).get_table_names()
    command.upgrade(cfg, "head")


def test_reference_reload_keeps_what_an_admin_changed(store):
    with store.session.begin() as s:
        k = s.get(Kommune, "duesseldorf")
        k.name, k.edited_at = "Landeshauptstadt Düsseldorf", dt.datetime.now(dt.UTC)
    store.init()
    with store.session() as s:
        assert s.get(Kommune, "duesseldorf").name == "Landeshauptstadt Düsseldorf"
        assert s.scalar(select(Service).limit(1)) is not None


def test_a_saved_offer_is_found_by_meaning_with_the_real_model(store, tmp_path, settings,
                                                                encoder):
    """With the sentence encoder: the new offer's vectors go in with the upsert."""
    from app.keyring import open_keyring
    from app.settings import Settings
    from index.cache import EmbeddingCache

    engine = SearchEngine(encoder, cache=EmbeddingCache(settings.embedding_cache_dir))
    engine.build(store.offers())
    services = Services(Settings(data_dir=tmp_path, model=""), store, engine, ready=True)
    open_keyring(services.settings, store)
    staff = type("S", (), {"id": "u-1", "display_name": "Erika", "kommune_id": "demo"})()
    draft = new_draft(name="Beratung für Imkerei und Bienenhaltung",
                      description="Wir zeigen, wie man Bienen hält und Honig erntet.",
                      topics=["ehrenamt"], **{"tr.en": {
                          "name": "Beekeeping advice", "description":
                          "We show how to keep bees and harvest honey.",
                          "needs_review": True}})
    saved = actions.run(services, staff, "create",
                        lambda s: editing.create(s, draft, ED, actions.choices(s)))
    for question, lang in (("Wo kann ich lernen, Bienen zu halten?", "de"),
                           ("I want to keep bees, who can show me how?", "en")):
        hits = engine.search(question, kommune="demo", lang=lang, limit=3).results
        assert saved.offer_id in [h.id for h in hits], question
