"""Rate limits in memory: a sliding window of events per key (SEC-03, SEC-17).

`limits.hit("login-ip:1.2.3.4", limit=30, window=900)` records an event and
says whether the key is over its limit; `retry_after` gives the seconds to
wait (sent as `Retry-After` with 429). Windows slide, so nobody is locked
out for good. One `RateLimits` lives on `app.state.limits`; it is per
process (`lotse serve` runs one), and keys hold no personal content (an IP
address or a user name stays in memory only, never in logs or the store).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from starlette.requests import Request


class RateLimits:
    def __init__(self, max_keys: int = 100_000):
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self.max_keys = max_keys

    def _window(self, key: str, window: float, now: float) -> deque[float]:
        q = self._events.get(key)
        if q is None:
            if len(self._events) >= self.max_keys:
                self._prune(now)
            q = self._events[key] = deque()
        while q and q[0] <= now - window:
            q.popleft()
        return q

    def _prune(self, now: float) -> None:
        for k in [k for k, q in self._events.items() if not q or q[-1] < now - 3600]:
            del self._events[k]
        if len(self._events) >= self.max_keys:  # still full: forget the oldest half
            for k in list(self._events)[: self.max_keys // 2]:
                del self._events[k]

    def hit(self, key: str, limit: int, window: float) -> bool:
        """Count one event; True if the key is now over its limit."""
        now = time.time()
        with self._lock:
            q = self._window(key, window, now)
            q.append(now)
            return len(q) > limit

    def blocked(self, key: str, limit: int, window: float) -> bool:
        """True if the key has used up its limit (without counting a new event)."""
        now = time.time()
        with self._lock:
            return len(self._window(key, window, now)) >= limit

    def retry_after(self, key: str, window: float) -> int:
        now = time.time()
        with self._lock:
            q = self._events.get(key)
            if not q:
                return 0
            return max(1, int(q[0] + window - now) + 1)

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limited(request: Request, kind: str, limit: int, window: float = 3600) -> int:
    """Count one `kind` event for this IP; seconds to wait if it is over `limit` per
    `window` (the app's `RateLimits` on `app.state.limits`), else 0."""
    limits: RateLimits = request.app.state.limits
    key = f"{kind}-ip:{client_ip(request)}"
    if limits.hit(key, limit, window):
        return limits.retry_after(key, window)
    return 0
