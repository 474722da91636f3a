"""Translations to review: a change to an offer's German text marks that field's translations.

The rule lives here and runs inside the one writer of offers
(`directory.hsds.writer.write`), so every path that writes an offer applies it:
the edit form, undo, archive/restore, the web and CLI imports, the demo.
For each changed offer and each translated field (`FIELDS`: name, description):

- the German text of the field changed and a translation's text of that field did
  not (in the same write): the translation is marked "to review" for that field,
  keeping the German text it was made from (`german_before`; a second German change
  keeps the first one, so the reviewer sees everything that changed since);
- the translation's text of the field changed (an editor or an import saved a new
  translation): its mark for that field is cleared;
- a translation that is gone loses its marks; an empty translated field is not marked
  (there is nothing to check; a missing translation is another list).

`clear` is the explicit "translation checked, still fits" of an editor. The marks are
not part of `OfferRecord`'s equality, so re-importing a file never touches them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from directory.models import Service, TranslationReview
from directory.records import OfferRecord

FIELDS = ("name", "description")


def _diff(old: OfferRecord, new: OfferRecord) -> tuple[set, dict, set]:
    """(marks to add {(lang, field)}, German text before per field, marks to clear)."""
    german_changed = {f for f in FIELDS if getattr(old, f) != getattr(new, f)}
    before = {t.lang: t for t in old.translations}
    add, clear = set(), set()
    for t in new.translations:
        was = before.pop(t.lang, None)
        for f in FIELDS:
            if was is None or getattr(was, f) != getattr(t, f):
                clear.add((t.lang, f))
            elif f in german_changed and getattr(t, f):
                add.add((t.lang, f))
    clear |= {(lang, f) for lang in before for f in FIELDS}  # translations removed
    return add, {f: getattr(old, f) for f in german_changed}, clear


def note(s: Session, before: dict[str, OfferRecord], written: Iterable[OfferRecord],
         now: dt.datetime) -> None:
    """Mark and clear for the offers just written (`before`: their stored records)."""
    for new in written:
        old = before.get(new.id)
        if old is None:
            continue
        add, german_before, clear = _diff(old, new)
        if not add and not clear:
            continue
        rows = {(r.lang, r.field): r for r in s.scalars(
            select(TranslationReview).where(TranslationReview.service_id == new.id))}
        for key in clear:
            if key in rows:
                s.delete(rows.pop(key))
        for lang, f in sorted(add - set(rows)):
            s.add(TranslationReview(service_id=new.id, lang=lang, field=f, since=now,
                                    german_before=german_before[f] or ""))
    s.flush()


def clear(s: Session, offer_id: str, pairs: Iterable[tuple[str, str]] | None = None) -> int:
    """An editor checked these (language, field) marks, or all of the offer's (`None`):
    they go. Returns how many went."""
    stmt = delete(TranslationReview).where(TranslationReview.service_id == offer_id)
    if pairs is not None:
        wanted = [(lang, f) for lang, f in pairs if f in FIELDS]
        if not wanted:
            return 0
        stmt = stmt.where(or_(*(and_(TranslationReview.lang == lang, TranslationReview.field == f)
                                for lang, f in wanted)))
    return int(getattr(s.execute(stmt), "rowcount", 0) or 0)


@dataclass(frozen=True)
class Pending:
    """One translated field to review, with what the reviewer needs beside it."""

    offer_id: str
    offer_name: str
    lang: str
    field: str
    since: dt.datetime
    german_before: str
    german_now: str


def counts(s: Session, where) -> dict[str, int]:
    """{lang: offers with a mark} among the offers `where` selects (an SQL condition)."""
    rows = s.execute(select(TranslationReview.lang,
                            func.count(func.distinct(TranslationReview.service_id)))
                     .join(Service, Service.id == TranslationReview.service_id)
                     .where(where).group_by(TranslationReview.lang))
    return {lang: n for lang, n in rows}


def pending(s: Session, where, lang: str, limit: int = 500) -> list[Pending]:
    """The marked fields in one language among the offers `where` selects, oldest first."""
    rows = s.execute(select(TranslationReview, Service.name, Service.description)
                     .join(Service, Service.id == TranslationReview.service_id)
                     .where(where, TranslationReview.lang == lang)
                     .order_by(TranslationReview.since, Service.name, TranslationReview.field)
                     .limit(limit))
    return [Pending(r.service_id, name, r.lang, r.field, r.since, r.german_before,
                    name if r.field == "name" else (desc or ""))
            for r, name, desc in rows]


def of_offer(s: Session, offer_id: str) -> dict[str, dict[str, TranslationReview]]:
    """{lang: {field: mark}} of one offer (the edit form shows them)."""
    out: dict[str, dict[str, TranslationReview]] = {}
    for r in s.scalars(select(TranslationReview)
                       .where(TranslationReview.service_id == offer_id)):
        out.setdefault(r.lang, {})[r.field] = r
    return out
