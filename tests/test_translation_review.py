"""Translations to review (issue 16): a change to an offer's German text marks that field's
translations on every write path (edit form, undo, web import, CLI import), a new
translation clears its mark, editors see and check the marks per language, newcomers see
a note, and another Kommune's editor sees nothing of it (404 on its offers)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from staffkit import add_user, csrf_of, login
from test_offer_pages import editor, form_of, post, snapshot

from directory import reviews
from directory.hsds import exporter, profile
from directory.models import TranslationReview


def _marks(store, offer_id: str) -> set[tuple[str, str]]:
    with store.session() as s:
        return {(r.lang, r.field) for r in s.scalars(
            select(TranslationReview).where(TranslationReview.service_id == offer_id))}


def _translated_offer(c) -> str:
    """A demo offer of the demo Kommune translated into en, ar and fa (name and text)."""
    for o in c.app.state.services.store.offers(kommune_id="demo"):
        t = o.translations
        if o.kommune_id == "demo" and all(t.get(x, ("", ""))[1] for x in ("en", "ar", "fa")):
            return o.id
    raise AssertionError("no translated demo offer")


def _save(c, offer_id: str, **changes) -> object:
    draft = {**snapshot(c, offer_id), **changes}
    token = csrf_of(c, f"/staff/offers/{offer_id}")
    from directory import editing

    fields = form_of(draft, token, editing.version(snapshot(c, offer_id)))
    fields += changes.pop("_extra", [])
    return post(c, f"/staff/offers/{offer_id}", fields)


def test_edit_form_marks_clears_and_lists_per_language(make_light_client):
    c = editor(make_light_client)
    store = c.app.state.services.store
    oid = _translated_offer(c)
    before = snapshot(c, oid)
    langs = {k[3:] for k in before if k.startswith("tr.") and before[k]
             and before[k]["description"]}
    assert {"en", "ar", "fa"} <= langs and _marks(store, oid) == set()

    # the German description changes; the English translation is rewritten in the same save
    new_en = {**before["tr.en"], "description": "Now on Mondays only."}
    r = _save(c, oid, description=before["description"] + " Neu: nur montags.",
              **{"tr.en": new_en})
    assert r.status_code == 303, r.text
    assert _marks(store, oid) == {(x, "description") for x in langs - {"en"}}
    with store.session() as s:
        mark = s.scalar(select(TranslationReview).where(
            TranslationReview.service_id == oid, TranslationReview.lang == "ar"))
        assert mark.german_before == before["description"]

    page = c.get(f"/staff/offers/{oid}")
    assert "Die deutsche Beschreibung wurde geändert" in page.text
    assert 'id="tr-ar-checked-description"' in page.text
    assert "(zu prüfen)" in page.text  # on the language tabs
    listing = c.get("/staff/translations/review?lang=ar")
    assert listing.status_code == 200 and oid in listing.text
    assert "Neu: nur montags." in listing.text  # the German text now, beside the one before
    assert re.search(r"Arabisch \(1\)", listing.text)

    # newcomers reading Arabic are told the translation is being checked
    offer = store.offers(ids=[oid])[0]
    assert offer.review.get("ar") == ("description",)
    from app.cards import card

    assert card(offer, "ar")["review_pending"] and not card(offer, "en")["review_pending"]

    # a new Arabic translation clears the Arabic mark only
    r = _save(c, oid, **{"tr.ar": {**before["tr.ar"], "description": "يوم الاثنين فقط"}})
    assert r.status_code == 303
    assert ("ar", "description") not in _marks(store, oid)
    assert ("fa", "description") in _marks(store, oid)

    # "checked: still fits" in the form clears the ticked one, leaves the others
    r = _save(c, oid, _extra=[("tr-fa-checked", "description")])
    assert r.status_code == 303
    assert ("fa", "description") not in _marks(store, oid)
    left = _marks(store, oid)
    assert left, "other languages stay marked"

    # "still fits" from the list
    token = csrf_of(c, "/staff/translations/review")
    lang = sorted(left)[0][0]
    r = c.post(f"/staff/offers/{oid}/translations/{lang}/checked",
               data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert all(x[0] != lang for x in _marks(store, oid))


def test_name_change_marks_names_and_undo_marks_again(make_light_client):
    c = editor(make_light_client)
    store = c.app.state.services.store
    oid = _translated_offer(c)
    before = snapshot(c, oid)
    assert _save(c, oid, name=before["name"] + " (Zweigstelle)").status_code == 303
    marks = _marks(store, oid)
    assert ("en", "name") in marks and ("ar", "name") in marks
    assert not any(f == "description" for _, f in marks)
    # the editor checks them all at once with "still valid, translations checked too"
    token = csrf_of(c, f"/staff/offers/{oid}")
    r = c.post(f"/staff/offers/{oid}/confirm", data={
        "csrf_token": token, "translations_reviewed": "1", "back": "edit"},
        follow_redirects=False)
    assert r.status_code == 303 and _marks(store, oid) == set()
    # undo of the name change is a German change too: marked again
    with store.session() as s:
        from directory import editing

        change = next(e for e in editing.history(s, oid) if e.action == "update")
    token = csrf_of(c, f"/staff/offers/{oid}/history")
    r = c.post(f"/staff/offers/{oid}/undo/{change.id}", data={"csrf_token": token},
               follow_redirects=False)
    assert r.status_code == 303
    assert ("en", "name") in _marks(store, oid)


def test_another_kommunes_editor_sees_nothing_and_gets_404(make_light_client):
    c = editor(make_light_client)
    store = c.app.state.services.store
    oid = _translated_offer(c)
    before = snapshot(c, oid)
    assert _save(c, oid, description=before["description"] + " X").status_code == 303
    assert _marks(store, oid)

    _, secret = add_user(c, "ed.koeln", ("editor",), "koeln")
    c.cookies.clear()
    assert login(c, "ed.koeln", secret).status_code == 303
    for lang in ("ar", "en", "fa"):
        page = c.get(f"/staff/translations/review?lang={lang}")
        assert page.status_code == 200
        assert oid not in page.text and before["name"] not in page.text
    assert "(0)" in page.text and "(1)" not in page.text
    token = csrf_of(c, "/staff/translations/review")
    r = c.post(f"/staff/offers/{oid}/translations/ar/checked", data={"csrf_token": token},
               follow_redirects=False)
    assert r.status_code == 404
    assert c.get(f"/staff/offers/{oid}?tab=ar").status_code == 404
    assert ("ar", "description") in _marks(store, oid)  # untouched


# --- the import paths --------------------------------------------------------------------


def _export_changed(store, oid: str, *, new_text: str) -> dict:
    """The offer as the HSDS export writes it, with its German description changed."""
    with store.session() as s:
        svc = next(x for x in exporter.services(s, "demo") if x["id"] == oid)
    svc["description"] = new_text
    return svc


def _set_translation(svc: dict, lang: str, text: str) -> None:
    """Put a new description of `lang` into an exported service's profile attributes."""
    term = profile.TERMS["kim-translation-description"].id
    hits = [a for a in svc["attributes"]
            if a["taxonomy_term_id"] == term and a.get("label") == lang]
    assert len(hits) == 1
    hits[0]["value"] = text


