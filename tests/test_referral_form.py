"""The referral form without JavaScript: languages, prefill, consent text (PRIV-01/04),
input kept on errors, confirmation after commit, withdrawal in one step (PRIV-05)."""

import re

import pytest
from sqlalchemy import func, select

from app.analytics.models import SearchEvent
from app.analytics.record import record_search
from app.analytics.writer import flush
from app.referrals import routes as pages
from app.referrals.models import Referral
from app.settings import UI_LANGUAGES
from index.engine import Answer


def form_fields(html):
    fp = re.search(r'name="consent_sha256" value="([^"]+)"', html).group(1)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    return {"consent_sha256": fp, "idempotency_key": key}


def fill(c, lang="de", volunteer=False, **extra):
    page = c.get("/referral", params={"lang": lang, "kommune": "demo",
                                      **({"for": "other"} if volunteer else {})})
    data = {**form_fields(page.text), "kommune": "demo", "contact_channel": "phone",
            "contact": "0170 1234567", "message": "Ich suche einen Deutschkurs",
            "topics": ["sprache"], "language": lang, "consent": "yes"}
    if volunteer:
        data.update(volunteer="1", on_behalf_name="Herr Pate")
    data.update(extra)
    return data


def stored(c):
    with c.app.state.services.store.session() as s:
        return s.scalar(select(func.count(Referral.id)))


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_form_in_every_language_nothing_pre_ticked(make_light_client, lang):
    c = make_light_client()
    page = c.get("/referral", params={"lang": lang, "kommune": "demo",
                                      "topics": "sprache,wohnen"})
    assert page.status_code == 200 and f'<html lang="{lang}"' in page.text
    assert page.headers["cache-control"] == "no-store"
    inputs = re.findall(r"<input[^>]*>", page.text)
    ticked = [i for i in inputs if " checked" in i]
    # only the prefilled topics are ticked, never a consent box
    assert sorted(re.search(r'value="(\w+)"', i).group(1) for i in ticked) == ["sprache",
                                                                                "wohnen"]
    assert 'name="consent"' in page.text and 'name="consent_special"' in page.text
    assert 'method="post"' in page.text and f'action="/referral?lang={lang}"' in page.text


def test_information_text_is_complete_in_every_language_priv04(make_light_client):
    c = make_light_client()
    english = None
    for lang in sorted(UI_LANGUAGES, key=lambda x: x != "en"):  # English first
        for volunteer in (False, True):
            t = c.get("/api/v1/referrals/consent", params={
                "kommune": "demo", "lang": lang, "on_behalf": volunteer}).json()
            assert t["lang"] == lang
            text = " ".join(t["paragraphs"])
            assert ("14" if volunteer else "13") in t["title"]
            assert len(t["paragraphs"]) == (12 if volunteer else 11)
            for must in ("Kreis Musterland", "LDI NRW", "datenschutz@", "180", "90", "365",
                         "6(1)", "9(2)", "15"):
                assert must in text, (lang, must)
            if lang == "en" and not volunteer:
                english = t["paragraphs"]
            elif not volunteer and english:
                assert all(a != b for a, b in zip(t["paragraphs"], english, strict=True)), lang


