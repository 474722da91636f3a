"""Languages of the interface: Babel catalogs, the current request's locale, formatting.

Two gettext domains: `messages` holds everything a newcomer or volunteer
sees, in every UI language; `staff` holds the staff area (inbox, editors,
coordinators), in German and English only. Python code marks public strings
with `_`/`gettext` and staff strings with `_s`/`staff_gettext`; templates
call the same names. Catalogs live in `locales/<lang>/LC_MESSAGES/<domain>.po`
(compiled to .mo by `make install`). The language of a request sits in a
context variable, so the same Jinja environment serves every request in its
own language.
"""

from __future__ import annotations

import contextvars
from functools import cache
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

from app.settings import RTL_LANGUAGES, STAFF_LANGUAGES, UI_LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("lang", default="de")


@cache
def translations(lang: str, domain: str = "messages") -> Translations | NullTranslations:
    return Translations.load(str(LOCALES_DIR), [lang], domain=domain)


def set_language(lang: str) -> None:
    _current.set(lang)


def current_language() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def staff_language() -> str:
    """The staff area's language: the request's language if the staff area has it, else German."""
    lang = _current.get()
    return lang if lang in STAFF_LANGUAGES else "de"


def staff_gettext(message: str) -> str:
    return translations(staff_language(), "staff").gettext(message)


def staff_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(staff_language(), "staff").ngettext(singular, plural, n)


_ = gettext
_s = staff_gettext


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
