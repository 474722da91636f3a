"""The lease queue: enqueue a job, claim it (exactly one worker), heartbeat, complete, fail.

The engine of the queue contract (`app.queue.contract`) on SQLite, and the `job`
records both engines keep (on PostgreSQL Procrastinate claims, and `take` holds the
record its job names). The lease works on both stores alike:
- `claim` picks due jobs and takes one with a conditional UPDATE (`WHERE id = ? AND
  (state = 'queued' OR the lease ran out)`) inside one transaction; only the worker
  whose UPDATE changed the row owns it (PostgreSQL re-checks the condition after the
  row lock, SQLite serialises writers), so two workers never run one job;
- a claim is a lease (`locked_until`): a worker that dies loses it when the lease
  runs out and the job is claimed again (each claim counts an attempt; past
  `max_attempts` the job fails); `heartbeat` extends it and records progress;
- `complete` and `fail` only change a job the worker still holds; `fail` retries with
  back-off (10 s, 20 s, 40 s … at most 1 h) until `max_attempts`, then `failed`;
- a periodic task is one row (`key` `every:<kind>`): after each run, success or not, it
  goes back to `queued` with `run_after` one period later, so it runs once per period
  across all processes.
State lives in the store only, so every process answers for every job.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.queue.models import Job, utcnow

LEASE = dt.timedelta(minutes=2)
MAX_BACKOFF = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Claimed:
    """A job this worker holds: what the task needs to run it."""

    id: str
    kind: str
    key: str | None
    payload: dict
    attempts: int
    max_attempts: int


@dataclass(frozen=True)
class Status:
    """What a status page shows of a job (any process, any time)."""

    id: str
    kind: str
    state: str
    payload: dict
    progress: dict | None
    result: dict | None
    last_error: str | None
    attempts: int


def worker_id() -> str:
    """A name for this worker: host, process, and a random part (no two alike)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=10 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def add(session, kind: str, payload: dict, *, upload: bytes | None = None,
        max_attempts: int = 5, key: str | None = None) -> str:
    """The record of a new queued job, in the caller's transaction; returns its id."""
    job = Job(kind=kind, payload=payload, upload=upload, max_attempts=max_attempts,
              key=key, state="queued", attempts=0, run_after=utcnow())
    session.add(job)
    session.flush()
    return job.id


def enqueue(store, kind: str, payload: dict, *, upload: bytes | None = None,
            max_attempts: int = 5, key: str | None = None) -> str:
    """Queue a job to run as soon as a lease worker is free; returns its id."""
    with store.session.begin() as s:
        return add(s, kind, payload, upload=upload, max_attempts=max_attempts, key=key)


def ensure_periodic(store, kind: str) -> None:
    """The one row of a periodic task (created by whichever process comes first)."""
    key = f"every:{kind}"
    with store.session() as s:
        if s.scalar(select(Job.id).where(Job.key == key)) is not None:
            return
    try:
        with store.session.begin() as s:
            s.add(Job(kind=kind, key=key, payload={}, state="queued", attempts=0,
                      max_attempts=1, run_after=utcnow()))
    except IntegrityError:  # another process was quicker: its row is the one
        pass


def _free(now: dt.datetime):
    return or_(Job.state == "queued", and_(Job.state == "running", Job.locked_until < now))


def claim(store, worker: str, kinds: tuple[str, ...] | list[str],
          lease: dt.timedelta = LEASE) -> Claimed | None:
    """Take one due job of these kinds for `worker`, or None when there is none."""
    now = utcnow()
    due = and_(Job.kind.in_(list(kinds)), _free(now), Job.run_after <= now)
    with store.session.begin() as s:
        ids = list(s.scalars(select(Job.id).where(due).order_by(Job.run_after).limit(5)))
        for job_id in ids:
            taken = s.execute(
                update(Job).where(Job.id == job_id, due)
                .values(state="running", locked_by=worker, locked_until=now + lease,
                        attempts=Job.attempts + 1)
                .execution_options(synchronize_session=False)).rowcount
            if taken != 1:
                continue  # another worker was first
            row = s.execute(select(Job.id, Job.kind, Job.key, Job.payload, Job.attempts,
                                   Job.max_attempts).where(Job.id == job_id)).one()
            if row.key is None and row.attempts > row.max_attempts:  # its workers kept dying
                s.execute(update(Job).where(Job.id == job_id).values(
                    state="failed", locked_by=None, locked_until=None, finished_at=now,
                    last_error="lease ran out too often")
                    .execution_options(synchronize_session=False))
                continue
            return Claimed(row.id, row.kind, row.key, dict(row.payload or {}), row.attempts,
                           row.max_attempts)
    return None


