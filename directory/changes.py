"""The change feed of offers: one row per write of an offer, in the write's transaction.

Every write of an offer records `(sequence, offer id, Kommune, kind)` here inside its
own transaction, so the feed and the offers never disagree: the editors' saves
(`directory.editing`, kinds create/update/archive/restore/verify/undo), imports from
the upload page and from `lotse import` (`directory.hsds.importer`, kind import), and
the whole-store events (`record_all`: a restored backup, the demo directory), which
ask every process to compare all offers. Each running process reads the rows after
the last sequence it has seen (`since`) and applies them to its search index
(`app.changefeed`).

Sequences are handed out in commit order: on PostgreSQL a writer takes a transaction
lock (`pg_advisory_xact_lock`) before its row gets its number, so a reader never
sees number 7 committed while 6 is still to come; SQLite writers are serialised
anyway (`BEGIN IMMEDIATE`). On PostgreSQL the commit also sends `NOTIFY
lotse_offer_changes`, so listeners need not wait for their next poll. Old rows are
pruned (`prune`), the newest always kept, so sequences never restart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import DateTime, Integer, String, delete, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.models import Base

CHANNEL = "lotse_offer_changes"  # PostgreSQL NOTIFY channel
FEED_LOCK_KEY = 0x4C6F747366  # transaction lock that orders the sequence numbers
ALL = "*"  # offer id of a whole-store change: compare every offer


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OfferFeed(Base):
    """One write of an offer (or, with offer id `*`, of the whole directory)."""

    __tablename__ = "offer_feed"
    __table_args__ = {"sqlite_autoincrement": True}  # a pruned number is never reused
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offer_id: Mapped[str] = mapped_column(String(36))
    kommune_id: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


@dataclass(frozen=True)
class Change:
    seq: int
    offer_id: str
    kommune_id: str | None
    kind: str
    at: dt.datetime | None = None

    @property
    def everything(self) -> bool:
        return self.offer_id == ALL


def _ordered(session: Session) -> None:
    """Take the feed's transaction lock (PostgreSQL): numbers are drawn in commit order."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(FEED_LOCK_KEY)))


def _notify(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(CHANNEL, "")))


def record(session: Session, offer_id: str, kommune_id: str | None, kind: str) -> None:
    """One offer was written in this transaction."""
    record_many(session, [(offer_id, kommune_id)], kind)


def record_many(session: Session, offers: Iterable[tuple[str, str | None]], kind: str) -> None:
    """Offers `(id, Kommune)` were written in this transaction (one notification)."""
    rows = [{"offer_id": oid, "kommune_id": kid, "kind": kind, "at": _now()}
            for oid, kid in offers]
    if not rows:
        return
    _ordered(session)
    session.execute(insert(OfferFeed), rows)
    _notify(session)


def record_all(session: Session, kind: str) -> None:
    """The whole directory may have changed (a restore, the demo directory)."""
    record_many(session, [(ALL, None)], kind)


def _select():  # the five columns of a Change
    return select(OfferFeed.seq, OfferFeed.offer_id, OfferFeed.kommune_id, OfferFeed.kind,
                  OfferFeed.at)


def latest(session: Session) -> int:
    """The newest sequence number (0 for an empty feed)."""
    return int(session.scalar(select(func.coalesce(func.max(OfferFeed.seq), 0))) or 0)


def newest(session: Session) -> Change | None:
    """The newest row (None for an empty feed)."""
    row = session.execute(_select().order_by(OfferFeed.seq.desc()).limit(1)).first()
    return Change(*row) if row else None


def at(session: Session, seq: int) -> Change | None:
    """The row of sequence `seq`, if it is (still) there."""
    row = session.execute(_select().where(OfferFeed.seq == seq)).first()
    return Change(*row) if row else None


def since(session: Session, seq: int, limit: int = 10_000) -> list[Change]:
    """The changes after `seq`, oldest first."""
    rows = session.execute(_select().where(OfferFeed.seq > seq).order_by(OfferFeed.seq)
                           .limit(limit))
    return [Change(*r) for r in rows]


def prune(session: Session, older_than: dt.timedelta) -> int:
    """Delete rows older than `older_than`, always keeping the newest; how many went."""
    newest = latest(session)
    result = session.execute(delete(OfferFeed).where(OfferFeed.at < _now() - older_than,
                                                     OfferFeed.seq < newest))
    return int(getattr(result, "rowcount", 0) or 0)
