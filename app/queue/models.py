"""The `job` table: background work that exactly one worker claims (`app.queue.lease`).

A row is one job: its `kind` (the task `app.jobs` runs), a JSON `payload`, its
`state` (queued | running | done | failed), the lease (`locked_by`,
`locked_until`: a worker that dies loses its claim when the lease runs out),
`attempts` against `max_attempts`, `run_after` (back-off and periodic timing),
`progress` and `result` (JSON, shown by status pages on every process) and the
`upload` an import job works on (deferred: listing jobs never loads it).
A periodic task is one row with the unique `key` `every:<kind>` that goes back
to `queued` with a later `run_after` after each run. No personal data: payloads
name ids and file names, never a person.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base


def _uuid() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Job(Base):
    __tablename__ = "job"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                   index=True)
    locked_by: Mapped[str | None] = mapped_column(String(80))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    progress: Mapped[dict | None] = mapped_column(JSON)
    result: Mapped[dict | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(String(300))
    upload: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
