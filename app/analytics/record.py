"""Recording: one call per fact, from the routes that show answers and take feedback.

`record_search` queues an anonymous `SearchEvent` for an answer that was shown
and, when nothing in the directory answered (and it was no crisis), the
scrubbed question for the gap report; the writer thread stores them in batches.
It returns a random per-answer id for the page to carry to "did this help?" or
to a referral; only its SHA-256 is stored, and only for `analytics_link_hours`.
Recording never breaks an answer: it happens off the request path, and a
failing write is logged (without content) and skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.analytics.models import PendingQuestion, Question, SearchEvent
from app.analytics.writer import Shown, flush, writer_for

log = logging.getLogger("lotse.analytics")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _digest(answer_id: str) -> str:
    return hashlib.sha256(answer_id.encode()).hexdigest()


def record_search(services, answer, *, kommune: str | None, ui_lang: str | None) -> str | None:
    """Queue what the figures need about one answer; returns the per-answer id (or None).

    Only the hour, signals and a digest are taken here; the writer thread detects the
    language, scrubs an unanswered question and stores both (`app.analytics.writer`)."""
    settings = services.settings
    if not settings.analytics_enabled:
        return None
    now = utcnow()
    answer_id = secrets.token_urlsafe(16)
    writer_for(services).submit(Shown(
        hour=now.replace(minute=0, second=0, microsecond=0),
        day=now.date(),
        kommune=kommune,
        ui_lang=ui_lang,
        query=answer.query,
        topics=tuple(code for code, _score in answer.topics[:3]),
        confident=bool(answer.confident),
        crisis=bool(answer.crisis),
        link=_digest(answer_id),
        link_until=now + dt.timedelta(hours=settings.analytics_link_hours),
    ))
    return answer_id


def _set(services, answer_id: str | None, *, gap: bool = False, **values) -> bool:
    """Set `values` on the answer's event; with `gap`, its question joins the gap report."""
    if not answer_id or len(answer_id) > 64 or not services.settings.analytics_enabled:
        return False
    flush(services)  # the event of a just-shown answer may still be on the queue
    digest, now = _digest(answer_id), utcnow()
    try:
        with services.store.session.begin() as s:
            found = s.scalar(select(SearchEvent.id).where(
                SearchEvent.link == digest, SearchEvent.link_until > now))
            if found is None:
                return False
            s.execute(update(SearchEvent).where(SearchEvent.id == found).values(**values))
            pending = s.scalars(select(PendingQuestion).where(
                PendingQuestion.link == digest, PendingQuestion.link_until > now)).all()
            if gap:  # moved without the link: the gap report cannot find the event
                s.add_all(Question(day=p.day, kommune_id=p.kommune_id, lang=p.lang,
                                   text=p.text) for p in pending)
            if gap or values.get("helped"):
                s.execute(delete(PendingQuestion).where(PendingQuestion.link == digest))
    except SQLAlchemyError as exc:
        log.warning("search event not updated: %s", type(exc).__name__)
        return False
    return True


def record_feedback(services, answer_id: str | None, helped: bool) -> bool:
    """'Did this help?' for the answer with this id; False when the id is unknown or expired.
    A "no" puts the (scrubbed) question of a confident answer into the gap report."""
    return _set(services, answer_id, gap=not helped, helped=bool(helped))


def record_referral(services, answer_id: str | None) -> bool:
    """A referral followed the answer with this id: none of the offers shown settled it, so its
    (scrubbed) question goes into the gap report as well."""
    return _set(services, answer_id, gap=True, referral=True)
