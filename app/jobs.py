"""The one place background work is scheduled: the timers of a running app.

`Background(services)` is started by the app's lifespan and stopped at shutdown:
- every `LOTSE_JOBS_INTERVAL_SECONDS` (`Jobs`): the mail outbox
  (`app.referrals.notify.deliver_due`), referral retention
  (`app.referrals.retention.run_once`) and expired conversations
  (`app.assistant.state.purge_expired`), so none of them needs a cron job;
- at start-up and every `LOTSE_ANALYTICS_MAINTENANCE_MINUTES`: the anonymous
  figures' retention, WAL checkpoint and the embedding of new unanswered questions
  (`app.analytics.maintenance.run_once`);
- at shutdown the analytics queue is written before the process ends.
An error in one round is logged (without content) and the next round runs.
Features hold the work; only this module decides when it runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.analytics import maintenance
from app.assistant.state import purge_expired as purge_conversations
from app.referrals import notify, retention
from app.services import Services
from app.settings import Settings
from directory.store import Store

log = logging.getLogger("lotse")


class Timer:
    """A daemon thread that runs `work` every `interval` seconds until stopped."""

    def __init__(self, name: str, interval: float, work: Callable[[], None], *,
                 at_start: bool = False, join_timeout: float = 15) -> None:
        self.name, self.interval, self.work = name, interval, work
        self.at_start, self.join_timeout = at_start, join_timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        if self.at_start:
            self.work()
        while not self._stop.wait(self.interval):
            self.work()

    def start(self) -> None:
        if self.interval > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.join_timeout)
            self._thread = None


class Jobs:
    """The outbox, referral retention and expired conversations, one round per interval."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self.rounds = 0
        self._timer = Timer("lotse-jobs", settings.jobs_interval_seconds, self.run_round)

    def run_round(self) -> None:
        for job in (notify.deliver_due, retention.run_once, purge_conversations):
            try:
                job(self.store, self.settings)
            except Exception as exc:  # keep the timer alive; the next round tries again
                log.error("background job %s failed: %s", job.__name__, type(exc).__name__)
        self.rounds += 1

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()


class Background:
    """Every timer of one app: started by the lifespan, stopped at shutdown."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.jobs = Jobs(services.store, services.settings)
        minutes = services.settings.analytics_maintenance_minutes
        self.maintenance = Timer("analytics-maintenance", minutes * 60,
                                 lambda: maintenance.run_once(services),
                                 at_start=True, join_timeout=30)

    def start(self) -> None:
        self.maintenance.start()
        self.jobs.start()

    def stop(self) -> None:
        self.jobs.stop()
        self.maintenance.stop()
        if self.services.events is not None:
            self.services.events.close()  # what is queued is written before exit
