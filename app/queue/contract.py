"""The queue contract, and the one place its engine is picked from the store URL.

The contract (both engines): `enqueue` a job (its record in the `job` table,
payload, optional upload) and exactly one worker of all processes runs it;
`restart` a finished job with a new payload (one caller wins); a failed run is
retried with back-off while attempts remain; periodic tasks run once per period
across all processes; `status` of a job is read from the store, so every process
answers for every job, before and after a restart.

The engines (`engine(store)`):
- "procrastinate" when the store is PostgreSQL: the record and its Procrastinate
  job are written in one transaction (`app.queue.pg.defer`); Procrastinate's
  workers claim, retry and schedule (`app.queue.pg`);
- "lease" otherwise (SQLite): the record is the lease (`app.queue.lease`), claimed
  by a conditional UPDATE and polled by `app.jobs`.
"""

from __future__ import annotations

from app.queue import lease, pg

PROCRASTINATE, LEASE = "procrastinate", "lease"
Status = lease.Status


def engine(store) -> str:
    """Which engine runs the jobs of this store (PostgreSQL: Procrastinate)."""
    return PROCRASTINATE if store.engine.dialect.name == "postgresql" else LEASE


def enqueue(store, kind: str, payload: dict, *, upload: bytes | None = None,
            max_attempts: int = 5) -> str:
    """Queue a job; returns the id its status is read by (on any process)."""
    with store.session.begin() as s:
        job_id = lease.add(s, kind, payload, upload=upload, max_attempts=max_attempts)
        if engine(store) == PROCRASTINATE:
            pg.defer(s, job_id)
    return job_id


def restart(store, job_id: str, payload: dict, *, max_attempts: int = 1) -> bool:
    """Queue a finished job once more with a new payload; False if another caller won or
    the job is not finished."""
    with store.session.begin() as s:
        won = lease.restart_in(s, job_id, payload, max_attempts=max_attempts)
        if won and engine(store) == PROCRASTINATE:
            pg.defer(s, job_id)
    return won


def status(store, job_id: str) -> Status | None:
    return lease.status(store, job_id)


def backlog(store) -> int:
    """Jobs waiting or running (on Procrastinate: its jobs, periodic ticks included)."""
    if engine(store) == PROCRASTINATE:
        with store.session() as s:
            return pg.backlog(s)
    return lease.backlog(store)


def lag_seconds(store) -> float:
    """How long the oldest due job has waited for a worker (for /metrics)."""
    if engine(store) == PROCRASTINATE:
        with store.session() as s:
            return pg.lag_seconds(s)
    return lease.lag_seconds(store)
