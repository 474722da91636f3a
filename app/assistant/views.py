"""What the conversation page shows: the step, the place, and each turn as cards and choices.

`page_data` turns the stored conversation into the template's data; offers
are looked up by id in the search engine's current offers (one that was
removed since simply drops off), cards come from `app.cards`.
"""

from __future__ import annotations

from fastapi import Request

from app import i18n
from app.assistant import dialogue
from app.assistant.places import Place, gazetteer
from app.assistant.state import Chat
from app.cards import card
from app.responsibility.hints import hint_for
from app.web.rendering import is_htmx

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
    return Place(f"k:{k.id}", k.name, k.id, k.name, None) if k else None


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
    cards = [card(offers[oid], lang, score) for oid, score in zip(t["ids"], t["scores"],
                                                                   strict=False)
             if oid in offers]
    hint = None
    if not t["crisis"] and t["topics"]:
        hint = hint_for(services.store, t["topics"], kommune=chat.kommune_id,
                        gemeinde=chat.gemeinde_id, lang=lang, age=chat.age,
                        status=chat.status if chat.status != dialogue.NOT_SAID else None)
    return {
        **t,
        "index": i,
        "cards": cards,
        "choices": _choices(services, chat, t["ask"]) if i == len(chat.turns) - 1 else [],
        "hint": hint,
        "referral": dialogue.referral_href(chat, t, lang),
        "national_only": chat.kommune_id is None,
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
