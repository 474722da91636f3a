"""The analytics tables: one anonymous row per answered search, one per scrubbed
unanswered question.

`SearchEvent` holds no text and nothing that identifies a person or a device:
the hour (not the minute), the Kommune, the interface and question language,
the top topics and the answer's signals. `link` is the SHA-256 of a random
per-answer id that lets "did this help?" or a referral find its event for
`analytics_link_hours`, then it is erased; it never spans two answers.
`Question` holds an unanswered question only after scrubbing (see
`app.analytics.scrub`), its embedding, and the day; it is not linked to any
event and is deleted after `analytics_question_days`.
`PendingQuestion` holds the scrubbed text of an answered question only while its
per-answer link lives (`analytics_link_hours`): if "did this help?" says no, or
a warm referral follows the answer (the shown offers did not fit), the text
moves to `Question` (without the link) and feeds the gap report; otherwise the
maintenance deletes it when the link expires.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base

TZ = DateTime(timezone=True)


class SearchEvent(Base):
    """One answer shown to someone, reduced to what the figures need."""

    __tablename__ = "analytics_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hour: Mapped[dt.datetime] = mapped_column(TZ, index=True)
    kommune_id: Mapped[str | None] = mapped_column(ForeignKey("kommune.id"), index=True)
    ui_lang: Mapped[str | None] = mapped_column(String(12))
    query_lang: Mapped[str] = mapped_column(String(12))
    topic: Mapped[str | None] = mapped_column(String(40))
    topics: Mapped[list] = mapped_column(JSON, default=list)
    confident: Mapped[bool] = mapped_column(Boolean)
    crisis: Mapped[bool] = mapped_column(Boolean)
    referral: Mapped[bool] = mapped_column(Boolean, default=False)
    helped: Mapped[bool | None] = mapped_column(Boolean)
    link: Mapped[str | None] = mapped_column(String(64), index=True)
    link_until: Mapped[dt.datetime | None] = mapped_column(TZ)


class Question(Base):
    """A question nothing in the directory answered, scrubbed, with its embedding."""

    __tablename__ = "analytics_question"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    kommune_id: Mapped[str | None] = mapped_column(ForeignKey("kommune.id"), index=True)
    lang: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(String(400))
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    model: Mapped[str | None] = mapped_column(String(300))


class PendingQuestion(Base):
    """The scrubbed text of an answered question, kept only while its answer link lives."""

    __tablename__ = "analytics_pending_question"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    link: Mapped[str] = mapped_column(String(64), index=True)
    link_until: Mapped[dt.datetime] = mapped_column(TZ, index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kommune_id: Mapped[str | None] = mapped_column(ForeignKey("kommune.id"))
    lang: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(String(400))
