"""Tables of the responsibility rules: the rules in force and their full history.

`ResponsibilityRule` keeps each rule's rules-file dictionary (`data`) plus the
columns the queries need (subject, scope, validity). Every change (seeding,
editing, import, deletion) appends a `ResponsibilityRuleHistory` row with the
rule as it was afterwards, who changed it and when; history rows are never
updated or deleted. Neither table holds personal data of newcomers.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base


def _uuid() -> str:
    return str(uuid.uuid4())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ResponsibilityRule(Base):
    __tablename__ = "responsibility_rule"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[str] = mapped_column(String(10))  # matter | office
    subject: Mapped[str] = mapped_column(String(40), index=True)
    scope: Mapped[str] = mapped_column(String(10))  # nrw | kommune | gemeinde
    scope_id: Mapped[str | None] = mapped_column(String(40), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    data: Mapped[dict] = mapped_column(JSON)
    # default | demo (seeded from the shipped files), local (edited here), import
    origin: Mapped[str] = mapped_column(String(20), default="local")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class ResponsibilityRuleHistory(Base):
    __tablename__ = "responsibility_rule_history"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    rule_key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # seed | create | update | import | delete
    data: Mapped[dict] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    changed_by: Mapped[str | None] = mapped_column(String(120))
