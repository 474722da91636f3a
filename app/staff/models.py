"""Tables of the staff area: accounts, server-side sessions, the audit log.

`StaffUser` is bound to one Kommune (`kommune_id`) or, for the state-wide
roles coordinator and admin only, to none (`kommune_id = None` = every
Kommune). Roles are a list out of `ROLES`. The TOTP secret is stored
encrypted (AES-256-GCM, associated data `staff_user:<id>:totp_secret`).
`StaffSession` keeps only the SHA-256 of the session token. `AuditEntry`
rows are append-only (the migration adds triggers that refuse UPDATE and
DELETE) and chained by an HMAC (`app.staff.audit`).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base

#: Roles, as stored. case_manager reads referrals of its Kommune; editor keeps the
#: directory; coordinator sees anonymous figures; admin manages accounts.
ROLES = ("case_manager", "editor", "coordinator", "admin")
#: Roles that may be state-wide (`kommune_id = None`).
STATE_WIDE_ROLES = frozenset({"coordinator", "admin"})


def _uuid() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StaffUser(Base):
    __tablename__ = "staff_user"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[list] = mapped_column(JSON, default=list)
    kommune_id: Mapped[str | None] = mapped_column(ForeignKey("kommune.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str] = mapped_column(String(200))  # encrypted
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow)


class StaffSession(Base):
    __tablename__ = "staff_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    user_id: Mapped[str] = mapped_column(ForeignKey("staff_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))  # user id, "cli", "public", "system"
    kommune_id: Mapped[str | None] = mapped_column(String(40), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    result: Mapped[str] = mapped_column(String(40))
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
