"""What the editors' pages need of the translations to review (`directory.reviews` marks them).

- The edit form shows each marked translation with the German text it was made from and
  a "checked: still fits" box per field (`checked_in` reads them, `clear_checked` clears
  them in the save's transaction, with an audit entry); the tab of the first language
  with an error, else with a mark, is the one shown open (`open_tab`).
- `/staff/translations/review?lang=xx` (`page`): per language, the offers of the editor's
  Kommune whose German text changed after the translation; another Kommune's marks are
  never listed (the query is scoped), and `checked` answers 404 for its offers.
"""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy import select

from app import i18n
from app.editors import actions
from app.i18n import staff_gettext as _s
from app.settings import UI_LANGUAGES
from app.staff import audit
from app.staff.scope import get_scoped, kommune_filter
from directory import reviews
from directory.drafts import TRANSLATION_LANGUAGES
from directory.models import Service, ServiceTranslation


def of_offer(services, offer_id: str | None) -> dict[str, dict[str, dict]]:
    """{data language: {field: {"since", "german_before"}}} of one offer ({} for a new one)."""
    if not offer_id:
        return {}
    with services.store.session() as s:
        return {lang: {f: {"since": m.since, "german_before": m.german_before}
                       for f, m in sorted(fields.items(),
                                          key=lambda kv: reviews.FIELDS.index(kv[0]))}
                for lang, fields in reviews.of_offer(s, offer_id).items()}


def open_tab(field_errors: dict, marks: dict, asked: str | None = None) -> str:
    """The language tab shown first: one with an error, else the one asked for (`?tab=`),
    else one to review, else English."""
    for lang in TRANSLATION_LANGUAGES:
        if any(k.startswith(f"tr-{lang}-") for k in field_errors):
            return lang
    if asked in TRANSLATION_LANGUAGES:
        return asked
    return next((lang for lang in TRANSLATION_LANGUAGES if lang in marks), "en")


def checked_in(submitted) -> list[tuple[str, str]]:
    """The (language, field) marks the editor ticked as checked in the form."""
    return [(lang, str(f)) for lang in TRANSLATION_LANGUAGES
            for f in submitted.getlist(f"tr-{lang}-checked") if f in reviews.FIELDS]


def clear_checked(s, staff, offer_id: str, pairs: list[tuple[str, str]]) -> int:
    cleared = reviews.clear(s, offer_id, pairs) if pairs else 0
    if cleared:
        audit.record(s, staff, "offer.translation_checked", "offer", offer_id,
                     kommune_id=staff.kommune_id)
    return cleared


def _names() -> dict[str, str]:
    """{data language: its name in the staff language}."""
    staff_lang = i18n.staff_language()
    return {i18n.data_language(c): i18n.language_name(c, staff_lang)
            for c in UI_LANGUAGES if c != "de"}


def page(services, staff, lang: str | None) -> dict:
    where = kommune_filter(staff, Service.kommune_id)
    lang = lang if lang in TRANSLATION_LANGUAGES else None
    names = _names()
    with services.store.session() as s:
        counts = reviews.counts(s, where)
        lang = lang or next((x for x in TRANSLATION_LANGUAGES if counts.get(x)), "en")
        rows = reviews.pending(s, where, lang)
        translations = {(t.service_id, t.lang): t for t in _translations(s, rows, lang)}
    ui_code = next((c for c in UI_LANGUAGES if i18n.data_language(c) == lang), lang)
    return {
        "review_lang": lang, "lang_name": names.get(lang, lang), "lang_attr": ui_code,
        "review_languages": [(x, names.get(x, x), counts.get(x, 0)) for x in TRANSLATION_LANGUAGES],
        "rows": [{"row": r, "translation": getattr(translations.get((r.offer_id, lang)),
                                                   r.field, "")} for r in rows],
        "field_names": {"name": _s("Name"), "description": _s("Description")},
    }


def _translations(s, rows: list[reviews.Pending], lang: str):
    ids = list({r.offer_id for r in rows})
    if not ids:
        return []
    return list(s.scalars(select(ServiceTranslation).where(
        ServiceTranslation.service_id.in_(ids), ServiceTranslation.lang == lang)))


def checked(services, staff, offer_id: str, lang: str) -> None:
    """"Still fits": the offer's marks in `lang` go; another Kommune's offer is 404."""
    if lang not in TRANSLATION_LANGUAGES:
        raise HTTPException(404, _s("Not found."))
    with services.store.session.begin() as s:
        if get_scoped(s, Service, offer_id, staff) is None:
            raise HTTPException(404, _s("Not found."))
        cleared = clear_checked(s, staff, offer_id, [(lang, f) for f in reviews.FIELDS])
    if cleared:
        actions.reindex(services, offer_id)
