"""Following the change feed: every process applies other processes' offer writes.

`Follower(store, engine)` remembers the last row of `directory.changes` it has
applied (`start` reads the newest one *before* the index is loaded, so nothing
written meanwhile is missed; applying a change twice does no harm). `poll` reads
the rows after it and brings the engine's offers (the search index and the offer
records pages read from it) up to date: each named offer is read from the store
and upserted if it differs from the one held, removed if it is no longer active.
A whole-store row (a restore, the demo directory) or a feed that is no longer the
one it followed (its last row gone or another row under that number: a restored
backup) compares every offer. More than `rebuild_above` differing
offers rebuild the index once instead of offer by offer.

`poll` runs on a timer (`app.jobs`, every `LOTSE_CHANGES_POLL_SECONDS`); on
PostgreSQL a `Listener` thread also waits for `NOTIFY lotse_offer_changes` and
polls at once, the timer staying as the fallback. The process's own writes are
already in its index (the editors and import reindex at once): for them the
comparison finds nothing to do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from directory import changes
from directory.store import Offer, Store
from index.engine import SearchEngine

log = logging.getLogger("lotse")
CHUNK = 500  # offer ids per query


class Follower:
    def __init__(self, store: Store, engine: SearchEngine, rebuild_above: int = 500):
        self.store, self.engine, self.rebuild_above = store, engine, rebuild_above
        self.seen = 0
        self.seen_row: changes.Change | None = None  # the row of `seen`, to notice a restore
        self.applied = 0  # offers upserted or removed because of the feed
        self.last_change_at: float | None = None  # monotonic time of the last applied change
        self._lock = threading.Lock()

    def start(self) -> int:
        """Take the newest sequence as seen (call before the index is loaded)."""
        with self.store.session() as s:
            self.seen_row = changes.newest(s)
        self.seen = self.seen_row.seq if self.seen_row else 0
        return self.seen

    def poll(self) -> int:
        """Apply every change after the last seen one; returns offers changed in the index."""
        with self._lock:
            done = 0
            while True:
                with self.store.session() as s:
                    batch = changes.since(s, self.seen)
                    mine = changes.at(s, self.seen) if self.seen_row and not batch else None
                    newest = changes.newest(s) if self.seen_row and not batch else None
                if not batch:
                    if self.seen_row and mine != self.seen_row:  # another feed: a restore
                        log.warning("the change feed was replaced (a restored store); "
                                    "comparing all offers")
                        done += self._sync(None)
                        self.seen_row = newest
                        self.seen = newest.seq if newest else 0
                    return done
                if any(c.everything for c in batch):
                    done += self._sync(None)
                else:
                    done += self._sync(dict.fromkeys(c.offer_id for c in batch))
                self.seen_row, self.seen = batch[-1], batch[-1].seq

    def _sync(self, ids: Iterable[str] | None) -> int:
        """Bring the named offers (None: all) of the engine in line with the store."""
        held = self.engine.offers
        if ids is None:
            stored = {o.id: o for o in self.store.offers()}
            names = list(stored.keys() | held.keys())
        else:
            names = list(ids)
            stored = {}
            for start in range(0, len(names), CHUNK):
                stored.update((o.id, o) for o in self.store.offers(ids=names[start:start + CHUNK]))
        changed: list[Offer] = [stored[i] for i in names
                                if i in stored and held.get(i) != stored[i]]
        gone = [i for i in names if i not in stored and i in held]
        if not changed and not gone:
            return 0
        if len(changed) + len(gone) > self.rebuild_above:
            self.engine.build(self.store.offers())
        else:
            for offer in changed:
                self.engine.upsert(offer)
            for offer_id in gone:
                self.engine.remove(offer_id)
        self.applied += len(changed) + len(gone)
        self.last_change_at = time.monotonic()
        return len(changed) + len(gone)


class Listener:
    """On PostgreSQL: a thread that LISTENs for the feed's NOTIFY and calls `wake`."""

    def __init__(self, store: Store, wake: Callable[[], object], retry: float = 5.0):
        self.store, self.wake, self.retry = store, wake, retry
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def available(self) -> bool:
        return self.store.engine.dialect.name == "postgresql"

    def start(self) -> None:
        if self.available and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="lotse-listen", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:  # the server went away: the timer polls meanwhile  # noqa: BLE001
                log.warning("change feed listener lost its connection (%s); retrying",
                            type(exc).__name__)
            self.listening.clear()
            self._stop.wait(self.retry)

    def _listen(self) -> None:
        raw = self.store.engine.raw_connection()
        try:
            conn = raw.driver_connection
            conn.autocommit = True  # type: ignore[union-attr]
            conn.execute(f"LISTEN {changes.CHANNEL}")  # type: ignore[union-attr]
            self.listening.set()
            while not self._stop.is_set():
                for _ in conn.notifies(timeout=1.0, stop_after=1):  # type: ignore[union-attr]
                    self.wake()
        finally:
            raw.invalidate()  # a LISTENing connection does not go back to the pool
