"""The volunteers' browse view: a Kommune's offers by topic, filtered by words (name,
description, provider, place; case and accents ignored), Gemeinde, language spoken, age
and "open now"; share links and QR codes for one offer or a short list.

Pure functions over `directory.store.Offer` and the card data of `app.cards.card`, so
the routes stay thin and the filters are testable without a server.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from markupsafe import Markup

from app.i18n import data_language, language_name
from directory.reference import topic_codes, topic_label
from directory.store import Offer

#: At most this many offers on a shared list (a sheet to hand over, not a directory).
LIST_LIMIT = 12
_ID = re.compile(r"^[0-9A-Za-z._-]{1,64}$")


@dataclass(frozen=True)
class Filters:
    topic: str = ""
    language: str = ""
    age: int | None = None
    open_now: bool = False
    text: str = ""
    gemeinde: str = ""

    @property
    def active(self) -> bool:
        return bool(self.topic or self.language or self.open_now or self.age is not None
                    or self.text or self.gemeinde)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fits_text(o: Offer, lang: str, text: str) -> bool:
    """Every word of `text` is in the offer's German or `lang` text, provider or place."""
    words = _fold(text).split()
    if not words:
        return True
    parts = [o.name, o.description, o.organization, o.city or "", o.street or "",
             *o.translations.get(lang, ())]
    hay = _fold(" ".join(parts))
    return all(w in hay for w in words)


def fits_gemeinde(o: Offer, gemeinde: str) -> bool:
    """An offer for the whole Kommune (or nationwide) serves every Gemeinde in it."""
    return not gemeinde or not o.gemeinde_ids or gemeinde in o.gemeinde_ids


def parse_ids(values: list[str]) -> list[str]:
    """Offer ids from `?ids=a,b,c` and/or `?ids=a&ids=b` (form checkboxes), in order, unique."""
    seen: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if part and _ID.match(part) and part not in seen:
                seen.append(part)
    return seen[:LIST_LIMIT]


def fits_age(o: Offer, age: int | None) -> bool:
    if age is None:
        return True
    return (o.min_age is None or age >= o.min_age) and (o.max_age is None or age <= o.max_age)


def matches(o: Offer, state: str, f: Filters, lang: str = "de") -> bool:
    """Whether an offer (with its card's open state) passes the filters."""
    return ((not f.topic or f.topic in o.categories)
            and fits_gemeinde(o, f.gemeinde) and fits_text(o, lang, f.text)
            and (not f.language or f.language in o.languages)
            and fits_age(o, f.age)
            and (not f.open_now or state == "open"))


def languages_offered(offers: list[Offer], lang: str) -> list[tuple[str, str]]:
    """(code, name in the reader's language) of every language some offer is given in."""
    codes = {c for o in offers for c in o.languages}
    return sorted(((c, language_name(c, lang)) for c in codes), key=lambda x: x[1].casefold())


def topics(lang: str) -> list[tuple[str, str]]:
    """(code, label in the reader's language) in the taxonomy's order."""
    return [(c, topic_label(c, data_language(lang))) for c in topic_codes()]


def by_topic(pairs: list[tuple[Offer, dict]], lang: str) -> list[dict]:
    """Groups of cards under their first topic in the taxonomy's order (each offer once)."""
    order = topic_codes()
    groups: dict[str, list[dict]] = {}
    for o, c in pairs:
        known = [t for t in order if t in o.categories]
        groups.setdefault(known[0] if known else "", []).append(c)
    return [{"code": code, "label": topic_label(code, data_language(lang)) if code else "",
             "cards": groups[code]} for code in [*order, ""] if code in groups]


def share_url(base: str, path: str, **params: str) -> str:
    """An absolute link to a public page (`public_url` + path + query)."""
    query = urlencode({k: v for k, v in params.items() if v})
    return base.rstrip("/") + path + ("?" + query if query else "")


def qr_svg(url: str, label: str) -> Markup:
    """A QR code of `url` as inline SVG (made here by segno: no request leaves the page).

    The SVG is built from our own absolute URL (validated ids, a UI language code) and a
    label passed through segno's escaping, so it is safe to insert as markup.
    """
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", title=label,
                        svgclass="qr", lineclass=None, omitsize=True)
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S704
