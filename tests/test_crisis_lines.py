"""The crisis box: 110 and 112 first, then the lines that fit the situation.

Real model, real index, the demo directory: per situation, questions in at least
three languages go through `GET /api/v1/search` and the answer page, and the
fitting line must follow 110 and 112 while the lines of other situations do not
lead. A Kommune without local offers shows the nationwide entries with their
source and the day they were checked.
"""

import re

import pytest
from markupsafe import escape

from app import i18n
from app.assistant.lines import AMBULANCE, NATIONAL_LINES, POLICE
from directory.demo import demo_data
from directory.models import stable_id
from index.situations import situations

LINE = NATIONAL_LINES
JUGENDAMT = {stable_id(f"service:{o['key']}") for o in demo_data()["offers"]
             if o.get("office_kind") == "jugendamt"}
WOHNUNGSNOT = stable_id("service:demo-wohnen-4")

CASES = [
    ("violence", {LINE["violence"]}, [
        ("de", "Hilfe, mein Mann schlägt mich gerade und schreit, er bringt mich um"),
        ("en", "my husband is beating me right now, please help"),
        ("ar", "زوجي يضربني الآن ويهددني بالسكين ساعدوني"),
        ("fa", "شوهرم الان داره منو کتک میزنه کمک"),
    ]),
    ("suicide", {LINE["seelsorge"]}, [
        ("de", "Ich will nicht mehr leben, heute Nacht mache ich Schluss"),
        ("en", "I want to kill myself tonight, I can't go on"),
        ("tr", "intihar etmek istiyorum, artık yaşamak istemiyorum"),
    ]),
    ("child", JUGENDAMT | {LINE["kids"]}, [
        ("de", "Das Kind der Nachbarn ist seit zwei Tagen allein in der Wohnung und weint, "
               "die Eltern sind weg"),
        ("en", "my neighbours' small child has been alone in the flat for two days and is "
               "crying, the parents are gone"),
        ("fr", "les enfants de ma voisine sont seuls dehors depuis hier soir, il fait -5 "
               "et personne ne vient"),
    ]),
    ("pregnancy", {LINE["pregnancy"]}, [
        ("de", "Meine Frau ist schwanger und blutet stark, Hilfe"),
        ("en", "I am pregnant and bleeding heavily, what number do I call"),
        ("ru", "Я беременна, у меня сильное кровотечение, помогите"),
    ]),
    ("medical", {LINE["doctor"]}, [
        ("de", "Mein Vater ist bewusstlos und atmet nicht mehr"),
        ("en", "my father is unconscious and not breathing"),
        ("ar", "أبي فاقد الوعي ولا يتنفس"),
    ]),
    ("trafficking", {LINE["trafficking"]}, [
        ("de", "Sie haben meinen Pass weggenommen, sperren mich ein und zwingen mich zur "
               "Prostitution"),
        ("en", "they took my passport, lock me in and force me into prostitution"),
        ("ro", "mi-au luat pașaportul, mă țin închisă și mă obligă să mă prostituez"),
    ]),
]


def cases():
    for situation, fitting, questions in CASES:
        for lang, q in questions:
            yield pytest.param(situation, fitting, lang, q, id=f"{situation}-{lang}")


def test_cue_words_name_the_situation():
    for situation, _fitting, questions in CASES:
        for _lang, q in questions:
            assert situation in situations(q), (situation, q)
    assert situations("Mein Kind hat Fieber und einen Krampfanfall") == ("medical",)
    # no cue: the engine's leading topic decides; neither: no situation (110/112 alone)
    assert situations("ayuda por favor", None, [("wohnen", 0.4)]) == ("homeless",)
    assert situations("ayuda por favor") == ()


@pytest.mark.parametrize(("situation", "fitting", "lang", "q"), cases())
def test_api_leads_with_110_112_and_the_fitting_line(client, situation, fitting, lang, q):
    body = client.get("/api/v1/search", params={"q": q, "kommune": "demo", "lang": lang}).json()
    assert body["crisis"] is True, q
    assert set(body) == {"query", "lang", "crisis", "confident", "degraded", "topics",
                         "results"}  # the contract's keys, nothing added
    ids = [r["id"] for r in body["results"]]
    assert ids[:2] == [POLICE, AMBULANCE]
    assert ids[2] in fitting, (q, ids)
    # a 24/7 line of another situation never leads: the violence line only where it fits
    if situation not in ("violence", "trafficking"):
        assert LINE["violence"] not in ids[:3]


@pytest.mark.parametrize(("situation", "fitting", "lang", "q"),
                         [c for c in cases() if c.id.endswith(("-de", "-en", "-ar", "-ru"))])
def test_answer_page_shows_the_box_first_with_the_fitting_line(client, situation, fitting,
                                                                lang, q):
    client.cookies.clear()  # a conversation of its own: this question is the first turn
    page = client.get("/", params={"lang": lang, "kommune": "demo", "q": q}).text
    box = page[page.index('class="crisis"'):]
    box = box[:box.index("</div>")]
    assert page.index('class="crisis"') < page.index('class="you"')  # before all else
    numbers = re.findall(r'href="tel:([0-9+]+)"', box)
    assert numbers[:2] == ["110", "112"]
    expected = {"violence": "116016", "suicide": "08001110111", "child": "116111",
                "pregnancy": "08004040020", "medical": "116117", "trafficking": "116016"}
    assert expected[situation] in numbers
    if situation not in ("violence", "trafficking"):
        assert "116016" not in numbers  # the violence line only where it fits
    if situation == "trafficking":
        assert "kok-gegen-menschenhandel.de" in box
    assert 'class="checked"' in box


