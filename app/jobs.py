"""The one place background work is scheduled: tasks, periods, and the workers that run them.

Every task runs as a job of the queue (`app.queue.contract`), so exactly one
worker of all processes runs each job, and a periodic task runs once per period
across all of them. The engine follows the store: on PostgreSQL Procrastinate
(`app.queue.pg`: one Procrastinate worker thread per process, woken by NOTIFY),
on SQLite the lease table (`app.queue.lease`: two polling worker threads).
- every `LOTSE_JOBS_INTERVAL_SECONDS`: the mail outbox
  (`app.referrals.notify.deliver_due`, which also claims each mail before it is
  sent), referral retention (`app.referrals.retention.run_once`), expired
  conversations (`app.assistant.state.purge_expired`), the change feed's old
  rows and crypto-shredding after erasures (`app.referrals.shred.run_once`: a key
  rotation once an erasure is `LOTSE_SHRED_DELAY_SECONDS` old), so none needs a
  cron job;
- every `LOTSE_ANALYTICS_MAINTENANCE_MINUTES`: the anonymous figures' retention,
  WAL checkpoint and the embedding of new unanswered questions
  (`app.analytics.maintenance.run_once`);
- on demand: what a feature queued with `app.queue.contract.enqueue` (`TASKS`:
  imports).
Each process runs jobs unless `LOTSE_JOBS_POLL_SECONDS` is 0 (a web-only process
beside `lotse worker`); on SQLite it looks for due jobs that often. Apart from the
queue, each process follows the change feed of offers (`index.follow`) every
`LOTSE_CHANGES_POLL_SECONDS`: other processes' writes (editors, imports, `lotse
import`, restores) reach this process's search index; on PostgreSQL a listener
thread polls at once on NOTIFY.
At shutdown the analytics queue is written before the process ends. An error in
a job is logged (without content); periodic tasks run again next period, others
retry with back-off.
Features hold the work; only this module decides when it runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from app.analytics import maintenance
from app.assistant.state import purge_expired as purge_conversations
from app.imports import jobs as imports
from app.queue import contract, lease, pg
from app.referrals import notify, retention, shred
from app.services import Services
from app.settings import Settings
from directory import changes
from index.follow import Follower, Listener

log = logging.getLogger("lotse")
FEED_KEPT = dt.timedelta(days=1)  # rows of the change feed older than this are pruned

Task = Callable[[Services, lease.Claimed, "Worker"], dict | None]


def _outbox(services: Services, job: lease.Claimed, worker: Worker) -> None:
    notify.deliver_due(services.store, services.settings, worker=worker.id)


def _retention(services: Services, job: lease.Claimed, worker: Worker) -> None:
    retention.run_once(services.store, services.settings)


def _conversations(services: Services, job: lease.Claimed, worker: Worker) -> None:
    purge_conversations(services.store, services.settings)


def _analytics(services: Services, job: lease.Claimed, worker: Worker) -> None:
    maintenance.run_once(services)


def _prune_feed(services: Services, job: lease.Claimed, worker: Worker) -> None:
    with services.store.session.begin() as s:
        changes.prune(s, FEED_KEPT)


def _shred(services: Services, job: lease.Claimed, worker: Worker) -> dict | None:
    return shred.run_once(services.store, services.settings)


#: every task by the job kind it runs
TASKS: dict[str, Task] = {
    "outbox": _outbox, "retention": _retention, "conversations": _conversations,
    "analytics": _analytics, "feed": _prune_feed, "shred": _shred, imports.KIND: imports.run,
}


DEFAULT_PERIOD = 60.0
UPKEEP = ("outbox", "retention", "conversations", "analytics", "feed", "shred")  # periodic


def periods(settings: Settings) -> dict[str, float]:
    """Seconds between runs of each periodic task (a period of 0 = never)."""
    every = settings.jobs_interval_seconds
    analytics = settings.analytics_maintenance_minutes * 60
    return {kind: seconds for kind, seconds in (
        ("outbox", every), ("retention", every), ("conversations", every),
        ("analytics", analytics), ("feed", every), ("shred", every)) if seconds > 0}


class Worker:
    """Claims due jobs of some kinds and runs them, one at a time, in the calling thread."""

    def __init__(self, services: Services, kinds: tuple[str, ...] | None = None) -> None:
        self.services = services
        # the longest lease any of its kinds needs (an import runs for minutes)
        self.lease = imports.LEASE if imports.KIND in (kinds or TASKS) else lease.LEASE
        self.id = lease.worker_id()
        self.periods = periods(services.settings)
        self.kinds = kinds or tuple(TASKS)
        self.runs = 0
        self._scheduled = False

    def schedule(self) -> None:
        for kind in self.periods:
            if kind in self.kinds:
                lease.ensure_periodic(self.services.store, kind)
        self._scheduled = True

    def run_due(self, most: int = 100) -> int:
        """Run due jobs until none is left (at most `most`); returns how many ran.
        Lease engine only: on PostgreSQL Procrastinate is the one claimant."""
        if contract.engine(self.services.store) == contract.PROCRASTINATE:
            return 0
        if not self._scheduled:
            self.schedule()
        ran = 0
        while ran < most:
            job = lease.claim(self.services.store, self.id, self.kinds, self.lease)
            if job is None:
                break
            self.run(job)
            ran += 1
        return ran

    def run(self, job: lease.Claimed) -> float | None:
        """Run a held job; returns the back-off in seconds when it is to run again."""
        store = self.services.store
        # a periodic row keeps its period (a process without one for it still re-queues it)
        every = self.periods.get(job.kind, DEFAULT_PERIOD) if job.key else None
        again = None
        try:
            result = TASKS[job.kind](self.services, job, self)
        except lease.Refused as refused:  # bad input: no retry, the result says why
            lease.fail(store, job, self.id, "refused", retry=False, result=refused.result)
        except Exception as exc:  # the job fails; the worker goes on
            log.error("background job %s failed: %s", job.kind, type(exc).__name__)
            lease.fail(store, job, self.id, type(exc).__name__, every=every)
            if every is None and job.attempts < job.max_attempts:
                again = lease.backoff(job.attempts).total_seconds()
        else:
            lease.complete(store, job, self.id, result, every=every)
        self.runs += 1
        return again

    def run_record(self, job_id: str) -> None:
        """Procrastinate's job `lotse.job`: run one record (raises `pg.Again` to retry)."""
        job = lease.take(self.services.store, job_id, self.id, self.lease)
        if job is None:  # finished, failed or gone: nothing to do
            return
        again = self.run(job)
        if again is not None:
            raise pg.Again(again)

    def run_every(self, kind: str, timestamp: int = 0) -> None:
        """Procrastinate's periodic `lotse.every.<kind>`: one tick of a periodic task."""
        job = lease.Claimed(f"every:{kind}", kind, f"every:{kind}", {}, 1, 1)
        try:
            TASKS[kind](self.services, job, self)
        except Exception as exc:  # logged here without content; the next tick runs anyway
            log.error("background job %s failed: %s", kind, type(exc).__name__)
            raise
        self.runs += 1


