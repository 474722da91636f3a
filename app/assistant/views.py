"""What the conversation page shows: the step, the place, and each turn as cards and choices.

`page_data` turns the stored conversation into the template's data; offers
are looked up by id in the search engine's current offers (one that was
removed since simply drops off), cards come from `app.cards`.

Every answer carries the referral ("talk to a person"). When the answer is not
confident, or the person's Kommune has no local offers in the directory yet
(`local_facts`), it also shows the Kommune's KIM case management: its directory
entries, or an entry in its name that says the Kommune has still to fill in its
contact data (nothing is invented). Without local offers only the nationwide
offers that fit the question's topics are shown (no emergency line for an
ordinary question).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Request

from app import i18n
from app.assistant import dialogue
from app.assistant.lines import box
from app.assistant.places import gazetteer
from app.assistant.state import Chat
from app.cards import card
from app.responsibility.hints import hint_for
from app.responsibility.place import Place
from app.web.rendering import is_htmx
from directory.store import Offer
from index.shards import NATIONAL, is_emergency

LANG_COOKIE = "lotse_lang"
#: Languages of the Hilfetelefon Gewalt gegen Frauen (116 016) besides German.
HILFETELEFON_LANGUAGES = ("sq", "ar", "bg", "zh", "en", "fa", "fr", "it", "ja", "ku", "pl", "pt",
                          "ro", "ru", "sr", "es", "tr", "vi")


def place_of(services, chat: Chat) -> Place | None:
    if chat.kommune_id is None:
        return None
    gaz = gazetteer(services.store)
    if chat.gemeinde_id:
        found = gaz.by_key(f"g:{chat.gemeinde_id}")
        if found is not None:
            return found
    found = gaz.by_key(f"k:{chat.kommune_id}")
    if found is not None:
        return found
    k = services.store.kommune(chat.kommune_id)
    return Place(k.id, k.name, k.kind) if k else None


#: Office kind of the KIM case management's directory entries (directory/data/office_kinds.tsv).
CASE_MANAGEMENT = "kim_case_management"
MAX_CASE_MANAGEMENT = 2  # entries shown under one answer


@dataclass(frozen=True)
class LocalFacts:
    """What the current index holds per Kommune: which have local offers, and their KIM
    case management entries."""

    offers: Mapping[str, Offer]
    with_offers: frozenset[str]
    case_management: Mapping[str, tuple[Offer, ...]]


_facts: dict[str, LocalFacts] = {}


def local_facts(offers: Mapping[str, Offer]) -> LocalFacts:
    """The facts of this index state, computed once per state (the engine swaps its
    offers mapping on every change, so a new mapping means new facts)."""
    held = _facts.get("current")
    if held is not None and held.offers is offers:
        return held
    local = [o for o in offers.values() if o.scope != "national" and o.kommune_id]
    managers: dict[str, list[Offer]] = {}
    for o in sorted(local, key=lambda o: (o.name, o.id)):
        if o.office_kind == CASE_MANAGEMENT and o.kommune_id:
            managers.setdefault(o.kommune_id, []).append(o)
    facts = LocalFacts(offers, frozenset(o.kommune_id for o in local if o.kommune_id),
                       {k: tuple(v) for k, v in managers.items()})
    _facts["current"] = facts
    return facts


def case_management(facts: LocalFacts, chat: Chat) -> list[Offer]:
    """The Kommune's KIM case management entries that serve the person's Gemeinde."""
    if not chat.kommune_id:
        return []
    found = [o for o in facts.case_management.get(chat.kommune_id, ())
             if not o.gemeinde_ids or chat.gemeinde_id is None
             or chat.gemeinde_id in o.gemeinde_ids]
    found.sort(key=lambda o: chat.gemeinde_id not in o.gemeinde_ids)  # the town's own first
    return found[:MAX_CASE_MANAGEMENT]


def fits(o: Offer, topics: set[str], crisis: bool) -> bool:
    """A nationwide offer shown where there are no local ones: it has a topic the question
    asks about, and an emergency line only answers a crisis."""
    if crisis:
        return True
    return not is_emergency(o) and bool(topics & set(o.categories))


def _choices(services, chat: Chat, kind: str | None) -> list[tuple[str, str]]:
    """(value, label) of the buttons of a clarifying question."""
    if kind == "age":
        labels = {"12-17": i18n.gettext("12 to 17 years"), "18-27": i18n.gettext("18 to 27 years"),
                  "28+": i18n.gettext("28 years or older")}
        return [(str(age), labels[band]) for band, age in dialogue.AGE_BANDS]
    if kind == "status":
        return dialogue.status_choices()
    if kind == "gemeinde" and chat.kommune_id:
        return [(f"g:{g.id}", g.name) for g in services.store.gemeinden(chat.kommune_id)]
    return []


def turn_view(services, chat: Chat, i: int, lang: str) -> dict:
    t = chat.turns[i]
    offers = services.engine.offers
    facts = local_facts(offers)
    known = chat.kommune_id is not None and chat.kommune_id != NATIONAL
    no_local = known and chat.kommune_id not in facts.with_offers
    show_person = no_local or not t["confident"]
    kommune = services.store.kommune(chat.kommune_id) if known and show_person else None
    managers = case_management(facts, chat) if show_person else []
    shown = {o.id for o in managers}
    asked = set(t.get("asked_topics") or ())
    cards = [card(offers[oid], lang, score) for oid, score in zip(t["ids"], t["scores"],
                                                                   strict=False)
             if oid in offers and oid not in shown
             and (not no_local or fits(offers[oid], asked, t["crisis"]))]
    hint = None
    if not t["crisis"] and t["topics"]:
        hint = hint_for(services.store, t["topics"], kommune=chat.kommune_id,
                        gemeinde=chat.gemeinde_id, lang=lang, age=chat.age,
                        status=chat.status if chat.status != dialogue.NOT_SAID else None)
    return {
        **t,
        "index": i,
        "cards": cards,
        # age and town narrow down offers: without any shown there is nothing to narrow
        "choices": _choices(services, chat, t["ask"]) if i == len(chat.turns) - 1 and (
            cards or t["ask"] not in ("age", "gemeinde")) else [],
        "hint": hint,
        # the crisis box: 110, 112, then the lines that fit the situation; under any other
        # answer 110 and 112 alone
        "lines": box(t.get("situations") or () if t["crisis"] else (), offers, lang,
                     chat.kommune_id, chat.gemeinde_id),
        "referral": dialogue.referral_href(chat, t, lang),
        "national_only": chat.kommune_id is None,
        "no_local": no_local,
        "kommune_name": kommune.name if kommune else "",
        "show_person": show_person,
        "case_management": [card(o, lang) for o in managers],
        # no entry in the directory: the office in the Kommune's name, contact data to come
        "case_management_missing": bool(show_person and kommune and not managers),
    }


def page_data(request: Request, services, chat: Chat | None, **extra) -> dict:
    lang = request.state.lang
    if chat is None and not request.cookies.get(LANG_COOKIE) and "lang" not in \
            request.query_params:
        step = "language"
    elif chat is None or not chat.has_place:
        step = "place"
    else:
        step = "ask"
    if extra.get("place_error") or extra.get("suggesting"):
        step = "place"
    place = place_of(services, chat) if chat else None
    only = extra.pop("only_turn", None)  # a fragment of one turn: build only its cards
    indexes = [only] if only is not None else range(len(chat.turns) if chat else 0)
    turns = [turn_view(services, chat, i, lang) for i in indexes]
    data = {
        "step": step,
        "chat": chat,
        "place": place,
        "kommune": chat.kommune_id if chat else None,
        "turns": turns,
        "errors": [],
        "q": "",
        "age": "",
        "place_text": "",
        "choices": [],
        "place_error": None,
        "notice": None,
        "feedback_turn": None,
        "is_htmx": is_htmx(request),
        "announce": i18n.gettext("The page was updated."),
        "conversation_hours": services.settings.conversation_hours,
        "hilfetelefon_languages": HILFETELEFON_LANGUAGES,
    }
    data.update(extra)
    if only is not None:
        data["t"] = turns[0]
    return data
