"""Answers a newcomer can trust (issue 12), with the real app, store and search: a Kommune
without local offers says so and shows its KIM case management (contact data to come,
nothing invented) and the nationwide offers that fit; every answer carries the referral,
prefilled; an answer that is not confident says so with the case management; a card says
when its text is German only."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import delete

from app.assistant.dialogue import AGE_BANDS, stated_age
from app.assistant.state import Chat
from app.i18n import translations
from directory.models import ServiceTranslation
from index.shards import is_emergency

HX = {"HX-Request": "true"}
NO_LOCAL = "No local offers of %(kommune)s are in the directory yet."
MISSING = ("The Kommune has not yet entered the address and phone number of this office in "
           "the directory. Until then, the button below sends your request to its case "
           "managers.")
TALK = "Talk to a person (KIM case management)"
NOT_CONFIDENT = "We found no offer that fits your question well."
GERMAN_ONLY = "This text is only available in German."


def say(lang, msgid):
    return translations(lang).gettext(msgid)


def last_turn(html):
    turn = html[html.rfind('<article class="turn"'):]
    return turn[:turn.find('<div class="feedback"')]


def card_ids(html):
    return re.findall(r'<article class="card" aria-labelledby="o-([0-9a-f-]+)"', html)


def referral(html):
    (href,) = re.findall(r'<a class="button" href="(/referral\?[^"]+)"', html)
    return href.replace("&amp;", "&")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_kommune_without_local_offers_gets_a_real_answer(make_client, lang):
    with make_client() as c:
        offers = c.app.state.services.engine.offers
        assert not any(o.kommune_id == "kreis-guetersloh" for o in offers.values())
        r = c.get("/", params={"lang": lang, "kommune": "kreis-guetersloh",
                               "q": "Ich brauche Hilfe bei der Schuldenberatung"})
        assert r.status_code == 200
        assert f'dir="{"rtl" if lang == "ar" else "ltr"}"' in r.text[:400]
        turn = last_turn(r.text)
        name = '<bdi lang="de">Kreis Gütersloh</bdi>'
        assert say(lang, NO_LOCAL) % {"kommune": name} in turn  # in the person's language
        assert ('<h3 id="turn-0-kim" lang="de">Kommunales Integrationszentrum / KIM Case '
                'Management Kreis Gütersloh</h3>') in turn
        person = turn[turn.index('<div class="person"'):]
        person = person[:person.index('<p class="danger-numbers"')]  # 110/112 come after it
        assert say(lang, MISSING) in person
        assert "tel:" not in person and "mailto:" not in person  # nothing invented
        assert say(lang, TALK) in person
        params = parse_qs(urlsplit(referral(turn)).query)
        assert params["kommune"] == ["kreis-guetersloh"] and params["lang"] == [lang]
        shown = card_ids(turn)
        for oid in shown:  # only nationwide offers, and no emergency line for this question
            assert offers[oid].kommune_id is None and not is_emergency(offers[oid])
        if shown:
            assert set(params["topics"][0].split(",")) & set(offers[shown[0]].categories)
        if say(lang, NOT_CONFIDENT) in turn:
            assert '<p class="verdict">' in turn
        # the JSON API keeps its contract
        api = c.get("/api/v1/search", params={"q": "Schuldenberatung",
                                              "kommune": "kreis-guetersloh"}).json()
        assert set(api) == {"query", "lang", "crisis", "confident", "degraded", "topics",
                            "results"}


def test_the_htmx_answer_in_a_kommune_without_offers(make_client):
    with make_client() as c:
        c.get("/", params={"lang": "de"})
        c.post("/conversation/place", data={"place_id": "g:05913000"})  # Dortmund
        r = c.post("/conversation/ask", data={"q": "Ich suche eine Wohnung"}, headers=HX)
        assert r.status_code == 200 and "<html" not in r.text
        turn = last_turn(r.text)
        name = '<bdi lang="de">Dortmund</bdi>'
        assert say("de", NO_LOCAL) % {"kommune": name} in turn
        assert "KIM Case Management Dortmund</h3>" in turn and say("de", MISSING) in turn
        assert "kommune=dortmund" in referral(turn)


def test_the_referral_is_one_tap_away_on_every_answer(make_client):
    with make_client() as c:
        c.get("/", params={"lang": "en"})
        c.post("/conversation/place", data={"place_id": "g:demo-musterstadt"})
        r = c.get("/", params={"q": "Ich möchte Deutsch lernen", "age": "31"})
        confident = last_turn(r.text)
        assert "These offers can help you:" in confident
        href = referral(confident)  # under the answer, after the offers
        assert confident.index(TALK) > confident.rindex('<article class="card"')
        params = parse_qs(urlsplit(href).query)
        assert params["kommune"] == ["demo"] and params["lang"] == ["en"]
        topics = params["topics"][0].split(",")
        assert "Deutsch" not in href  # the question travels on the server
        form = c.get(href).text
        assert "Ich möchte Deutsch lernen" in form
        for code in topics:
            assert f'value="{code}" checked' in form
        assert 'value="demo-musterstadt" selected' in form
        assert re.search(r'id="age"[^>]*value="31"', form)

        r = c.post("/conversation/ask", data={"q": "Ich will mich umbringen"}, headers=HX)
        crisis = last_turn(r.text)
        assert crisis.index('class="crisis"') < crisis.index(TALK)  # after the crisis box
        assert "kommune=demo" in referral(crisis)


def test_an_answer_that_is_not_confident_says_so_and_shows_the_case_management(make_client):
    question = "Wie backe ich einen Schokoladenkuchen mit Kirschen?"
    with make_client() as c:
        managers = [o.name for o in c.app.state.services.engine.offers.values()
                    if o.kommune_id == "demo" and o.office_kind == "kim_case_management"]
        assert managers
        r = c.get("/", params={"lang": "de", "kommune": "demo", "q": question})
        page = last_turn(r.text)
        r = c.post("/conversation/ask", data={"q": question}, headers=HX)
        fragment = last_turn(r.text)
        for turn in (page, fragment):
            assert say("de", NOT_CONFIDENT) in turn
            person = turn[turn.index('<div class="person"'):]
            assert any(name in person for name in managers)  # the directory's entries
            assert say("de", TALK) in person and "kommune=demo" in referral(turn)
            assert turn.index('<div class="person"') < turn.index(say("de", "Maybe one of "
                                                                         "these offers helps:"))


def test_a_card_says_when_its_text_is_german_only(make_client):
    with make_client() as c:
        store = c.app.state.services.store
        offer = next(o for o in store.offers("demo") if o.kommune_id == "demo")
        with store.session.begin() as s:
            s.execute(delete(ServiceTranslation).where(
                ServiceTranslation.service_id == offer.id,
                ServiceTranslation.lang.in_(("fr", "de-simple"))))
        fr = c.get(f"/offer/{offer.id}", params={"lang": "fr"}).text
        assert say("fr", GERMAN_ONLY) in fr and say("fr", GERMAN_ONLY) != GERMAN_ONLY
        assert re.search(r'<p class="desc" lang="de">', fr)
        simple = c.get(f"/offer/{offer.id}", params={"lang": "de-x-simple"}).text
        assert '<p class="desc" lang="de">' in simple
        assert 'class="lang-note"' not in simple  # German readers need no note
        en = c.get(f"/offer/{offer.id}", params={"lang": "en"}).text
        assert 'class="lang-note"' not in en  # translated: no note


def test_an_age_band_is_never_passed_on_as_an_age():
    band_age = AGE_BANDS[-1][1]
    assert stated_age(Chat(age=band_age, asked=["age"])) is None
    assert stated_age(Chat(age=31, asked=["age"])) == 31
    assert stated_age(Chat(age=band_age)) == band_age  # said in the question
