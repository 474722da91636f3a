"""How many CPUs other work leaves free: the encoder's thread count for questions follows it.

Torch runs a question faster on two threads than on one (about 19 against 29 ms on an
idle 2-core machine), but its parallel regions wait for their slowest thread: while
another task keeps a core busy, two threads are 4-9x slower than one (issue 15). So a
question takes the spare CPUs only while no other work wants them.

`spare_cpus()` counts, at this instant, the tasks of the machine that run or wait for a
CPU (`/proc/loadavg`, "running/total") less this process's own running threads
(`/proc/self/task/*/stat`, state R: the encoder thread itself, a request thread that is
just handing over its question): what is left is other work. An average over a time
window was tried first (`/proc/stat`): it charged the next question for work that had
already ended, such as a client that encodes between two requests. Where `/proc` is
missing the answer is None: no more threads than asked for.

Work that has just ended still shows for a few milliseconds: OpenMP threads (torch's in
another process, say) spin for 2-4 ms after their last task before they sleep. So
`SpareCpus.read` looks again for up to `settle` seconds when it first sees other work,
and only other work that stays counts. Once it stayed, the next `quiet` seconds have no
spare CPU without looking, and a look right after them that still sees other work
believes it at once: under lasting load the wait is paid once, and a look costs one
read of /proc every quarter of a second, not one per question.
"""

from __future__ import annotations

import os
import time

SETTLE = 0.004  # seconds other work may take to go (OpenMP threads spin 2-4 ms)
QUIET = 0.25  # seconds a lasting load is believed without looking


def cpu_count() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _running_here() -> int:
    """Threads of this process that run or wait for a CPU now."""
    n = 0
    with os.scandir("/proc/self/task") as tasks:
        for task in tasks:
            try:
                with open(f"/proc/self/task/{task.name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:  # the thread ended meanwhile
                continue
            end = stat.rfind(b")")  # the name may hold spaces and brackets
            n += stat[end + 2:end + 3] == b"R"
    return n


def spare_cpus() -> int | None:
    """CPUs of this process's set that no other process's task wants now; None if unknown."""
    try:
        with open("/proc/loadavg", "rb") as f:
            running = int(f.read().split()[3].split(b"/")[0])
        others = max(0, running - _running_here())
    except (OSError, IndexError, ValueError):
        return None
    return max(0, cpu_count() - others)


class SpareCpus:
    """`spare_cpus`, with work that is just ending given `settle` seconds to end, and a
    lasting load believed for `quiet` seconds without looking."""

    def __init__(self, settle: float = SETTLE, quiet: float = QUIET) -> None:
        self.settle, self.quiet = settle, quiet
        self._busy_until = 0.0  # a lasting load was seen: no spare CPU until then

    def read(self, want: int) -> int | None:
        """Spare CPUs (None if unknown); when fewer than `want`, look again for up to
        `settle` seconds, unless a lasting load was seen just before."""
        now = time.monotonic()
        if now < self._busy_until:
            return 0
        spare = spare_cpus()
        if spare is None or spare >= want:
            return spare
        lasting = now - self._busy_until < self.quiet  # it was there a moment ago too
        while not lasting and time.monotonic() - now < self.settle:
            time.sleep(0.0005)
            spare = spare_cpus()
            if spare is None or spare >= want:
                return spare
        self._busy_until = time.monotonic() + self.quiet
        return spare
