"""Rate limits in memory, and the client's address behind trusted proxies (SEC-03, SEC-17).

`limits.hit("login-ip:1.2.3.4", limit=30, window=900)` records an event and
says whether the key is over its limit; `retry_after` gives the seconds to
wait (sent as `Retry-After` with 429). Windows slide, so nobody is locked
out for good. The `RateLimits` on `app.state.limits` is per process and
counts the questions per minute (one store write per question would cost
more than the limit protects; with N processes it allows N times the figure,
see README, Operations); referrals, status lookups and logins count in the
store for all processes (`app.state.shared_limits`, `app.web.shared_limits`).
Keys hold no personal content in logs or the store.

`client_ip` is the direct peer unless that peer is one of
`LOTSE_TRUSTED_PROXIES`: then the right-most address of `Forwarded` (or, without
it, `X-Forwarded-For`) that is not a trusted proxy, so a client cannot forge
its address by sending the header itself.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections import deque
from functools import lru_cache
from typing import Protocol

from starlette.datastructures import Headers
from starlette.requests import Request


class Limits(Protocol):
    """What a login or a route needs of rate limits (in memory or in the store)."""

    def hit(self, key: str, limit: int, window: float) -> bool: ...
    def blocked(self, key: str, limit: int, window: float) -> bool: ...
    def retry_after(self, key: str, window: float) -> int: ...
    def reset(self, key: str) -> None: ...


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


Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FOR = re.compile(r'for=("?)([^";,]*)\1', re.I)


@lru_cache(maxsize=8)
def networks(setting: str) -> tuple[Network, ...]:
    """Addresses or networks of a setting (`LOTSE_TRUSTED_PROXIES`,
    `LOTSE_METRICS_NETWORKS`), separated by commas or spaces; parsed once per value."""
    return tuple(ipaddress.ip_network(part, strict=False)
                 for part in re.split(r"[,\s]+", setting.strip()) if part)


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # Forwarded: "[2001:db8::1]:4711"
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # "192.0.2.1:4711"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(addr: Address | None, networks: tuple[Network, ...]) -> bool:
    return addr is not None and any(addr in net for net in networks)


def forwarded_chain(headers: Headers) -> list[str]:
    """The addresses the proxies recorded, left (client) to right (last proxy)."""
    forwarded = headers.getlist("forwarded")
    if forwarded:
        return [m.group(2) for value in forwarded for m in FOR.finditer(value)]
    return [part for value in headers.getlist("x-forwarded-for")
            for part in value.split(",") if part.strip()]


def client_ip(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    settings = getattr(request.app.state, "settings", None)
    trusted = networks(getattr(settings, "trusted_proxies", "") or "")
    if not trusted or not _trusted(_address(peer), trusted):
        return peer
    chain = forwarded_chain(request.headers)
    for hop in reversed(chain):
        addr = _address(hop)
        if addr is None:  # garbage (or "unknown") before any untrusted hop: stop here
            return peer
        if not _trusted(addr, trusted):
            return str(addr)
    first = _address(chain[0]) if chain else None
    return str(first) if first is not None else peer  # every hop is ours


def limited(request: Request, kind: str, limit: int, window: float = 3600,
            local: bool = False) -> int:
    """Count one `kind` event for this IP; seconds to wait if it is over `limit` per
    `window`, else 0. Counted in the store for all processes
    (`app.state.shared_limits`), or with `local` in this process's memory
    (`app.state.limits`)."""
    state = request.app.state
    limits: Limits = state.limits if local else getattr(state, "shared_limits", state.limits)
    key = f"{kind}-ip:{client_ip(request)}"
    if limits.hit(key, limit, window):
        return limits.retry_after(key, window)
    return 0
