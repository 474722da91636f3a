"""Languages of the interface: Babel catalogs, the current request's locale, formatting.

Two gettext domains: `messages` holds everything a newcomer or volunteer
sees, in every UI language; `staff` holds the staff area (inbox, editors,
coordinators), in German and English only. Python code marks public strings
with `_`/`gettext` and staff strings with `_s`/`staff_gettext`; templates
call the same names. The language of a request sits in a context variable,
so the same Jinja environment serves every request in its own language.

A UI language is named by its BCP 47 tag everywhere (URL `?lang=`, cookie,
`<html lang>`). Three derived spellings exist, each made in one function here:
- `catalog_name`: the folder under `locales/` (Babel wants `de_simple`, not a tag);
- `babel_locale`: the CLDR locale for numbers, dates and weekdays;
- `data_language`: the key of translations in the directory data.
German in Einfache Sprache is `de-x-simple`: catalog `de_simple`, CLDR `de`,
data key `de-simple`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations

from app.settings import RTL_LANGUAGES, STAFF_LANGUAGES, UI_LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SIMPLE_GERMAN = "de-x-simple"

#: Each language's name as its speakers write it (the language switch shows these).
ENDONYMS = {
    "de": "Deutsch",
    SIMPLE_GERMAN: "Einfache Sprache",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی / دری",
    "tr": "Türkçe",
    "uk": "Українська",
    "ru": "Русский",
    "ku": "Kurdî (Kurmancî)",
    "ps": "پښتو",
    "ti": "ትግርኛ",
    "ro": "Română",
    "bg": "Български",
    "fr": "Français",
    "so": "Soomaali",
}
#: Other spellings people or browsers use for a UI language.
ALIASES = {
    "de-simple": SIMPLE_GERMAN, "de-simpl": SIMPLE_GERMAN, "de-x-einfach": SIMPLE_GERMAN,
    "prs": "fa", "fa-af": "fa", "kmr": "ku", "pbu": "ps", "pbt": "ps",
}

#: Language codes whose CLDR name sits under another key (Dari, Kurmanji).
NAME_KEYS = {"prs": "fa_AF", "kmr": "ku"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("lang", default="de")


def catalog_name(lang: str) -> str:
    """The catalog folder of a UI language under locales/ ('de-x-simple' -> 'de_simple')."""
    return lang.replace("-x-", "_").replace("-", "_")


def data_language(lang: str) -> str:
    """The key of a UI language in the directory's translations ('de-x-simple' -> 'de-simple')."""
    return lang.replace("-x-", "-")


@cache
def babel_locale(lang: str) -> Locale:
    """CLDR data for numbers, dates and names; German for Einfache Sprache, English if unknown."""
    try:
        return Locale.parse(lang.split("-x-")[0].replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale.parse("en")


@cache
def translations(lang: str, domain: str = "messages") -> Translations | NullTranslations:
    return Translations.load(str(LOCALES_DIR), [catalog_name(lang)], domain=domain)


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


def _ui_code(tag: str) -> str | None:
    tag = tag.strip().replace("_", "-").lower()
    if not tag:
        return None
    if tag in UI_LANGUAGES:
        return tag
    if tag in ALIASES:
        return ALIASES[tag]
    primary = tag.split("-")[0]
    if primary in UI_LANGUAGES:
        return primary
    return ALIASES.get(primary)


def pick_language(*candidates: str | None, default: str = "de") -> str:
    """The first candidate that is a UI language ('ar-SY', 'de_DE', 'de-x-simple', an
    Accept-Language header …); `default` when none is."""
    for c in candidates:
        if not c:
            continue
        for part in c.split(","):
            code = _ui_code(part.split(";")[0])
            if code:
                return code
    return default


def direction(lang: str) -> str:
    return "rtl" if lang.split("-")[0] in RTL_LANGUAGES else "ltr"


def language_name(code: str, in_lang: str | None = None) -> str:
    """A language's name in the given UI language, or (None) in itself.

    CLDR knows most names; where a locale lacks one, the name in the language
    itself is the one its speakers recognise.
    """
    if in_lang is None:
        if code in ENDONYMS:
            return ENDONYMS[code]
        in_lang = code
    if code == SIMPLE_GERMAN:
        return gettext("German in Einfache Sprache")
    key = NAME_KEYS.get(code, code.split("-")[0])
    name = babel_locale(in_lang).languages.get(key)
    if name:
        return name
    return ENDONYMS.get(code) or babel_locale(code).languages.get(key) or code


def weekday_name(day: str, lang: str, width: str = "abbreviated") -> str:
    from babel.dates import get_day_names

    return get_day_names(width, locale=babel_locale(lang))[DAYS.index(day)]


def format_number(n: int | float, lang: str) -> str:
    from babel.numbers import format_decimal

    return format_decimal(n, locale=babel_locale(lang))


def format_date(d: dt.date, lang: str, width: str = "long") -> str:
    from babel.dates import format_date as babel_format_date

    return babel_format_date(d, width, locale=babel_locale(lang))


def format_time(hhmm: str, lang: str) -> str:
    """'09:00' as the locale writes a short time ('9:00 AM', '09:00' …); '24:00' stays."""
    from babel.dates import format_time as babel_format_time

    if hhmm == "24:00":
        return babel_format_time(dt.time(0, 0), "short", locale=babel_locale(lang))
    h, m = hhmm.split(":")
    return babel_format_time(dt.time(int(h), int(m)), "short", locale=babel_locale(lang))
