"""How an offer is shown: the card's data in the reader's language.

Name and description come from the translation in the UI language when
there is one, else the German entry (marked so the template sets lang="de",
and, outside German and Einfache Sprache, says the text is German only).
Opening hours use Babel's weekday names; "open now" is read in Europe/Berlin,
and on an NRW public holiday (`directory.holidays`) an offer keeps its Sunday hours.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from app.i18n import (
    DAYS,
    data_language,
    format_date,
    format_time,
    language_name,
    translations,
    weekday_name,
)
from app.i18n import gettext as _
from directory.holidays import holiday_name
from directory.reference import topic_label
from directory.store import Offer

BERLIN = ZoneInfo("Europe/Berlin")


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def open_state(o: Offer, now: dt.datetime | None = None) -> str:
    """'closed_temporarily', 'appointment', 'open', 'closed', 'holiday' (closed for a
    public holiday) or '' (no hours known)."""
    if o.temporarily_closed:
        return "closed_temporarily"
    if o.appointment_only:
        return "appointment"
    if not o.schedule:
        return ""
    now = (now or dt.datetime.now(BERLIN)).astimezone(BERLIN)
    holiday = holiday_name(now.date()) is not None
    day, minute = ("SU" if holiday else DAYS[now.weekday()]), now.hour * 60 + now.minute
    for slot in o.schedule:
        if day in slot.days and _minutes(slot.opens_at) <= minute < _minutes(slot.closes_at):
            return "open"
    return "holiday" if holiday else "closed"


def hours_lines(o: Offer, lang: str) -> list[str]:
    say = translations(lang).gettext if lang == "de" else _
    lines = []
    for slot in o.schedule:
        if slot.opens_at == "00:00" and slot.closes_at == "24:00" and len(slot.days) == 7:
            lines.append(say("Day and night, every day"))
            continue
        days = ", ".join(weekday_name(d, lang) for d in slot.days)
        opens, closes = format_time(slot.opens_at, lang), format_time(slot.closes_at, lang)
        lines.append(f"{days} {opens}–{closes}")
    return lines


def tel_href(number: str) -> str:
    digits = re.sub(r"[^\d+]", "", number)
    return "tel:" + digits


def map_href(o: Offer) -> str | None:
    """A plain link to the place on openstreetmap.org (the page itself loads nothing from it)."""
    if o.latitude is None or o.longitude is None:
        return None
    lat, lon = f"{o.latitude:.5f}", f"{o.longitude:.5f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def card(o: Offer, lang: str, score: float | None = None) -> dict:
    name, description, text_lang = o.text_in(data_language(lang))
    if text_lang == data_language(lang):
        text_lang = lang
    address = ", ".join(x for x in (o.street, " ".join(filter(None, (o.postal_code, o.city))))
                        if x)
    return {
        "id": o.id,
        "name": name,
        "description": description,
        "text_lang": text_lang,
        # a reader of another language is told why this text is German
        "german_only": text_lang == "de" and not lang.startswith("de"),
        # the German text changed since this translation was made: it is being checked
        "review_pending": text_lang != "de" and bool(o.review.get(data_language(lang))),
        "german_name": o.name,
        "german_description": o.description,
        "organization": o.organization,
        "address": address,
        "geo": f"geo:{o.latitude},{o.longitude}" if o.latitude is not None else None,
        "map": map_href(o),
        "phones": [(p, tel_href(p)) for p in o.phones],
        "email": o.email,
        "hours": hours_lines(o, lang),
        "german_hours": hours_lines(o, "de"),
        "state": open_state(o),
        "languages": [language_name(c, lang) for c in o.languages],
        "cost": o.cost,
        "topics": [topic_label(c, data_language(lang)) for c in o.categories],
        "national": o.scope == "national",
        # a nationwide entry says where its contact data was checked, and when (or that
        # it was not)
        "source": o.url if o.scope == "national" else None,
        "verified_on": format_date(o.last_verified, lang) if o.last_verified else None,
        "score": score,
    }
