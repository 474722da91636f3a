"""The message thread of a referral: structured messages out, answers in.

One `CaseMessage` per message. `direction` is "out" (case manager -> person)
or "in" (the person's answer). `kind` names the structure (see
`app.messages.kinds`); `body` is the JSON of its fields, AES-256-GCM
encrypted like every personal field (associated data
`case_message:id:body`), so a message is rendered from the catalogs in the
reader's language at read time, never stored as finished text. `kommune_id`
is the Kommune whose team wrote or received the message: after a hand-over
the new team does not see the old team's conversation. `language` is the
language of an answer (for "interpreter may be needed"). `seen_at` is when
the other side first saw it. Messages go with the referral's personal data
(withdrawal, retention: `app.referrals.erasure` hooks).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base


def _uuid() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CaseMessage(Base):
    __tablename__ = "case_message"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    kommune_id: Mapped[str] = mapped_column(ForeignKey("kommune.id"))
    direction: Mapped[str] = mapped_column(String(3))  # out | in
    kind: Mapped[str] = mapped_column(String(20))
    in_reply_to: Mapped[str | None] = mapped_column(String(36))
    language: Mapped[str | None] = mapped_column(String(16))
    author_id: Mapped[str | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    body: Mapped[str | None] = mapped_column(Text)  # encrypted JSON of the kind's fields