def test_submit_without_javascript_then_confirmation(make_light_client):
    c = make_light_client()
    r = c.post("/referral", data=fill(c, "ar"))
    assert r.status_code == 201 and '<html lang="ar" dir="rtl"' in r.text
    ref = re.search(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", r.text).group(0)
    with c.app.state.services.store.session() as s:  # shown only once committed
        assert s.scalar(select(Referral).where(Referral.reference == ref)) is not None
    assert 'name="secret"' in r.text and r.headers["cache-control"] == "no-store"


def test_double_submit_gives_the_same_reference_rel03(make_light_client):
    c = make_light_client()
    data = fill(c)
    a, b = c.post("/referral", data=data), c.post("/referral", data=data)
    ref = re.compile(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}")
    assert ref.search(a.text).group(0) == ref.search(b.text).group(0)
    assert stored(c) == 1


def test_errors_keep_what_was_typed_and_store_nothing(make_light_client):
    c = make_light_client()
    message = "Mein Text soll bleiben 1234"
    r = c.post("/referral", data=fill(c, message=message, consent=""))
    assert r.status_code == 422 and message in r.text and 'role="alert"' in r.text
    assert 'aria-invalid="true"' in r.text
    r = c.post("/referral", data=fill(c, message=message, topics=["gesundheit"]))
    assert r.status_code == 422 and message in r.text
    r = c.post("/referral", data=fill(c, message=message, age="zwanzig"))
    assert r.status_code == 422 and "zwanzig" in r.text
    assert stored(c) == 0


def test_sent_in_the_language_it_was_shown_in_whatever_the_cookie_says(make_light_client):
    # The browser case that failed: the Personal Book caches /book/counter?lang=de in the
    # background while the Persian form is open. The form is answered in Persian and
    # its consent fingerprint checked against the Persian text.
    c = make_light_client()
    data = fill(c, lang="fa")
    r = c.get("/book/counter", params={"lang": "de"}, headers={"sec-fetch-mode": "cors"})
    assert r.status_code == 200 and "set-cookie" not in r.headers
    c.cookies.set("lotse_lang", "de")  # even if something else had switched it
    r = c.post("/referral", params={"lang": "fa"}, data=data)
    assert r.status_code == 201, r.text
    assert '<html lang="fa"' in r.text and stored(c) == 1


def test_honeypot_stores_nothing(make_light_client):
    c = make_light_client()
    r = c.post("/referral", data=fill(c, website="http://spam.example"))
    assert r.status_code == 400 and stored(c) == 0


def test_text_changed_between_showing_and_sending(make_light_client):
    c = make_light_client()
    r = c.post("/referral", data=fill(c, consent_sha256="0" * 64))
    assert r.status_code == 422 and stored(c) == 0


def test_volunteer_mode_shows_article_14_and_stores_the_volunteer(make_light_client):
    c = make_light_client()
    page = c.get("/referral", params={"lang": "en", "kommune": "demo", "for": "other"})
    assert "Art. 14" in page.text and 'name="on_behalf_name"' in page.text
    r = c.post("/referral", data=fill(c, "en", volunteer=True))
    assert r.status_code == 201
    with c.app.state.services.store.session() as s:
        ref = s.scalar(select(Referral))
        assert ref.consent_channel == "volunteer" and ref.on_behalf_name


def test_prefill_from_the_assistant_without_personal_data_in_urls(make_light_client):
    c = make_light_client()

    def from_conversation(request):
        return {"message": "Zusammenfassung: sucht Sprachkurs", "topics": ["sprache"],
                "age": "31"}

    pages.PREFILL_PROVIDERS.append(from_conversation)
    try:
        page = c.get("/referral", params={"lang": "de", "kommune": "demo"})
    finally:
        pages.PREFILL_PROVIDERS.remove(from_conversation)
    assert "Zusammenfassung: sucht Sprachkurs" in page.text and 'value="31"' in page.text
    links = re.findall(r'(?:href|action)="([^"]+)"', page.text)
    assert not any("Zusammenfassung" in u or "31" in u for u in links)


def test_withdraw_in_one_step_from_the_confirmation_priv05(make_light_client):
    c = make_light_client()
    done = c.post("/referral", data=fill(c))
    form = re.search(r'<form method="post" action="/referral/withdraw">(.*?)</form>',
                     done.text, re.S).group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]+)"', form))
    r = c.post("/referral/withdraw", data=fields)  # one POST, like submitting
    assert r.status_code == 200 and 'role="status"' in r.text
    with c.app.state.services.store.session() as s:
        row = s.scalar(select(Referral))
        assert row.status == "zurueckgezogen" and row.contact is None and row.erased_at
    r = c.post("/referral/status", data=fields)
    assert r.status_code == 404  # the secret is erased too


def test_status_shows_the_coarse_status(make_light_client):
    c = make_light_client()
    done = c.post("/referral", data=fill(c, "en"))
    ref = re.search(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", done.text).group(0)
    secret = re.search(r'name="secret" value="([^"]+)"', done.text).group(1)
    r = c.post("/referral/status", data={"reference": ref.lower(), "secret": secret})
    assert r.status_code == 200 and "Received" in r.text
    assert c.post("/referral/status", data={"reference": ref, "secret": "x"}).status_code == 404


def test_a_referral_after_an_answer_is_counted_and_prefilled(make_light_client):
    c = make_light_client()
    services = c.app.state.services
    answer_id = record_search(services, Answer(query="Wohnung gesucht", lang="de", crisis=False,
                                               confident=False, results=[], topics=[]),
                              kommune="demo", ui_lang="de")
    page = c.get("/referral", params={"lang": "de", "kommune": "demo", "topics": "wohnen",
                                      "q": "Ich suche eine Wohnung 4471", "answer": answer_id})
    assert page.status_code == 200 and "Ich suche eine Wohnung 4471" in page.text
    assert f'name="answer" value="{answer_id}"' in page.text
    bad = c.get("/referral", params={"lang": "de", "answer": "<script>"})
    assert bad.status_code == 200 and 'name="answer"' not in bad.text
    fields = dict(re.findall(r'name="(consent_sha256|idempotency_key|answer)" value="([^"]+)"',
                             page.text))
    r = c.post("/referral", data={**fields, "kommune": "demo", "contact": "0170 1234567",
                                  "consent": "yes", "message": "Ich suche eine Wohnung 4471"})
    assert r.status_code == 201
    flush(services)
    with services.store.session() as s:
        (event,) = s.scalars(select(SearchEvent)).all()
    assert event.referral is True
