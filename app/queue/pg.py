"""The Procrastinate engine of the queue (PostgreSQL): defer, periodic schedules, the worker.

On PostgreSQL the claim is Procrastinate's (`procrastinate_jobs`, a row lock and
`FOR UPDATE SKIP LOCKED`; schema from migration 19): exactly one worker of all
processes fetches each job. What a job is about stays in our `job` record
(`app.queue.models`: payload, upload, progress, result), so status pages read
one table on both engines:
- `defer` queues the Procrastinate job `lotse.job` for a record in the caller's
  transaction (Procrastinate's own `procrastinate_defer_jobs_v1`), so a record is
  never queued without its job, nor a job without its record;
- periodic tasks are Procrastinate periodic tasks `lotse.every` (`periodic_id` =
  the kind; `cron` turns our period in seconds into a cron line with a seconds
  column); every worker defers the ticks, the unique `(task, periodic_id,
  timestamp)` lets one of them win; `lock` = the kind runs a kind's ticks one after
  the other, `queueing_lock` keeps at most one tick waiting;
- a failed record job raises `Again`: Procrastinate retries it after the back-off
  the record asks for (`RetryAgain`); a refusal or the last attempt is not raised;
- `lotse.recover` (every minute) retries the jobs of workers whose heartbeat
  stopped (a killed process): an import survives its worker's death;
- `Runner` runs one Procrastinate worker on its own thread and event loop inside
  `lotse serve` / `lotse worker` (no signal handlers of its own; stopped by the
  lifespan, running jobs get `GRACE` seconds; ended by an error, e.g. the database
  away, it starts again after `RESTART_SECONDS`); with `wait=False` it only drains the
  record queue once (a process without a running worker that just queued a job).
Periodic ticks have a queue of their own (`EVERY_QUEUE`), so a drain never meets a
task it does not know. Procrastinate logs one line per job at INFO; its logger is
set to WARNING here (job ids only either way, never content).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import threading
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import make_url

log = logging.getLogger("lotse.queue")
logging.getLogger("procrastinate").setLevel(logging.WARNING)
JOB_TASK = "lotse.job"  # runs one record of the job table
EVERY_TASK = "lotse.every"  # runs one tick of a periodic task
RECOVER_TASK = "lotse.recover"
QUEUE = "lotse"  # record jobs
EVERY_QUEUE = "lotse.every"  # periodic ticks and recovery (only full workers listen here)
GRACE = 20.0  # seconds running jobs get to end at shutdown
RESTART_SECONDS = 5.0  # a worker that ended by an error (database away) starts again
STALLED_AFTER = 30.0  # seconds without a worker heartbeat: its jobs are retried
KEEP_FINISHED_HOURS = 72  # finished Procrastinate jobs kept this long (the record stays)


class Again(Exception):  # noqa: N818 - a request to run later, not a programming error
    """Raised by a record job that failed and should run again in `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"again in {seconds:.0f} s")
        self.seconds = seconds


def conninfo(url: str) -> str:
    """The libpq connection string of the store's SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def defer(session, record_id: str) -> int:
    """Queue the Procrastinate job for a record, in the caller's transaction."""
    return session.execute(text(
        "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL, "
        "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1]))"),
        {"queue": QUEUE, "task": JOB_TASK, "args": json.dumps({"record": record_id})}).scalar()


def cron(seconds: float) -> str:
    """A cron line (with a seconds column) for a period: the nearest period that divides a
    minute, an hour or a day evenly (e.g. 45 s -> every 30 s, 50 min -> every 60 min)."""
    def nearest(value: float, steps: tuple[int, ...]) -> int:
        return min(steps, key=lambda s: (abs(s - value), s))

    if seconds < 60:
        return f"* * * * * */{nearest(max(seconds, 1), (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30))}"
    minutes = nearest(seconds / 60, (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60))
    if seconds < 3600 and minutes < 60:
        return f"*/{minutes} * * * *"
    if seconds < 86400:
        return f"0 */{nearest(seconds / 3600, (1, 2, 3, 4, 6, 8, 12, 24))} * * *"
    return "0 3 * * *"


class RetryAgain:
    """Procrastinate's retry strategy for record jobs: retry exactly when the task raised
    `Again`, after the seconds it names."""

    def get_retry_decision(self, *, exception: BaseException, job):
        from procrastinate.retry import RetryDecision

        if not isinstance(exception, Again):
            return None
        return RetryDecision(retry_in={"seconds": int(max(exception.seconds, 1))})


def build(url: str, *, run_record: Callable[[str], None],
          run_every: Callable[[str, int], None], periods: dict[str, float],
          upkeep: bool = True, pool_size: int = 4, recover_cron: str = "* * * * *",
          stalled_after: float = STALLED_AFTER):
    """A Procrastinate app on the store's database with our tasks and periodic schedules
    (`upkeep=False`: the record task only, for a one-off drain)."""
    import procrastinate
    from procrastinate import retry as retry_module

    class Strategy(RetryAgain, retry_module.BaseRetryStrategy):
        pass

    connector = procrastinate.PsycopgConnector(conninfo=conninfo(url), min_size=1,
                                               max_size=pool_size)
    app = procrastinate.App(connector=connector)

    @app.task(name=JOB_TASK, queue=QUEUE, retry=Strategy())
    def job(record: str) -> None:
        run_record(record)

    if not upkeep:
        return app
    for kind, seconds in periods.items():
        def tick(timestamp: int, kind: str = kind) -> None:
            run_every(kind, timestamp)

        task = app.task(name=f"{EVERY_TASK}.{kind}", queue=EVERY_QUEUE, lock=f"every:{kind}",
                        queueing_lock=f"every:{kind}")(tick)
        app.periodic(cron=cron(seconds), periodic_id=kind)(task)

    @app.periodic(cron=recover_cron, periodic_id="recover")
    @app.task(name=RECOVER_TASK, queue=EVERY_QUEUE, queueing_lock=RECOVER_TASK)
    async def recover(timestamp: int) -> None:
        manager = app.job_manager
        for stalled in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
            log.warning("job %s of a stopped worker runs again", stalled.id)
            await manager.retry_job(stalled)
        await manager.delete_old_jobs(nb_hours=KEEP_FINISHED_HOURS, include_failed=True,
                                      include_cancelled=True, include_aborted=True)

    return app


class Runner:
    """One Procrastinate worker on a thread of this process (its own event loop)."""

    def __init__(self, app, *, name: str, poll: float, concurrency: int = 2,
                 queues: tuple[str, ...] = (QUEUE, EVERY_QUEUE), wait: bool = True,
                 heartbeat: float = 10.0) -> None:
        self.app, self.name, self.poll, self.concurrency = app, name, poll, concurrency
        self.queues, self.wait, self.heartbeat = list(queues), wait, heartbeat
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Future | None = None
        self._outer: asyncio.Task | None = None
        self.started = threading.Event()
        self._stopping = threading.Event()

    def _main(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            while not self._stopping.is_set():
                self._outer = loop.create_task(self._run())
                try:
                    loop.run_until_complete(self._outer)
                except asyncio.CancelledError:  # stopped while opening its connections
                    break
                except Exception as exc:  # e.g. the database is away: logged, tried again
                    log.error("procrastinate worker stopped: %s", type(exc).__name__)
                if not self.wait or self._stopping.wait(RESTART_SECONDS):
                    break
        finally:
            self.started.set()
            # what a cancelled start left (the pool's own tasks) ends before the loop does
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:  # gather() of nothing would make its future on another loop
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    async def _run(self) -> None:
        async with self.app.open_async():
            self._task = asyncio.ensure_future(self.app.run_worker_async(
                queues=self.queues, name=self.name, concurrency=self.concurrency,
                wait=self.wait, install_signal_handlers=False, listen_notify=self.wait,
                fetch_job_polling_interval=max(self.poll, 0.2),
                abort_job_polling_interval=max(self.poll, 1.0),
                shutdown_graceful_timeout=GRACE, update_heartbeat_interval=self.heartbeat,
                stalled_worker_timeout=STALLED_AFTER))
            if self._stopping.is_set():  # stop() came while this worker was starting
                self._task.cancel()
            self.started.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def run(self) -> None:
        """Run in the calling thread until stopped (or, with `wait=False`, until the
        queues are empty)."""
        self._main()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._main, name="lotse-procrastinate",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the worker: running jobs get `GRACE` seconds, a start still connecting is
        cancelled."""
        self._stopping.set()
        thread = self._thread
        if thread is None:
            return
        loop, outer = self._loop, self._outer
        if loop is not None and outer is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(outer.cancel)
        thread.join(timeout=GRACE + 10)
        self._thread = None


def backlog(session) -> int:
    """Procrastinate jobs waiting or running (periodic ticks included)."""
    return session.execute(text(
        "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")).scalar() \
        or 0


def lag_seconds(session) -> float:
    """How long the oldest due Procrastinate job has waited for a worker."""
    oldest = session.execute(text(
        "SELECT min(coalesce(j.scheduled_at, e.at)) FROM procrastinate_jobs j "
        "JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred' "
        "WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())")
    ).scalar()
    if oldest is None:
        return 0.0
    return max(0.0, (dt.datetime.now(dt.UTC) - oldest).total_seconds())
