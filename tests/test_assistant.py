"""The newcomer's conversation with the real app and model: place, question, clarifying
question, crisis first, no fit -> a person, feedback, follow-up context, delete, expiry."""

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.analytics.models import SearchEvent
from app.assistant.models import Conversation
from app.assistant.state import COOKIE, purge_expired

HX = {"HX-Request": "true"}


@pytest.fixture
def chat(make_client):
    with make_client(analytics_enabled=True) as c:
        c.get("/", params={"lang": "en"})
        yield c


def rows(c):
    with c.app.state.services.store.session() as s:
        return list(s.scalars(select(Conversation)))


def events(c):
    from app.analytics.writer import flush

    flush(c.app.state.services)  # search events are written by a background writer
    with c.app.state.services.store.session() as s:
        return list(s.scalars(select(SearchEvent).order_by(SearchEvent.id)))


def last_turn(html):
    return html[html.rfind('<article class="turn"'):]


def place(c, text="Musterstadt"):
    r = c.post("/conversation/place", data={"place": text})
    assert r.status_code == 200, r.text[:500]
    return r


def test_place_then_question_without_javascript(chat):
    r = chat.get("/")
    assert 'id="place"' in r.text and "I don't know" in r.text
    r = chat.post("/conversation/place", data={"place": "musterstadt"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Musterstadt" in chat.get("/").text
    r = chat.post("/conversation/ask", data={"q": "Ich möchte Deutsch lernen"},
                  follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/#turn-0"
    assert "Deutsch" not in r.headers["location"]  # the question never goes into a URL
    page = chat.get("/").text
    assert "<html" in page and page.count('class="card"') >= 3
    assert re.search(r'href="tel:[0-9+]+"', page) and "Show this at the counter" in page
    assert 'class="big" lang="de"' in page  # the counter view is German, in big type
    assert "Did this help?" in page and "Delete this conversation" in page


def test_the_same_flow_with_htmx_gets_fragments(chat):
    r = chat.get("/conversation/places", params={"place": "Koln"}, headers=HX)
    assert r.status_code == 200 and "<html" not in r.text
    assert 'value="g:05315000"' in r.text and "Köln" in r.text
    r = chat.post("/conversation/place", data={"place_id": "g:05315000"}, headers=HX)
    assert r.status_code == 200 and "<html" not in r.text and 'id="conversation"' in r.text
    assert "Köln" in r.text and 'name="q"' in r.text
    assert r.headers["vary"] == "HX-Request"
    r = chat.post("/conversation/ask", data={"q": "Ich suche einen Deutschkurs"}, headers=HX)
    assert r.status_code == 200 and "<html" not in r.text
    assert 'hx-swap-oob="true"' in r.text  # the swap is announced
    assert "autofocus" in last_turn(r.text)  # focus moves to the new answer
    r = chat.post("/conversation/ask", data={"q": "Ich brauche eine Wohnung"}, headers=HX)
    # a slow connection loads only the new answer (and a fresh form), not every earlier one
    assert r.text.count('<article class="turn"') == 1 and 'id="turn-1"' in r.text
    assert 'id="ask-form"' in r.text and "Ich suche einen Deutschkurs" not in r.text
    r = chat.post("/conversation/ask", data={"q": " "}, headers=HX)
    assert r.headers["HX-Retarget"] == "#conversation" and 'role="alert"' in r.text


def test_autocomplete_is_accent_and_umlaut_tolerant(chat):
    for typed in ("Koln", "Köln", "koeln", "KÖLN"):
        r = chat.get("/conversation/places", params={"place": typed}, headers=HX)
        assert 'value="g:05315000"' in r.text, typed
    r = chat.get("/conversation/places", params={"place": "Monchengladb"}, headers=HX)
    assert "Mönchengladbach" in r.text
    r = chat.get("/conversation/places", params={"place": "Kreis Bor"}, headers=HX)
    assert 'value="k:kreis-borken"' in r.text


def test_did_you_mean_without_javascript(chat):
    r = chat.post("/conversation/place", data={"place": "Dortmnd"})
    assert r.status_code == 422 and "Did you mean" in r.text and "Dortmund" in r.text
    assert 'value="Dortmnd"' in r.text  # what was typed is kept
    r = chat.post("/conversation/place", data={"place": "Xyzzyqq"})
    assert r.status_code == 422 and 'role="alert"' in r.text
    r = chat.post("/conversation/place", data={"place_id": "g:05913000"}, follow_redirects=True)
    assert "Dortmund" in r.text and 'name="q"' in r.text


def test_age_decides_between_jmd_and_mbe_so_the_assistant_asks(chat):
    place(chat)
    r = chat.post("/conversation/ask", data={"q": "Ich suche eine Migrationsberatung"},
                  headers=HX)
    turn = last_turn(r.text)
    assert "How old are you?" in turn and 'name="kind" value="age"' in turn
    offers = chat.app.state.services.engine.offers
    r = chat.post("/conversation/reply", data={"turn": "0", "kind": "age", "value": "22"},
                  headers=HX)
    turn = last_turn(r.text)
    assert "How old are you?" not in turn
    first = re.search(r'id="o-([0-9a-f-]+)"', turn).group(1)
    assert "jmd" in offers[first].categories
    chat.post("/conversation/delete")
    place(chat)
    chat.post("/conversation/ask", data={"q": "Ich suche eine Migrationsberatung"})
    r = chat.post("/conversation/reply", data={"turn": "0", "kind": "age", "value": "35"},
                  follow_redirects=True)
    first = re.search(r'id="o-([0-9a-f-]+)"', last_turn(r.text)).group(1)
    assert "mbe" in offers[first].categories


def test_an_age_said_in_the_question_is_not_asked_again(chat):
    place(chat)
    r = chat.post("/conversation/ask",
                  data={"q": "Ich bin 35 Jahre alt und suche eine Migrationsberatung"}, headers=HX)
    turn = last_turn(r.text)
    assert "How old are you?" not in turn
    offers = chat.app.state.services.engine.offers
    first = re.search(r'id="o-([0-9a-f-]+)"', turn).group(1)
    assert "mbe" in offers[first].categories


def test_crisis_help_comes_first(chat):
    place(chat)
    r = chat.post("/conversation/ask", data={"q": "Ich will mich umbringen"}, headers=HX)
    turn = last_turn(r.text)
    assert 'class="crisis" role="alert"' in turn
    crisis = turn.index('class="crisis"')
    assert crisis < turn.index("Your question:")
    assert 'class="card"' not in turn or crisis < turn.index('class="card"')
    box = turn[crisis:turn.index("</div>", crisis)]
    # 110 and 112 first, then the lines that fit: suicide -> TelefonSeelsorge
    numbers = re.findall(r'href="(tel:[0-9]+)"', box)
    assert numbers[:2] == ["tel:110", "tel:112"]
    assert {"tel:08001110111", "tel:08001110222", "tel:116123"} <= set(numbers)
    assert "tel:116016" not in numbers  # the violence line only where it fits
    assert "How old are you" not in turn  # nothing is asked in a crisis
    r = chat.post("/conversation/ask", data={"q": "Mein Mann schlägt mich, hilfe"}, headers=HX)
    box = last_turn(r.text)
    box = box[box.index('class="crisis"'):box.index("</div>", box.index('class="crisis"'))]
    assert "tel:116016" in box and "tel:08001110111" not in box
    assert 'lang="ar"' in box and "العربية" in box  # the Hilfetelefon's languages


def test_no_fit_says_so_and_offers_a_person_with_prefill(chat):
    place(chat)
    question = "Wie backe ich einen Schokoladenkuchen mit Kirschen?"
    r = chat.post("/conversation/ask", data={"q": question}, follow_redirects=True)
    turn = last_turn(r.text)
    assert "We found no offer that fits your question well." in turn
    href = re.search(r'href="(/referral\?[^"]+)"', turn).group(1).replace("&amp;", "&")
    assert "from=assistant" in href and "kommune=demo" in href
    assert "Schokolade" not in href  # the question travels on the server, not in the URL
    form = chat.get(href).text
    assert question in form  # prefilled from the conversation
    assert chat.get("/referral", params={"kommune": "demo"}).text.count(question) == 0


def test_feedback_is_stored_anonymously(chat):
    place(chat)
    chat.post("/conversation/ask", data={"q": "Ich möchte Deutsch lernen"})
    before = len(events(chat))
    r = chat.post("/conversation/feedback", data={"turn": "0", "helped": "yes"}, headers=HX)
    assert r.status_code == 200 and "Thank you" in r.text and "<html" not in r.text
    evs = events(chat)
    assert len(evs) == before and evs[-1].helped is True  # the same event, no new one
    r = chat.post("/conversation/feedback", data={"turn": "0", "helped": "no"},
                  follow_redirects=False)
    assert r.status_code == 303  # without JavaScript: back to the page
    assert events(chat)[-1].helped is True  # one answer, one vote


def test_one_search_event_per_answer(chat):
    place(chat)
    n = len(events(chat))
    chat.post("/conversation/ask", data={"q": "Ich möchte Deutsch lernen"})
    chat.post("/conversation/ask", data={"q": "Ich brauche eine Wohnung"})
    assert len(events(chat)) == n + 2


def test_follow_up_keeps_the_context(chat):
    place(chat, "Probehausen")
    chat.post("/conversation/ask", data={"q": "Ich suche eine Migrationsberatung"})
    chat.post("/conversation/reply", data={"turn": "0", "kind": "age", "value": "22"})
    r = chat.post("/conversation/ask", data={"q": "Und wo gibt es Beratung für Jugendliche?"},
                  follow_redirects=True)
    assert "Probehausen" in r.text
    assert r.text.count('<article class="turn"') == 2
    turn = last_turn(r.text)
    assert "How old are you?" not in turn  # the age is known
    (row,) = rows(chat)
    assert row.age == 22 and row.gemeinde_id == "demo-probehausen" and row.kommune_id == "demo"


def test_place_unknown_shows_offers_for_everyone_and_asks(chat):
    r = chat.post("/conversation/place", data={"unknown": "1"}, follow_redirects=True)
    assert 'name="q"' in r.text
    r = chat.post("/conversation/ask", data={"q": "Ich werde zu Hause geschlagen"},
                  follow_redirects=True)
    turn = last_turn(r.text)
    offers = chat.app.state.services.engine.offers
    shown = re.findall(r'id="o-([0-9a-f-]+)"', turn)
    assert shown and all(offers[i].kommune_id is None for i in shown)
    assert "Tell us where you live" in turn
    r = chat.post("/conversation/place", data={"place": "Musterstadt"}, follow_redirects=True)
    assert "Musterstadt" in r.text  # the answer is given again for the place


def test_delete_this_conversation(chat):
    place(chat)
    chat.post("/conversation/ask", data={"q": "Ich möchte Deutsch lernen"})
    assert len(rows(chat)) == 1
    r = chat.post("/conversation/delete", follow_redirects=False)
    assert r.status_code == 303 and f'{COOKIE}=""' in r.headers["set-cookie"]
    assert rows(chat) == []
    page = chat.get("/", params={"deleted": "1"}).text
    assert "Your conversation was deleted." in page and "Deutsch lernen" not in page


def test_conversations_expire(make_client):
    with make_client(conversation_hours=1) as c:
        c.get("/", params={"lang": "en"})
        place(c)
        c.post("/conversation/ask", data={"q": "Ich möchte Deutsch lernen"})
        store = c.app.state.services.store
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1, minutes=1)
        assert purge_expired(store, now=dt.datetime.now(dt.UTC)) == 0
        assert purge_expired(store, now=later) == 1
        assert rows(c) == []
        page = c.get("/").text  # the cookie is still there, the conversation is gone
        assert 'id="place"' in page and "Deutsch lernen" not in page


def test_an_expired_conversation_is_not_shown(chat):
    place(chat)
    chat.post("/conversation/ask", data={"q": "Ich möchte Deutsch lernen"})
    store = chat.app.state.services.store
    with store.session.begin() as s:
        s.query(Conversation).update(
            {"expires": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)})
    assert "Deutsch lernen" not in chat.get("/").text
    with store.session() as s:
        assert s.scalar(select(func.count(Conversation.id))) == 0


def test_the_question_is_encrypted_at_rest_and_never_logged(chat, caplog):
    caplog.set_level("DEBUG")
    place(chat)
    r = chat.post("/conversation/ask", data={"q": "Kanarienvogel-Zwetschge Deutschkurs"})
    assert "Kanarienvogel" not in r.headers.get("location", "")
    (row,) = rows(chat)
    assert "Kanarienvogel" not in (row.turns or "") and row.turns.startswith("v1:")
    assert "Kanarienvogel" not in caplog.text
    assert "Kanarienvogel" in chat.get("/").text  # shown back only to its own browser


def test_cross_site_posts_are_refused(chat):
    r = chat.post("/conversation/ask", data={"q": "Deutschkurs"},
                  headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403 and rows(chat) == []


def test_arabic_conversation_is_rtl_and_translated(chat):
    chat.get("/", params={"lang": "ar"})
    place(chat)
    r = chat.post("/conversation/ask", data={"q": "بدي اتعلم الماني"}, follow_redirects=True)
    assert '<html lang="ar" dir="rtl">' in r.text
    assert "Did this help?" not in r.text and "Delete this conversation" not in r.text
    assert 'lang="de"' in r.text


@pytest.mark.parametrize("path,data", [
    ("/conversation/place", {"place": "\x00" * 50}),
    ("/conversation/place", {"place_id": "g:../../etc"}),
    ("/conversation/place", {"place": "x" * 5000}),
    ("/conversation/ask", {"q": ""}),
    ("/conversation/ask", {"q": "   "}),
    ("/conversation/ask", {"q": "ü" * 1999}),
    ("/conversation/ask", {"q": "<script>alert(1)</script>"}),
    ("/conversation/reply", {"turn": "99", "kind": "age", "value": "22"}),
    ("/conversation/reply", {"turn": "abc", "kind": "age"}),
    ("/conversation/reply", {"turn": "0", "kind": "status", "value": "'; DROP TABLE x"}),
    ("/conversation/feedback", {"turn": "-1", "helped": "yes"}),
    ("/conversation/feedback", {"turn": "0", "helped": "maybe"}),
    ("/conversation/delete", {}),
])
def test_no_500_on_bad_input(chat, path, data):
    place(chat)
    r = chat.post(path, data=data, follow_redirects=True)
    assert r.status_code < 500 and "Traceback" not in r.text
    assert "<script>alert(1)</script>" not in r.text


def test_no_500_on_bad_get_input(chat):
    chat.cookies.set(COOKIE, "x" * 40)
    for params in ({"q": "Deutsch", "kommune": "nowhere"}, {"q": "a", "age": "-3"},
                   {"q": "\u202e\u0000"}, {"kommune": "demo", "age": "999"},
                   {"deleted": "1"}):
        r = chat.get("/", params=params)
        assert r.status_code < 500, params
    r = chat.get("/conversation/places", params={"place": "%%%"})
    assert r.status_code == 200


def test_residence_status_is_asked_when_responsibility_depends_on_it(chat):
    place(chat)
    r = chat.post("/conversation/ask", data={"q": "Ich brauche Geld zum Leben"},
                  follow_redirects=True)
    turn = last_turn(r.text)
    assert 'name="kind" value="status"' in turn and 'value="duldung"' in turn
    r = chat.post("/conversation/reply", data={"turn": "0", "kind": "status", "value": "duldung"},
                  follow_redirects=True)
    turn = last_turn(r.text)
    assert 'name="kind" value="status"' not in turn  # asked once, answered
    assert "Responsible:" in turn  # the hint names the offices for this status
    (row,) = rows(chat)
    assert row.status == "duldung" and "status" in row.asked


def test_referral_prefill_keeps_earlier_topics_for_a_follow_up(chat):
    from app.assistant import state as conv
    from app.assistant.routes import prefill

    place(chat)
    chat.post("/conversation/ask", data={"q": "Ich möchte Deutsch lernen"})
    chat.post("/conversation/ask", data={"q": "xq"})
    token = chat.cookies.get(COOKIE)

    class Req:  # the provider reads only the app, the cookie and the query
        app = chat.app
        cookies = {COOKIE: token}
        query_params = {"from": "assistant"}

    chat_state = conv.load(chat.app.state.services, Req)
    assert chat_state.topics() and prefill(Req)["message"] == "xq"
    assert prefill(Req)["topics"]


def test_the_cookie_is_secure_over_https(make_light_client):
    c = make_light_client()  # base_url https://testserver
    r = c.post("/conversation/place", data={"place": "Köln"}, follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Max-Age=86400" in cookie