def take(store, job_id: str, worker: str, lease: dt.timedelta = LEASE) -> Claimed | None:
    """Hold one named record for `worker` (the Procrastinate engine: Procrastinate already
    gave this worker the job; a record that is done, failed or gone is not run again).
    None if there is nothing to run; a record past its attempts is failed."""
    now = utcnow()
    with store.session.begin() as s:
        taken = s.execute(
            update(Job).where(Job.id == job_id, Job.state.in_(("queued", "running")))
            .values(state="running", locked_by=worker, locked_until=now + lease,
                    attempts=Job.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if taken != 1:
            return None
        row = s.execute(select(Job.id, Job.kind, Job.key, Job.payload, Job.attempts,
                               Job.max_attempts).where(Job.id == job_id)).one()
        if row.attempts > row.max_attempts:  # its workers kept dying
            s.execute(update(Job).where(Job.id == job_id).values(
                state="failed", locked_by=None, locked_until=None, finished_at=now,
                last_error="lease ran out too often")
                .execution_options(synchronize_session=False))
            return None
    return Claimed(row.id, row.kind, row.key, dict(row.payload or {}), row.attempts,
                   row.max_attempts)


def _held(job_id: str, worker: str):
    return and_(Job.id == job_id, Job.locked_by == worker, Job.state == "running")


def heartbeat(store, job: Claimed, worker: str, progress: dict | None = None,
              lease: dt.timedelta = LEASE) -> bool:
    """Extend the lease (and record progress); False if the job is no longer ours."""
    values: dict = {"locked_until": utcnow() + lease}
    if progress is not None:
        values["progress"] = progress
    with store.session.begin() as s:
        return s.execute(update(Job).where(_held(job.id, worker)).values(**values)
                         .execution_options(synchronize_session=False)).rowcount == 1


def complete(store, job: Claimed, worker: str, result: dict | None = None,
             every: float | None = None) -> bool:
    """Done (a periodic task: queued again one period later); False if no longer ours."""
    now = utcnow()
    values: dict = {"locked_by": None, "locked_until": None, "finished_at": now,
                    "last_error": None}
    if every is not None:
        values |= {"state": "queued", "attempts": 0,
                   "run_after": now + dt.timedelta(seconds=every)}
    else:
        values |= {"state": "done", "result": result}
    with store.session.begin() as s:
        return s.execute(update(Job).where(_held(job.id, worker)).values(**values)
                         .execution_options(synchronize_session=False)).rowcount == 1


def fail(store, job: Claimed, worker: str, error: str, *, retry: bool = True,
         result: dict | None = None, every: float | None = None) -> bool:
    """A failed run: retried after back-off while attempts remain, else `failed`."""
    now = utcnow()
    values: dict = {"locked_by": None, "locked_until": None, "last_error": error[:300]}
    if every is not None:
        values |= {"state": "queued", "attempts": 0,
                   "run_after": now + dt.timedelta(seconds=every)}
    elif retry and job.attempts < job.max_attempts:
        values |= {"state": "queued", "run_after": now + backoff(job.attempts)}
    else:
        values |= {"state": "failed", "finished_at": now, "result": result}
    with store.session.begin() as s:
        return s.execute(update(Job).where(_held(job.id, worker)).values(**values)
                         .execution_options(synchronize_session=False)).rowcount == 1


def status(store, job_id: str) -> Status | None:
    with store.session() as s:
        row = s.execute(select(Job.id, Job.kind, Job.state, Job.payload, Job.progress,
                               Job.result, Job.last_error, Job.attempts)
                        .where(Job.id == job_id)).one_or_none()
    if row is None:
        return None
    return Status(row.id, row.kind, row.state, dict(row.payload or {}), row.progress,
                  row.result, row.last_error, row.attempts)


def upload_of(store, job_id: str) -> bytes | None:
    with store.session() as s:
        return s.scalar(select(Job.upload).where(Job.id == job_id))


def has_upload(store, job_id: str) -> bool:
    with store.session() as s:
        return s.scalar(select(Job.id).where(Job.id == job_id, Job.upload.is_not(None))) \
            is not None


def update_payload(store, job_id: str, **changes) -> None:
    with store.session.begin() as s:
        job = s.get(Job, job_id)
        if job is not None:
            job.payload = {**(job.payload or {}), **changes}


def backlog(store, kinds: tuple[str, ...] | None = None) -> int:
    """Jobs waiting or running (periodic rows not counted)."""
    from sqlalchemy import func

    q = select(func.count(Job.id)).where(Job.state.in_(("queued", "running")),
                                         Job.key.is_(None))
    if kinds:
        q = q.where(Job.kind.in_(list(kinds)))
    with store.session() as s:
        return s.scalar(q) or 0


class Refused(Exception):  # noqa: N818 - a refusal, not a programming error
    """A job that cannot succeed (bad input): failed at once, no retry, with a result."""

    def __init__(self, result: dict) -> None:
        super().__init__("refused")
        self.result = result


def restart(store, job_id: str, payload: dict, *, max_attempts: int = 1) -> bool:
    """Queue a finished job once more with a new payload (e.g. check -> apply); only
    one caller of all processes wins (conditional UPDATE on state `done`)."""
    with store.session.begin() as s:
        return restart_in(s, job_id, payload, max_attempts=max_attempts)


def restart_in(session, job_id: str, payload: dict, *, max_attempts: int = 1) -> bool:
    """`restart` in the caller's transaction."""
    return session.execute(
        update(Job).where(Job.id == job_id, Job.state == "done")
        .values(state="queued", payload=payload, attempts=0, max_attempts=max_attempts,
                run_after=utcnow(), progress=None, result=None, finished_at=None)
        .execution_options(synchronize_session=False)).rowcount == 1


def drop_upload(store, job_id: str) -> None:
    with store.session.begin() as s:
        s.execute(update(Job).where(Job.id == job_id).values(upload=None)
                  .execution_options(synchronize_session=False))


def prune(store, kind: str, keep: int, keep_uploads: int) -> None:
    """Forget finished jobs of a kind past the newest `keep`, and the uploads of finished
    jobs past the newest `keep_uploads`."""
    from sqlalchemy import delete

    finished = and_(Job.kind == kind, Job.key.is_(None), Job.state.in_(("done", "failed")))
    with store.session.begin() as s:
        ids = list(s.scalars(select(Job.id).where(Job.kind == kind, Job.key.is_(None))
                             .order_by(Job.created_at.desc())))
        if ids[keep:]:
            s.execute(delete(Job).where(finished, Job.id.in_(ids[keep:]))
                      .execution_options(synchronize_session=False))
        if ids[keep_uploads:]:
            s.execute(update(Job).where(finished, Job.id.in_(ids[keep_uploads:]))
                      .values(upload=None).execution_options(synchronize_session=False))


def lag_seconds(store) -> float:
    """How long the oldest due job has waited for a worker (0 when none waits): the job
    lag for `/metrics`."""
    from sqlalchemy import func

    now = utcnow()
    with store.session() as s:
        oldest = s.scalar(select(func.min(Job.run_after)).where(
            Job.state == "queued", Job.run_after <= now))
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite gives naive UTC back
        oldest = oldest.replace(tzinfo=dt.UTC)
    return max(0.0, (now - oldest).total_seconds())
