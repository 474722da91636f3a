"""Tables of the corrections: suggestions for an offer, and the providers' personal links.

`Suggestion` is what someone reported about an offer (the public: what is wrong
and an optional scrubbed note; a provider: the changes it proposes); no name,
contact or IP address is stored with it. `kommune_id` is the offer's Kommune
when the suggestion came in (the queue is scoped by it). `ProviderLink` is one
expiring, single-use link sent to an offer's address: only the SHA-256 of its
token is stored.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base

TZ = DateTime(timezone=True)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Suggestion(Base):
    """One correction reported for an offer, waiting for an editor (open) or decided."""

    __tablename__ = "offer_suggestion"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    kommune_id: Mapped[str | None] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(10))  # public | provider
    kind: Mapped[str] = mapped_column(String(12))  # phone | hours | address | closed | other
    text: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(TZ, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    decided_by: Mapped[str | None] = mapped_column(String(36))


class ProviderLink(Base):
    """A personal link for the provider of one offer: confirm it or propose changes, once."""

    __tablename__ = "provider_link"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    kommune_id: Mapped[str | None] = mapped_column(String(40), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(TZ, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(TZ)
    asked_by: Mapped[str] = mapped_column(String(36))
    used_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    answer: Mapped[str | None] = mapped_column(String(12))  # confirmed | proposed
