"""The one place background work is scheduled: the timers of a running app.

`Background(services)` is started by the app's lifespan and stopped at shutdown:
- every `LOTSE_JOBS_INTERVAL_SECONDS` (`Jobs`): the mail outbox
  (`app.referrals.notify.deliver_due`), referral retention
  (`app.referrals.retention.run_once`) and expired conversations
  (`app.assistant.state.purge_expired`), so none of them needs a cron job;
- at start-up and every `LOTSE_ANALYTICS_MAINTENANCE_MINUTES`: the anonymous
  figures' retention, WAL checkpoint and the embedding of new unanswered questions
  (`app.analytics.maintenance.run_once`);
- every `LOTSE_CHANGES_POLL_SECONDS`: the change feed of offers (`index.follow`):
  other processes' writes (editors, imports, `lotse import`, restores) reach this
  process's search index; on PostgreSQL a listener thread polls at once on NOTIFY;
  old rows of the feed are pruned with the outbox round;
- at shutdown the analytics queue is written before the process ends.
An error in one round is logged (without content) and the next round runs.
Features hold the work; only this module decides when it runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from app.analytics import maintenance
from app.assistant.state import purge_expired as purge_conversations
from app.referrals import notify, retention
from app.services import Services
from app.settings import Settings
from directory import changes
from directory.store import Store
from index.follow import Follower, Listener

log = logging.getLogger("lotse")
FEED_KEPT = dt.timedelta(days=1)  # rows of the change feed older than this are pruned


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


def prune_feed(store: Store, _settings: Settings) -> None:
    with store.session.begin() as s:
        changes.prune(s, FEED_KEPT)


class Feed:
    """Other processes' offer writes into this process's index: a timer, and a listener
    on PostgreSQL that wakes it by NOTIFY."""

    def __init__(self, services: Services) -> None:
        if services.follower is None:  # services built by hand (tools, tests): follow from now
            services.follower = Follower(services.store, services.engine,
                                         services.settings.import_reindex_above)
            services.follower.start()
        self.services = services
        self.follower: Follower = services.follower
        interval = services.settings.changes_poll_seconds
        self.timer = Timer("lotse-feed", interval, self.poll, join_timeout=30)
        self.listener = Listener(services.store, self.poll) if interval > 0 else None

    def poll(self) -> None:
        self.follower.engine = self.services.engine  # a test may have swapped it
        try:
            self.follower.poll()
        except Exception as exc:  # the store is busy or away: the next round tries again
            log.error("change feed round failed: %s", type(exc).__name__)

    def start(self) -> None:
        self.timer.start()
        if self.listener is not None:
            self.listener.start()

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.stop()
        self.timer.stop()


class Jobs:
    """The outbox, referral retention and expired conversations, one round per interval."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self.rounds = 0
        self._timer = Timer("lotse-jobs", settings.jobs_interval_seconds, self.run_round)

    def run_round(self) -> None:
        for job in (notify.deliver_due, retention.run_once, purge_conversations, prune_feed):
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
        self.feed = Feed(services)

    def start(self) -> None:
        self.feed.start()
        self.maintenance.start()
        self.jobs.start()

    def stop(self) -> None:
        self.feed.stop()
        self.jobs.stop()
        self.maintenance.stop()
        if self.services.events is not None:
            self.services.events.close()  # what is queued is written before exit
