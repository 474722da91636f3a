"""Query encoding on one worker thread: concurrent questions share one model call.

Requests that arrive while the model is busy wait in a queue and are encoded
together as one batch when it is free, so eight concurrent clients cost
about one batched forward pass each round instead of eight serial ones. A
caller waits at most its time budget; past that it gets `None` (the engine
then answers from the lexical index) and the late result is dropped. The
last time-outs are remembered so readiness can report a degraded search.
Before each batch the worker calls `on_batch` (the encoder's `claim_threads`: how
many torch threads this batch may use).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

import numpy as np

log = logging.getLogger("lotse")
MAX_BATCH = 16
DEGRADED_FOR_S = 60.0  # a time-out marks the search degraded for this long


class QueryBatcher:
    """Encodes questions on a daemon thread in batches of up to MAX_BATCH."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], budget_ms: float = 0,
                 on_batch: Callable[[], None] | None = None):
        self._encode = encode
        self._on_batch = on_batch  # run in the worker thread before each batch
        self.budget_ms = budget_ms
        self._queue: queue.SimpleQueue[tuple[str, Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.last_timeout = 0.0
        self.timeouts = 0
        #: called with the seconds a question waited for its vector (the app's metrics)
        self.observe: Callable[[float], None] | None = None

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._start_lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="lotse-encoder",
                                                    daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            live = [(t, f) for t, f in batch if f.set_running_or_notify_cancel()]
            if not live:
                continue
            try:
                if self._on_batch is not None:
                    self._on_batch()
                vecs = self._encode([t for t, _ in live])
            except Exception as exc:  # the callers decide what a failed encoding means
                for _, f in live:
                    f.set_exception(exc)
                continue
            for (_, f), v in zip(live, vecs, strict=True):
                f.set_result(v)

    def encode(self, text: str, budget_ms: float | None = None) -> np.ndarray | None:
        """The query vector, or None when it took longer than the budget (0 = no limit)."""
        self._ensure_thread()
        fut: Future = Future()
        self._queue.put((text, fut))
        budget = self.budget_ms if budget_ms is None else budget_ms
        t0 = time.perf_counter()
        try:
            vec = fut.result(timeout=budget / 1000 if budget else None)
        except FutureTimeout:
            fut.cancel()
            self.last_timeout = time.monotonic()
            self.timeouts += 1
            log.warning("query encoding exceeded its budget of %.0f ms", budget)
            vec = None
        if self.observe is not None:
            self.observe(time.perf_counter() - t0)
        return vec

    @property
    def degraded(self) -> bool:
        """True while a time-out happened in the last minute."""
        return bool(self.last_timeout) and time.monotonic() - self.last_timeout < DEGRADED_FOR_S
