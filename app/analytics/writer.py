"""The event writer: search events leave the request path and are stored in batches.

`record_search` only puts a small tuple on a queue (the hour and signals are taken
on the request's thread); a daemon thread per store detects the question's
language, scrubs an unanswered question, and writes up to `BATCH` events in one
transaction, at most `FLUSH_SECONDS` after they were shown. A fsync per search
(16-28 ms measured under load) is gone from the answer's latency.

Anything that reads or changes events (feedback, retention, figures) calls
`flush()` first, so it sees every event shown before. A failing write is logged
without content and the batch is dropped: these are anonymous counts, never
anyone's input. `close()` (app shutdown) writes what is queued.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from app.analytics.lexicon import detect_language
from app.analytics.models import PendingQuestion, Question, SearchEvent
from app.analytics.scrub import scrub

log = logging.getLogger("lotse.analytics")
BATCH = 200
FLUSH_SECONDS = 0.5
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Shown:
    """One answer that was shown, as the request saw it (no text is stored as such)."""

    hour: object
    day: object
    kommune: str | None
    ui_lang: str | None
    query: str
    topics: tuple[str, ...]
    confident: bool
    crisis: bool
    link: str
    link_until: object


def rows_for(item: Shown) -> list:
    """The event and, for an unanswered non-crisis question, its scrubbed text."""
    query_lang = detect_language(item.query)
    out: list = [SearchEvent(
        hour=item.hour, kommune_id=item.kommune, ui_lang=item.ui_lang, query_lang=query_lang,
        topic=item.topics[0] if item.confident and item.topics else None,
        topics=list(item.topics), confident=item.confident, crisis=item.crisis,
        referral=False, helped=None, link=item.link, link_until=item.link_until,
    )]
    if item.crisis:  # crisis texts are never kept
        return out
    text = scrub(item.query, query_lang)
    if len(_LETTER.findall(re.sub(r"\[\w+\]", "", text))) < 3:
        return out
    if not item.confident:
        out.append(Question(day=item.day, kommune_id=item.kommune, lang=query_lang, text=text))
    else:  # a gap too if "did this help?" says no or a referral follows (`record`)
        out.append(PendingQuestion(link=item.link, link_until=item.link_until, day=item.day,
                                   kommune_id=item.kommune, lang=query_lang, text=text))
    return out


class EventWriter:
    """A queue and one daemon thread that writes what is on it in batches."""

    def __init__(self, store):
        self.store = store
        self.queue: queue.Queue[Shown | threading.Event | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="lotse-events", daemon=True)
        self.thread.start()

    def submit(self, item: Shown) -> None:
        self.queue.put(item)

    def flush(self, timeout: float = 30) -> bool:
        """Wait until everything submitted before this call is written."""
        if not self.thread.is_alive():
            return False
        done = threading.Event()
        self.queue.put(done)
        return done.wait(timeout)

    def close(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self.queue.get()
            batch, waiters, stop = [], [], False
            item = first
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    waiters.append(item)
                else:
                    batch.append(item)
                if stop or len(batch) >= BATCH:
                    break
                try:
                    item = self.queue.get(timeout=0 if waiters else FLUSH_SECONDS)
                except queue.Empty:
                    break
            self._write(batch)
            for w in waiters:
                w.set()
            if stop:
                return

    def _write(self, batch: list[Shown]) -> None:
        if not batch:
            return
        try:
            with self.store.session.begin() as s:
                for item in batch:
                    s.add_all(rows_for(item))
        except (SQLAlchemyError, ValueError) as exc:
            log.warning("%d search events not recorded: %s", len(batch), type(exc).__name__)
        except Exception:  # the writer thread must never die silently
            log.exception("search events not recorded")


_lock = threading.Lock()


def writer_for(services) -> EventWriter:
    """The services' writer, started on first use."""
    with _lock:
        if services.events is None:
            services.events = EventWriter(services.store)
        return services.events


def flush(services) -> None:
    if getattr(services, "events", None) is not None:
        services.events.flush()
