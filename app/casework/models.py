"""Tables of the case file along the KIM phases, the phase history and the hand-over.

Every row carries the `kommune_id` of the team that wrote it, so a case that is
handed on shows the receiving team nothing of the sender's file (only the
hand-over summary the person agreed to). Personal text is encrypted
(`app.referrals.models.ENCRYPTED`, associated data `table:id:field`); codes,
dates and flags stay clear for lists, due dates and figures. Times are UTC
in the database and shown in Europe/Berlin.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.referrals.models import utcnow
from directory.models import Base

#: Areas of life of the assessment (Bestandsaufnahme).
AREAS = ("residence", "language", "education", "work", "housing", "health", "family", "money")
#: Other legal domains' case management a case can be linked to, or an offer of the directory.
LINK_KINDS = ("offer", "jobcenter", "jmd", "mbe", "jugendamt")
OUTCOMES = ("open", "contacted", "accepted", "waiting", "declined", "done")
CLOSE_REASONS = ("goals_reached", "moved", "no_longer_needed", "not_reachable",
                 "other_service", "other")
#: Documentation a Kommune can require before a case leaves a phase (`CaseRequirement`).
REQUIRABLE = ("intake", "assessment", "goal", "goal_agreed", "link", "followup")


def _uuid() -> str:
    return str(uuid.uuid4())


class CaseFile(Base):
    """Intake of one referral by one team (Erstberatung)."""

    __tablename__ = "case_file"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    kommune_id: Mapped[str] = mapped_column(String(40))
    intake: Mapped[str | None] = mapped_column(Text)  # encrypted
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(36))
    __table_args__ = (UniqueConstraint("referral_id", "kommune_id"),)


class CaseAssessment(Base):
    """One assessment or re-assessment across the areas of life (areas: encrypted JSON)."""

    __tablename__ = "case_assessment"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    kommune_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # assessment | reassessment
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author_id: Mapped[str] = mapped_column(String(36))
    areas: Mapped[str | None] = mapped_column(Text)  # encrypted JSON {area: text}


class CaseGoal(Base):
    """A goal of the Hilfeplan with its measure: who does what by when, agreed or not."""

    __tablename__ = "case_goal"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    kommune_id: Mapped[str] = mapped_column(String(40))
    goal: Mapped[str | None] = mapped_column(Text)  # encrypted
    measure: Mapped[str | None] = mapped_column(Text)  # encrypted
    who: Mapped[str | None] = mapped_column(Text)  # encrypted
    due: Mapped[dt.date | None] = mapped_column(Date)
    agreed: Mapped[bool] = mapped_column(Boolean, default=False)
    agreed_on: Mapped[dt.date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseLink(Base):
    """Linking: an offer of the directory or another domain's case management, with outcome."""

    __tablename__ = "case_link"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    kommune_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    offer_id: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str | None] = mapped_column(Text)  # encrypted
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseFollowUp(Base):
    """A follow-up date (Wiedervorlage) or an appointment; `due_at` in UTC."""

    __tablename__ = "case_followup"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    kommune_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # followup | appointment
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    assigned_to: Mapped[str | None] = mapped_column(String(36))
    note: Mapped[str | None] = mapped_column(Text)  # encrypted
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CaseEvent(Base):
    """The case's history: every phase change (who, when, from, to) with its reason."""

    __tablename__ = "case_event"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    kommune_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(String(36))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    reason_code: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)  # encrypted


class CaseHandover(Base):
    """A hand-over to another Kommune; the sender's record stays after it is accepted.

    `referral_id` is no foreign key: retention may delete the referral at the receiver
    while the sender keeps the bare record (reference, receiver, times).
    """

    __tablename__ = "case_handover"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    referral_id: Mapped[str] = mapped_column(String(36), index=True)
    reference: Mapped[str] = mapped_column(String(20))
    from_kommune: Mapped[str] = mapped_column(String(40), index=True)
    to_kommune: Mapped[str] = mapped_column(String(40), index=True)
    from_status: Mapped[str] = mapped_column(String(30))
    sender_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str | None] = mapped_column(Text)  # encrypted
    summary: Mapped[str | None] = mapped_column(Text)  # encrypted
    summary_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[str | None] = mapped_column(String(36))
    taken_back_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class CaseRequirement(Base):
    """A Kommune's minimum documentation: `field` must be filled before a case leaves `phase`."""

    __tablename__ = "case_requirement"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    kommune_id: Mapped[str] = mapped_column(String(40), index=True)
    phase: Mapped[str] = mapped_column(String(30))
    field: Mapped[str] = mapped_column(String(30))
    __table_args__ = (UniqueConstraint("kommune_id", "phase", "field"),)


class CasePrecheck(Base):
    """The pre-check (§§ 25a, 25b AufenthG, § 10 StAG) run inside a case, with its date.

    `on_date` is the day whose law was applied, `law_as_of` the date the newest rule in
    force that day took effect (the law's version); answers and result are encrypted JSON.
    `followup_id` is the Wiedervorlage created for the next period to be reached.
    """

    __tablename__ = "case_precheck"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    kommune_id: Mapped[str] = mapped_column(String(40))
    on_date: Mapped[dt.date] = mapped_column(Date)
    law_as_of: Mapped[dt.date] = mapped_column(Date)
    author_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answers: Mapped[str | None] = mapped_column(Text)  # encrypted JSON
    result: Mapped[str | None] = mapped_column(Text)  # encrypted JSON
    followup_id: Mapped[str | None] = mapped_column(String(36))
