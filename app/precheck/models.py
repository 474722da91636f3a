"""The pre-check's tables: anonymous counts, and the law rules with their full history.

`PrecheckRule` is one rule of the law as the state editors keep it (the
rules-file dictionary in `data`, plus the columns a list needs: path, source,
validity, checked-on day); every change appends a `PrecheckRuleHistory` row
with the rule as it was afterwards, who changed it, when and why (never
updated or deleted). Neither holds personal data.

`PrecheckEvent` is an anonymous count row per pre-check that reached a result.

`PrecheckEvent` holds the month (not the day), the Kommune chosen for the
office, which paths came out open or unclear, and whether a referral followed.
No answer, no age, no place below the Kommune, nothing about a device. `link`
is the SHA-256 of the random id of one pre-check run, so that a reload of the
result counts once and a referral sent from it can set `referral`; it is
erased after `analytics_link_hours`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base


class PrecheckEvent(Base):
    __tablename__ = "precheck_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[dt.date] = mapped_column(Date, index=True)
    kommune_id: Mapped[str | None] = mapped_column(ForeignKey("kommune.id"), index=True)
    open_25a: Mapped[bool] = mapped_column(Boolean, default=False)
    open_25b: Mapped[bool] = mapped_column(Boolean, default=False)
    open_stag10: Mapped[bool] = mapped_column(Boolean, default=False)
    referral: Mapped[bool] = mapped_column(Boolean, default=False)
    link: Mapped[str | None] = mapped_column(String(64), index=True)
    link_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


def _uuid() -> str:
    return str(uuid.uuid4())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PrecheckRule(Base):
    __tablename__ = "precheck_rule"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    path: Mapped[str] = mapped_column(String(10), index=True)
    source: Mapped[str] = mapped_column(String(120))  # the German citation, for lists
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    checked_on: Mapped[dt.date] = mapped_column(Date)
    data: Mapped[dict] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(20), default="default")  # default|local|import
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class PrecheckRuleHistory(Base):
    __tablename__ = "precheck_rule_history"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    rule_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # seed | create | update | import
    data: Mapped[dict] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    changed_by: Mapped[str | None] = mapped_column(String(120))
