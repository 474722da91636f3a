"""The conversation table: anonymous, server-side, expiring.

A row is found by the SHA-256 of a random token that only the person's
browser holds (cookie `lotse_conversation`); nothing identifies a person or
device. It keeps what the person chose or typed for the conversation (place,
age band, residence status, their questions and the offers shown) until
`expires` (`LOTSE_CONVERSATION_HOURS` after the last step); the questions are
encrypted at rest (AES-256-GCM, `app.keyring`). "Delete this conversation"
removes the row at once; the retention job removes expired rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base

TZ = DateTime(timezone=True)


class Conversation(Base):
    __tablename__ = "conversation"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    expires: Mapped[dt.datetime] = mapped_column(TZ, index=True)
    kommune_id: Mapped[str | None] = mapped_column(String(40))
    gemeinde_id: Mapped[str | None] = mapped_column(String(40))
    place_unknown: Mapped[bool] = mapped_column(Boolean, default=False)
    age: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(40))
    asked: Mapped[list] = mapped_column(JSON, default=list)  # clarifying questions asked
    turns: Mapped[str | None] = mapped_column(Text)  # encrypted JSON list of turns
