"""The assistant's reasoning for one turn: search in context, and what to ask before guessing.

A turn runs the question through the search engine with everything the
conversation knows (Kommune, Gemeinde, age band, residence status), then
decides the one short question worth asking, in this order:
- `place`: the person did not know where they live (offers that serve all
  were shown);
- `gemeinde`: a Kreis is known but not the town, and the offers shown serve
  only some towns of it;
- `age`: the offers shown depend on age (JMD 12-27, MBE over 27,
  Teilhabemanagement 18-27);
- `status`: who is responsible for the matter depends on the residence status
  (`app.responsibility.hints`).
Each is asked once per conversation; a reply re-runs the question.
Nothing is asked when the question signals a crisis.
"""

from __future__ import annotations

from urllib.parse import urlencode

from app import i18n
from app.analytics.record import record_search
from app.assistant.lines import lead_with_lines
from app.assistant.state import Chat
from app.responsibility import vocab
from app.responsibility.hints import hint_for
from index.shards import NATIONAL
from index.situations import situations

MAX_QUESTION = 1000
AGE_TOPICS = frozenset({"jmd", "mbe", "teilhabe"})
#: Age bands the person can pick (label, age the search uses).
AGE_BANDS = (("12-17", 15), ("18-27", 22), ("28+", 35))
#: Residence statuses offered as buttons (codes of app.responsibility.vocab.STATUSES).
STATUS_CHOICES = ("gestattung", "duldung", "ae_24", "ae_25_2_fluechtling", "ae_sonstige",
                  "niederlassung", "eu")
NOT_SAID = "-"


def search(services, chat: Chat, question: str, lang: str):
    """The engine's answer to the question in the conversation's context."""
    engine = services.engine
    limit = services.settings.search_limit
    ev = engine.evidence(question[:MAX_QUESTION])
    if chat.age is None and ev.age is not None:  # said in the question: not asked again
        chat.age = ev.age
    if chat.status and chat.status != NOT_SAID:
        ev.statuses = ev.statuses | {vocab.offer_status(chat.status)}
    if chat.kommune_id is None:  # place unknown: the offers that serve everyone
        answer = engine.answer(ev, kommune=None, lang=lang, age=chat.age, limit=50)
        answer.results = [h for h in answer.results if h.kommune is None][:limit]
        return answer
    return engine.answer(ev, kommune=chat.kommune_id, lang=lang, age=chat.age,
                         gemeinde=chat.gemeinde_id, limit=limit)


def shown_topics(services, answer) -> list[str]:
    """Topic codes of the answer: the question's topics, then those of the offers shown."""
    offers = services.engine.offers
    codes = [c for c, _ in answer.topics]
    codes += [c for h in answer.results[:3] if h.id in offers for c in offers[h.id].categories]
    return list(dict.fromkeys(codes))


def next_question(services, chat: Chat, answer) -> str | None:
    """The one thing worth asking before trusting this answer, or None."""
    if answer.crisis:
        return None
    offers = services.engine.offers
    shown = [offers[h.id] for h in answer.results if h.id in offers]
    wanted = []
    if chat.place_unknown and chat.kommune_id is None:
        wanted.append("place")
    if chat.kommune_id and not chat.gemeinde_id and any(o.gemeinde_ids for o in shown):
        wanted.append("gemeinde")
    if chat.age is None and any(AGE_TOPICS & set(o.categories) for o in shown[:3]):
        wanted.append("age")
    if not chat.status and hint_for(services.store, shown_topics(services, answer),
                                    kommune=chat.kommune_id, gemeinde=chat.gemeinde_id,
                                    age=chat.age):
        wanted.append("status")
    return next((k for k in wanted if k not in chat.asked), None)


def run_turn(services, chat: Chat, question: str, lang: str, replace: int | None = None) -> int:
    """Answer a question (or, with `replace`, answer a turn again after a reply).

    Records exactly one search event per answer shown. Returns the turn's index.
    """
    question = question.strip()[:MAX_QUESTION]
    answer = search(services, chat, question, lang)
    # a crisis: which one decides the lines that lead (110 and 112 always first)
    found = situations(question, None, answer.topics) if answer.crisis else ()
    answer = lead_with_lines(answer, found, services.engine.offers, chat.kommune_id,
                             chat.gemeinde_id)
    ask = next_question(services, chat, answer)
    if ask:
        chat.asked.append(ask)
    turn = {
        "q": question,
        "ids": [h.id for h in answer.results],
        "scores": [h.score for h in answer.results],
        "crisis": bool(answer.crisis),
        "situations": list(found),
        "confident": bool(answer.confident),
        "degraded": bool(answer.degraded),
        "topics": shown_topics(services, answer)[:5],
        "asked_topics": [code for code, _score in answer.topics][:2],  # what the question is about
        "ask": ask,
        "helped": None,
        "answer_id": record_search(services, answer, kommune=chat.kommune_id, ui_lang=lang),
    }
    if replace is not None and 0 <= replace < len(chat.turns):
        chat.turns[replace] = turn
        return replace
    return chat.add_turn(turn)


def referral_href(chat: Chat, turn: dict, lang: str) -> str:
    """The warm referral under every answer, prefilled with the place and topics here and
    the question, Gemeinde and age from the server-side conversation (`prefill`); the
    question never goes into the URL."""
    params = {"lang": lang, "from": "assistant"}
    if chat.kommune_id and chat.kommune_id != NATIONAL:
        params["kommune"] = chat.kommune_id
    # the question's topics, not those of offers that did not fit; a follow-up without
    # one ("and where?") keeps the conversation's earlier ones
    topics = turn.get("asked_topics") or chat.topics()[:2]
    if topics:
        params["topics"] = ",".join(topics)
    if turn.get("answer_id"):  # random per-answer id: the figures count referrals after answers
        params["answer"] = turn["answer_id"]
    return "/referral?" + urlencode(params)


def stated_age(chat: Chat) -> int | None:
    """The age the person stated (in the question or the page's `age`), None when it is
    only an age band's stand-in from the buttons (15, 22, 35): never passed on as an age."""
    if chat.age is None:
        return None
    band_ages = {age for _label, age in AGE_BANDS}
    return None if "age" in chat.asked and chat.age in band_ages else chat.age


def status_choices() -> list[tuple[str, str]]:
    return [(code, i18n.gettext(vocab.STATUSES[code].label)) for code in STATUS_CHOICES]
