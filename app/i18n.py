"""Languages of the interface: Babel catalogs, the current request's locale, formatting.

Catalogs live in `locales/<lang>/LC_MESSAGES/messages.po` (compiled to .mo by
`make install`). The language of a request sits in a context variable, so
the same Jinja environment serves every request in its own language.
"""

from __future__ import annotations

import contextvars
from functools import cache
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

from app.settings import RTL_LANGUAGES, UI_LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("lang", default="de")


@cache
def translations(lang: str) -> Translations | NullTranslations:
    return Translations.load(str(LOCALES_DIR), [lang], domain="messages")


def set_language(lang: str) -> None:
    _current.set(lang)


def current_language() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


_ = gettext


def pick_language(*candidates: str | None, default: str = "de") -> str:
    """The first candidate that is a UI language (accepts 'ar-SY', 'de_DE' …)."""
    for c in candidates:
        if not c:
            continue
        for part in c.split(","):
            code = part.split(";")[0].strip().replace("_", "-").split("-")[0].lower()
            if code in UI_LANGUAGES:
                return code
    return default


def direction(lang: str) -> str:
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


def language_name(code: str, in_lang: str | None = None) -> str:
    """A language's name, in the given UI language or (None) in itself."""
    try:
        loc = Locale.parse(in_lang or code)
        name = loc.languages.get(code)
    except (ValueError, TypeError):
        name = None
    return name or code


def weekday_name(day: str, lang: str) -> str:
    from babel.dates import get_day_names

    return get_day_names("abbreviated", locale=Locale.parse(lang))[DAYS.index(day)]