class Timer:
    """A daemon thread that runs `work` every `interval` seconds until stopped."""

    def __init__(self, name: str, interval: float, work: Callable[[], object], *,
                 join_timeout: float = 15) -> None:
        self.name, self.interval, self.work = name, interval, work
        self.join_timeout = join_timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        while True:
            try:
                self.work()
            except Exception as exc:  # e.g. the store is briefly locked: try next round
                log.error("%s round failed: %s", self.name, type(exc).__name__)
            if self._stop.wait(self.interval):
                return

    def start(self) -> None:
        if self.interval > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.join_timeout)
            self._thread = None


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


class Background:
    """The workers of one process: started by the lifespan, stopped at shutdown.

    SQLite: periodic upkeep and queued feature jobs (imports) have a polling worker
    thread each, so a long import never holds up the outbox. PostgreSQL: one
    Procrastinate worker running two jobs at a time (`app.queue.pg.Runner`)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        poll = services.settings.jobs_poll_seconds
        self.engine = contract.engine(services.store)
        self.runner: pg.Runner | None = None
        self.timers: list[Timer] = []
        if self.engine == contract.PROCRASTINATE:
            worker = Worker(services)
            self.workers = [worker]
            if poll > 0:
                url = services.store.engine.url.render_as_string(hide_password=False)
                app = pg.build(url, run_record=worker.run_record, run_every=worker.run_every,
                               periods=worker.periods)
                self.runner = pg.Runner(app, name=worker.id, poll=poll)
        else:
            upkeep = tuple(k for k in TASKS if k in periods(services.settings))
            on_demand = tuple(k for k in TASKS if k not in UPKEEP)
            self.workers = [Worker(services, kinds) for kinds in (upkeep, on_demand) if kinds]
            self.timers = [Timer(f"lotse-jobs-{i}", poll, w.run_due, join_timeout=30)
                           for i, w in enumerate(self.workers)]
        self.feed = Feed(services)

    def start(self) -> None:
        self.feed.start()
        for timer in self.timers:
            timer.start()
        if self.runner is not None:
            self.runner.start()

    def stop(self) -> None:
        self.feed.stop()
        for timer in self.timers:
            timer.stop()
        if self.runner is not None:
            self.runner.stop()
        if self.services.events is not None:
            self.services.events.close()  # what is queued is written before exit


def drain(services: Services) -> int:
    """Run the due on-demand jobs (imports) in this thread until none is left; returns how
    many ran. The engine's claim still lets only one worker of all processes run each."""
    worker = Worker(services, tuple(k for k in TASKS if k not in UPKEEP))
    if contract.engine(services.store) == contract.PROCRASTINATE:
        url = services.store.engine.url.render_as_string(hide_password=False)
        app = pg.build(url, run_record=worker.run_record, run_every=worker.run_every,
                       periods={}, upkeep=False, pool_size=2)
        pg.Runner(app, name=worker.id, poll=1.0, concurrency=1, queues=(pg.QUEUE,),
                  wait=False).run()
        return worker.runs
    return worker.run_due()


def wake(services: Services, background: Background | None = None) -> None:
    """Run due on-demand jobs (an upload just queued) now, on a thread of this process,
    instead of waiting for the next poll (`drain`). On Procrastinate the job's NOTIFY
    already wakes every running worker: only a process without one (an app without its
    lifespan, e.g. in tests) drains. A process with `LOTSE_JOBS_POLL_SECONDS=0` runs none."""
    if services.settings.jobs_poll_seconds <= 0:
        return
    if background is not None and background.runner is not None:
        return
    threading.Thread(target=drain, args=(services,), name="lotse-jobs-wake",
                     daemon=True).start()