def _finished(client, url: str) -> str:
    import time

    for _ in range(600):
        page = client.get(url, headers={"HX-Request": "true"})
        if "hx-trigger" not in page.text:
            return client.get(url).text
        time.sleep(0.05)
    raise AssertionError("the import job did not finish")


def test_web_import_marks_translations_and_reimport_changes_nothing(make_light_client):
    c = editor(make_light_client)
    store = c.app.state.services.store
    oid = _translated_offer(c)
    data = json.dumps([_export_changed(store, oid, new_text="Geänderte Beschreibung.")]).encode()
    token = csrf_of(c)
    r = c.post("/staff/import", data={"csrf_token": token},
               files={"file": ("angebote.json", data, "application/json")},
               follow_redirects=False)
    url = r.headers["location"]
    _finished(c, url)
    applied = c.post(f"{url}/apply", data={"csrf_token": token}, follow_redirects=False)
    assert applied.status_code in (200, 303), applied.text
    _finished(c, url)
    marks = _marks(store, oid)
    assert {("en", "description"), ("ar", "description")} <= marks
    assert not any(f == "name" for _, f in marks)
    listing = c.get("/staff/translations/review?lang=en")
    assert oid in listing.text

    # the same file again: nothing changes, the marks stay as they are
    with store.session() as s:
        since = {(m.lang, m.field): m.since for m in s.scalars(
            select(TranslationReview).where(TranslationReview.service_id == oid))}
    from directory.hsds import importer

    report = importer.run(store, ("angebote.json", data), kommune_id="demo")
    assert report.applied and report.result.changed == []
    with store.session() as s:
        again = {(m.lang, m.field): m.since for m in s.scalars(
            select(TranslationReview).where(TranslationReview.service_id == oid))}
    assert again == since


@pytest.fixture
def cli_store(tmp_path, monkeypatch, demo_store_at):
    from app.settings import Settings as AppSettings

    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("LOTSE_MODEL", "")
    return demo_store_at(AppSettings())


def test_cli_import_marks_and_a_new_translation_clears(cli_store, tmp_path):
    from ops.cli import main

    store = cli_store
    oid = next(o.id for o in store.offers(kommune_id="demo")
               if o.kommune_id == "demo" and o.translations.get("en", ("", ""))[1]
               and o.translations.get("ar", ("", ""))[1])
    svc = _export_changed(store, oid, new_text="Aus der Kommandozeile geändert.")
    path = tmp_path / "cli.json"
    path.write_text(json.dumps([svc]))
    assert main(["import", str(path), "--kommune", "demo"]) == 0
    assert {("en", "description"), ("ar", "description")} <= _marks(store, oid)

    # a later file with a new English description clears the English mark only
    _set_translation(svc, "en", "Changed from the command line.")
    path.write_text(json.dumps([svc]))
    assert main(["import", str(path), "--kommune", "demo"]) == 0
    marks = _marks(store, oid)
    assert ("en", "description") not in marks and ("ar", "description") in marks


def test_rule_marks_only_filled_fields_and_clears_removed_translations():
    from directory.records import OfferRecord, Org, Translation

    old = OfferRecord(id="x", organization=Org("o", "O"), name="Alt", description="Text",
                      translations=(Translation("en", "Old", "Text en"),
                                    Translation("ar", "قديم", ""),
                                    Translation("fa", "کهنه", "متن")))
    new = OfferRecord(id="x", organization=Org("o", "O"), name="Alt", description="Neu",
                      translations=(Translation("en", "Old", "New text"),
                                    Translation("ar", "قديم", "")))
    add, german_before, clear = reviews._diff(old, new)
    assert add == set()  # en was rewritten, ar has no description, fa is gone
    assert ("en", "description") in clear and ("fa", "name") in clear
    assert german_before == {"description": "Text"}
