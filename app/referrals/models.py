"""Tables of the warm referral: the referral, internal notes, the mail outbox.

Personal fields (`ENCRYPTED`) hold AES-256-GCM text from `app.keyring`
(associated data `table:id:field`); everything else is what routing, the
inbox filters and the statistics need: Kommune, language, topic codes,
channel, status, times. The proof of consent (PRIV-03) sits in the row:
UTC time, text version, SHA-256 of the exact text shown, locale, channel
(self / volunteer); the volunteer's identity is the encrypted
`on_behalf_name`/`on_behalf_contact`. `secret` (encrypted) lets the person
see the status and withdraw; `idempotency_hash` is the SHA-256 of the
client's Idempotency-Key, so a repeated POST returns the same reference.
`version` guards against stale edits (409).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base

#: Encrypted columns per table (PRIV-08); `lotse keys rotate` re-encrypts exactly these.
ENCRYPTED = {
    "referral": ("name", "contact", "message", "age", "on_behalf_name", "on_behalf_contact",
                 "secret", "residence_status"),
    "referral_note": ("text",),
    "staff_user": ("totp_secret",),
    "conversation": ("turns",),  # the newcomer's questions (app.assistant.state)
    "case_message": ("body",),  # the thread with the person (app.messages)
    # the case file (app.casework.models)
    "case_file": ("intake",),
    "case_assessment": ("areas",),
    "case_goal": ("goal", "measure", "who"),
    "case_link": ("note",),
    "case_followup": ("note",),
    "case_event": ("reason",),
    "case_handover": ("reason", "summary"),
    "case_precheck": ("answers", "result"),
}


def _uuid() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Referral(Base):
    __tablename__ = "referral"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    idempotency_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    kommune_id: Mapped[str] = mapped_column(ForeignKey("kommune.id"), index=True)
    gemeinde_id: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(16))
    topics: Mapped[list] = mapped_column(JSON, default=list)
    contact_channel: Mapped[str | None] = mapped_column(String(20))
    interpreter: Mapped[bool] = mapped_column(Boolean, default=False)
    # encrypted personal fields (None once erased)
    name: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    age: Mapped[str | None] = mapped_column(Text)
    # the residence status the person chose from a fixed list (optional; residence data,
    # stored only with the extra Art. 9 consent)
    residence_status: Mapped[str | None] = mapped_column(Text)
    on_behalf_name: Mapped[str | None] = mapped_column(Text)
    on_behalf_contact: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(Text)
    # proof of consent
    consent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    consent_version: Mapped[str] = mapped_column(String(40))
    consent_sha256: Mapped[str] = mapped_column(String(64))
    consent_locale: Mapped[str] = mapped_column(String(16))
    consent_channel: Mapped[str] = mapped_column(String(20))  # self | volunteer
    consent_special: Mapped[bool] = mapped_column(Boolean, default=False)
    # workflow
    status: Mapped[str] = mapped_column(String(30), default="neu", index=True)
    assigned_to: Mapped[str | None] = mapped_column(ForeignKey("staff_user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                           default=utcnow)
    first_contact_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReferralNote(Base):
    __tablename__ = "referral_note"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[str] = mapped_column(Text)  # encrypted


class OutboxMail(Base):
    """A notification waiting to be sent (no personal data in it), with its retry state."""

    __tablename__ = "outbox_mail"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                         default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # the claim of the worker sending it (app.referrals.notify): one sender per mail
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReferralNameToken(Base):
    """Blind index for the search by name: HMAC of each normalised name token (keyring key).

    The name itself stays encrypted; a search computes the same HMAC of the words typed
    and looks them up here, so no table-wide decryption is needed.
    """

    __tablename__ = "referral_name_token"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    kommune_id: Mapped[str] = mapped_column(String(40))
    token: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_referral_name_token_lookup", "kommune_id", "token"),)


class ShredDue(Base):
    """A crypto-shred is due (`app.referrals.shred`): one row per erasure, written in the
    erasure's transaction. Nothing personal, not even which referral: an id and a time."""

    __tablename__ = "shred_due"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                   index=True)
