"""Import jobs: a check (dry run) or an apply, run on a thread, with progress and a report.

A job belongs to the staff member who uploaded the file (nobody else sees it)
and is bound to their Kommune. Applying writes all or nothing in one
transaction (with an audit entry), then brings the search index up to date:
offer by offer for small imports, one rebuild above `LOTSE_IMPORT_REINDEX_ABOVE`.
Jobs live in memory; the newest `KEEP` are kept, the uploaded files of the newest
`KEEP_FILES` only (an older check must be uploaded again to be applied).
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field

from app.services import Services
from app.staff import audit
from directory.editing import Actor
from directory.hsds.history import ImportHistory
from directory.hsds.importer import ImportRefused, Limits, Report, run

log = logging.getLogger("lotse.import")
KEEP = 20  # jobs (reports) kept
KEEP_FILES = 5  # jobs whose uploaded file is kept, so they can still be applied


@dataclass
class Job:
    id: str
    owner: str
    kommune_id: str | None
    state_wide: bool
    name: str
    data: bytes = field(repr=False)
    phase: str = "check"  # check | apply
    state: str = "running"  # running | done | failed
    step: str = "read"  # read | write | index
    done: int = 0
    total: int = 0
    report: Report | None = None
    refused: str = ""

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str, staff) -> Job | None:
        job = self._jobs.get(job_id)
        return job if job is not None and job.owner == staff.id else None

    def start_check(self, services: Services, staff, name: str, data: bytes) -> Job:
        job = Job(secrets.token_urlsafe(16), staff.id, staff.kommune_id, staff.state_wide,
                  name, data)
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-KEEP]:
                if self._jobs[old].state != "running":
                    del self._jobs[old]
            for old in list(self._jobs)[:-KEEP_FILES]:  # uploads can be large: few in memory
                if self._jobs[old].state != "running":
                    self._jobs[old].data = b""
        self._spawn(services, staff, job)
        return job

    def start_apply(self, services: Services, staff, job: Job) -> bool:
        with self._lock:
            if job.phase != "check" or job.state != "done" or not job.report or \
                    not job.report.ok or not job.data:
                return False
            job.phase, job.state, job.step, job.done, job.total = "apply", "running", "read", 0, 0
        self._spawn(services, staff, job)
        return True

    def _spawn(self, services: Services, staff, job: Job) -> None:
        threading.Thread(target=self._run, args=(services, staff, job), daemon=True,
                         name=f"import-{job.phase}").start()

    def _run(self, services: Services, staff, job: Job) -> None:
        settings = services.settings
        limits = Limits(settings.import_max_bytes, settings.import_max_rows,
                        settings.import_max_unpacked_bytes)

        def progress(done: int, total: int) -> None:
            job.step, job.done, job.total = "write", done, total

        def audited(s, report: Report) -> None:
            audit.record(s, staff, "offer.import", "import", None, kommune_id=job.kommune_id)

        try:
            history = ImportHistory(Actor(staff.id, staff.display_name),
                                    settings.import_history_max)
            report = run(services.store, (job.name, job.data), kommune_id=job.kommune_id,
                         allow_national=job.state_wide, dry_run=job.phase == "check",
                         limits=limits, progress=progress, on_write=audited, history=history)
            if report.applied:
                job.step, job.done, job.total = "index", 0, len(report.result.touched)
                reindex(services, report.result.touched, job)
            job.report = report
            job.state = "done"
        except ImportRefused as exc:
            job.refused, job.state = str(exc), "failed"
        except Exception:  # the job page says it failed; the log has the details
            log.exception("import job failed")
            job.state = "failed"
        finally:
            if job.state == "failed" or job.phase == "apply":
                job.data = b""


def reindex(services: Services, ids: list[str], job: Job | None = None) -> None:
    """Make imported offers searchable: one by one, or one rebuild for a big import."""
    engine = services.engine
    if len(ids) > services.settings.import_reindex_above:
        def step(done: int, total: int) -> None:
            if job is not None:
                job.done, job.total = done, total

        engine.build(services.store.offers(), step)
        if engine.encoder is not None:
            engine.save(services.settings.index_dir)
        return
    found = {o.id: o for o in services.store.offers(ids=ids)}
    for i, offer_id in enumerate(ids, start=1):
        if offer_id in found:
            engine.upsert(found[offer_id])
        else:
            engine.remove(offer_id)
        if job is not None:
            job.done = i