def test_crisis_box_in_every_language_is_translated(client):
    from app.settings import UI_LANGUAGES

    q = "my husband is beating me right now, please help"
    client.cookies.clear()
    english = client.get("/", params={"lang": "en", "kommune": "demo", "q": q}).text
    label = "Help line violence against women"
    assert label in english
    for lang in UI_LANGUAGES:
        if lang == "en":
            continue
        client.cookies.clear()
        page = client.get("/", params={"lang": lang, "kommune": "demo", "q": q}).text
        box = page[page.index('class="crisis"'):]
        box = box[:box.index("</ul>")]
        assert label not in box and "Fire brigade" not in box, lang
        assert "Contact details checked on" not in box, lang


def test_kommune_without_local_offers_shows_national_entry_with_source(client):
    q = "Meine Frau ist schwanger und blutet stark, Hilfe"
    body = client.get("/api/v1/search", params={"q": q, "kommune": "kreis-guetersloh"}).json()
    assert body.get("crisis"), body
    assert body["crisis"] and body["results"][2]["id"] == LINE["pregnancy"]
    client.cookies.clear()
    page = client.get("/", params={"lang": "de", "kommune": "kreis-guetersloh", "q": q}).text
    assert "0800 40 40 020" in page
    assert "Kontaktdaten geprüft am 7. Dezember 2026" in page
    assert "https://www.evangelisch.de/inhalte/110705/30-10-2014" in page
    # the cards of nationwide entries say it too
    card = page[page.index('id="o-' + LINE["pregnancy"]):]
    assert "7. Dezember 2026" in card[:card.index("</article>")]


@pytest.mark.parametrize("lang", ["de", "ti", "ar"])
def test_every_other_answer_still_names_110_and_112(client, lang):
    """A danger the search does not recognise still finds the numbers under the answer,
    in the reader's language, without the crisis box."""
    client.cookies.clear()
    page = client.get("/", params={"lang": lang, "kommune": "demo",
                                   "q": "Wo kann ich Deutsch lernen?"}).text
    assert 'class="crisis"' not in page
    line = page[page.index('class="danger-numbers"'):]
    line = line[:line.index("</p>")]
    assert re.findall(r'href="tel:([0-9]+)"', line) == ["110", "112"]
    words = i18n.translations(lang)
    assert str(escape(words.gettext("Police"))) in line
    assert str(escape(words.gettext("Fire brigade and ambulance"))) in line
    assert page.index('class="danger-numbers"') > page.index('class="card"')  # after the offers


def test_ordinary_question_gets_no_lines(client):
    body = client.get("/api/v1/search", params={"q": "Wo kann ich Deutsch lernen?",
                                                "kommune": "demo"}).json()
    assert body["crisis"] is False
    assert POLICE not in [r["id"] for r in body["results"][:3]]


HOMELESS = [
    ("de", "Wir wurden heute aus der Wohnung geworfen und müssen heute Nacht mit dem Baby "
           "auf der Straße schlafen, es sind minus fünf Grad, Hilfe"),
    ("en", "we were evicted today and have to sleep on the street tonight with our baby, "
           "it is minus five degrees, help"),
    ("ar", "طردونا من البيت اليوم وبدنا ننام بالشارع الليلة مع الطفل، البرد شديد، ساعدونا"),
]


@pytest.mark.parametrize(("lang", "q"), HOMELESS)
def test_homelessness_leads_with_the_kommunes_own_office(client, lang, q):
    body = client.get("/api/v1/search", params={"q": q, "kommune": "demo", "lang": lang}).json()
    if not body["crisis"]:
        pytest.skip("not read as acute danger by the engine (its decision, not this module's)")
    assert "homeless" in situations(q, None, [(c, 0.0) for c in body["topics"]])
    ids = [r["id"] for r in body["results"]]
    assert ids[:3] == [POLICE, AMBULANCE, WOHNUNGSNOT]


def test_a_line_without_a_check_date_is_marked_unverified():
    from app.assistant.lines import box
    from directory.store import Offer

    def entry(oid, phone, verified):
        return Offer(id=oid, name="x", description="", organization="o", kommune_id=None,
                     scope="national", phones=(phone,), url="https://example.org/source",
                     last_verified=verified)

    import datetime as dt

    offers = {POLICE: entry(POLICE, "110", dt.date(2026, 12, 7)),
              AMBULANCE: entry(AMBULANCE, "112", dt.date(2026, 12, 7)),
              LINE["seelsorge"]: entry(LINE["seelsorge"], "0800 111 0 111", None)}
    rows = box(("suicide", "pregnancy"), offers, "de")
    assert [r["line"] for r in rows] == ["police", "ambulance", "seelsorge"]  # no entry: left out
    assert rows[0]["verified_on"] == "7. Dezember 2026"
    assert rows[2]["verified_on"] is None and rows[2]["source"]
    rows = box((), {}, "de")  # no entries at all: 110 and 112 still
    assert [n for r in rows for n, _ in r["numbers"]] == ["110", "112"]
