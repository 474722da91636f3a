"""How many CPUs other work leaves free: the encoder's thread count for questions follows it.

Torch runs a question faster on two threads than on one (about 19 against 29 ms on an
idle 2-core machine), but its parallel regions wait for their slowest thread: while
another task keeps a core busy, two threads are 4-9x slower than one (issue 15). So a
question takes the spare CPUs only while other work leaves them free.

`SpareCpus.read()` compares the machine's busy CPU time (`/proc/stat`, all CPUs) with
this process's own (`time.process_time`) since the previous look, at most every
`window` seconds; what is busy and not this process is other work. It is an average
over the window, not the instant count of runnable tasks (`/proc/loadavg`), which
counts the caller, the request thread handing over its question and any shell
command of the moment. Where `/proc/stat` is missing the answer is None: no more
threads than asked for.
"""

from __future__ import annotations

import os
import time

WINDOW = 0.1  # seconds: a shorter look sees a few clock ticks only (10 ms each)


def cpu_count() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _busy_seconds() -> float | None:
    """CPU seconds all CPUs of the machine spent busy since boot (not idle, not iowait)."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    if len(fields) < 8:
        return None
    busy = sum(fields) - fields[3] - fields[4]  # user … steal, without idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


class SpareCpus:
    """CPUs of this process's set that other work left free over the last look."""

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self.cpus = cpu_count()
        self._last: tuple[float, float, float] | None = None  # wall, machine busy, own CPU
        self._spare: float | None = None

    def read(self) -> float | None:
        """Spare CPUs (0 … cpus) over the last window; None while unknown."""
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < self.window:
            return self._spare
        busy = _busy_seconds()
        if busy is None:
            return None
        own = time.process_time()
        if self._last is not None:
            wall, busy0, own0 = self._last
            others = max(0.0, (busy - busy0) - (own - own0)) / (now - wall)
            self._spare = max(0.0, self.cpus - others)
        self._last = (now, busy, own)
        return self._spare
