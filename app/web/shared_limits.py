"""Rate limits shared by every process through the store: a fixed-window counter table.

`StoreLimits` has the interface of `app.web.ratelimit.RateLimits` (`hit`,
`blocked`, `retry_after`, `reset`), but counts in the table `rate_counter`
with one atomic upsert per event (`INSERT … ON CONFLICT DO UPDATE SET count =
count + 1 RETURNING count`, on SQLite and PostgreSQL alike), so 10 per hour per
address stays 10 per hour however many processes serve. Windows are fixed
(they start at multiples of their length), which at most doubles a burst at a
window's edge. Keys are stored as a keyed hash (BLAKE2b with the key file's
audit key), never as an address or a user name; rows are deleted when their
window has passed. `bound(session)` counts inside a caller's transaction (the
staff login, which already holds SQLite's write lock). When the store cannot
be written, counting falls back to this process's memory.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.web.ratelimit import RateLimits
from directory.models import Base

log = logging.getLogger("lotse")
PRUNE_EVERY = 60.0  # seconds between deletions of passed windows (per process)


class RateCounter(Base):
    """Events of one key in one fixed window (the key a keyed hash: no address stored)."""

    __tablename__ = "rate_counter"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires: Mapped[int] = mapped_column(Integer, index=True)


class _Counter:
    """Counting in one session (the caller's transaction or one of our own)."""

    def __init__(self, owner: StoreLimits, session: Session) -> None:
        self.owner, self.s = owner, session

    def _start(self, window: float, now: float) -> int:
        return int(now // window * window)

    def hit(self, key: str, limit: int, window: float) -> bool:
        now = time.time()
        start = self._start(window, now)
        insert = postgresql.insert if self.s.get_bind().dialect.name == "postgresql" \
            else sqlite.insert
        stmt = insert(RateCounter).values(key=self.owner.digest(key), window_start=start,
                                          count=1, expires=int(start + window))
        stmt = stmt.on_conflict_do_update(index_elements=["key", "window_start"],
                                          set_={"count": RateCounter.count + 1})
        count = self.s.execute(stmt.returning(RateCounter.count)).scalar_one()
        self.owner.maybe_prune(self.s, now)
        return bool(count > limit)

    def count(self, key: str, window: float) -> int:
        start = self._start(window, time.time())
        return int(self.s.scalar(select(RateCounter.count).where(
            RateCounter.key == self.owner.digest(key),
            RateCounter.window_start == start)) or 0)

    def blocked(self, key: str, limit: int, window: float) -> bool:
        return self.count(key, window) >= limit

    def retry_after(self, key: str, window: float) -> int:
        now = time.time()
        if not self.count(key, window):
            return 0
        return max(1, int(self._start(window, now) + window - now) + 1)

    def reset(self, key: str) -> None:
        self.s.execute(delete(RateCounter).where(RateCounter.key == self.owner.digest(key)))


class StoreLimits:
    """Rate limits in the store, for every process; memory only when the store fails."""

    def __init__(self, store_of: Callable[[], Any]) -> None:
        self.store_of = store_of
        self.fallback = RateLimits()
        self._pruned = 0.0

    def digest(self, key: str) -> str:
        keyring = getattr(self.store_of(), "keyring", None)
        secret: bytes = keyring.audit_key[:32] if keyring is not None else b""
        return hashlib.blake2b(key.encode(), key=secret, digest_size=20).hexdigest()

    def maybe_prune(self, s: Session, now: float) -> None:
        if now - self._pruned >= PRUNE_EVERY:
            self._pruned = now
            s.execute(delete(RateCounter).where(RateCounter.expires < int(now)))

    def bound(self, session: Session) -> _Counter:
        """Count inside this session's transaction."""
        return _Counter(self, session)

    def _run(self, name: str, *args: Any) -> Any:
        try:
            with self.store_of().session.begin() as s:
                return getattr(_Counter(self, s), name)(*args)
        except SQLAlchemyError as exc:  # the store is down or locked: count in memory
            log.warning("shared rate limit unavailable (%s); counting in memory",
                        type(exc).__name__)
            return getattr(self.fallback, name)(*args)

    def hit(self, key: str, limit: int, window: float) -> bool:
        return bool(self._run("hit", key, limit, window))

    def blocked(self, key: str, limit: int, window: float) -> bool:
        return bool(self._run("blocked", key, limit, window))

    def retry_after(self, key: str, window: float) -> int:
        return int(self._run("retry_after", key, window))

    def reset(self, key: str) -> None:
        self._run("reset", key)
