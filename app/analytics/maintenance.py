"""Retention and embedding of the analytics tables (`run_once`; scheduled by `app.jobs`).

Every `analytics_maintenance_minutes` (and once at start-up):
- scrubbed questions older than `analytics_question_days` are deleted; events
  go month by month, once the whole month is older than `analytics_event_days`
  (so the figures of every month shown stay complete); per-answer links past
  their hour limit are erased, with the scrubbed texts still waiting on them; on
  SQLite the WAL is checkpointed so the bytes are gone (`secure_delete` is on for
  every connection);
- questions without an embedding (or embedded by another model) get one, in
  batches, from the scrubbed text only.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.analytics.figures import event_cutoff
from app.analytics.models import PendingQuestion, Question, SearchEvent
from app.analytics.record import utcnow
from app.analytics.writer import flush

log = logging.getLogger("lotse.analytics")
BATCH = 128


def purge(services, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what is past its retention period; returns the counts deleted."""
    flush(services)  # events still on the writer queue count too
    settings = services.settings
    now = now or utcnow()
    first_day = now.date() - dt.timedelta(days=settings.analytics_question_days)
    with services.store.session.begin() as s:
        questions = s.execute(delete(Question).where(Question.day < first_day)).rowcount
        cutoff = dt.datetime.combine(event_cutoff(now, settings.analytics_event_days), dt.time(),
                                     dt.UTC)
        events = s.execute(delete(SearchEvent).where(SearchEvent.hour < cutoff)).rowcount
        links = s.execute(update(SearchEvent).where(
            SearchEvent.link.is_not(None), SearchEvent.link_until <= now,
        ).values(link=None, link_until=None)).rowcount
        links += s.execute(delete(PendingQuestion).where(
            PendingQuestion.link_until <= now)).rowcount
    if services.store.engine.dialect.name == "sqlite" and (questions or events or links):
        checkpoint(services.store.engine)
    return {"questions": questions, "events": events, "links": links}


def checkpoint(engine) -> None:
    """Copy the WAL into the database file and empty it (outside any transaction)."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        raw.close()


def embed_pending(services, limit: int = 10 * BATCH) -> int:
    """Embed scrubbed questions that have no vector from the current model; returns how many."""
    flush(services)  # events still on the writer queue count too
    encoder = services.engine.encoder
    if encoder is None:
        return 0
    done = 0
    while done < limit:
        with services.store.session() as s:
            rows = s.execute(
                select(Question.id, Question.text)
                .where(or_(Question.vector.is_(None), Question.model != encoder.name))
                .order_by(Question.id).limit(BATCH)
            ).all()
        if not rows:
            break
        vectors = encoder.queries([t for _, t in rows]).astype(np.float32)
        with services.store.session.begin() as s:
            for (qid, _), vec in zip(rows, vectors, strict=True):
                s.execute(update(Question).where(Question.id == qid).values(
                    vector=vec.tobytes(), model=encoder.name))
        done += len(rows)
    return done


def run_once(services) -> None:
    try:
        purge(services)
        embed_pending(services)
    except SQLAlchemyError as exc:
        log.warning("analytics maintenance failed: %s", type(exc).__name__)
