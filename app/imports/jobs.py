"""Import jobs: a check (dry run) or an apply, run as a queued job, with progress and a report.

A job belongs to the staff member who uploaded the file (nobody else sees it)
and is bound to their Kommune. It lives in the store (`app.queue`: the upload,
the phase, the progress, the report), so it survives a restart and its page
answers on every process; exactly one worker of all processes runs it
(`app.jobs` registers `run` as the task "import"). Applying writes all or
nothing in one transaction (with an audit entry), then brings this process's
search index up to date: offer by offer for small imports, one rebuild above
`LOTSE_IMPORT_REINDEX_ABOVE`. The newest `KEEP` jobs are kept, the uploaded files
of the newest `KEEP_FILES` only (an older check must be uploaded again to be
applied). The report lists per offer the fields that change and the conflicts
(`directory.hsds.conflicts`); the apply carries the editor's choice per conflict
(`choices`), read only for the conflicts of this job's own report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from app.queue import contract, lease
from app.services import Services
from app.staff import audit
from app.staff.auth import Staff
from app.staff.models import StaffUser
from directory.editing import Actor
from directory.hsds.checks import Problem
from directory.hsds.history import ImportHistory
from directory.hsds.importer import ImportRefused, Limits, Report
from directory.hsds.importer import run as run_import

log = logging.getLogger("lotse.import")
KIND = "import"
KEEP = 20  # jobs (reports) kept
KEEP_FILES = 5  # jobs whose uploaded file is kept, so they can still be applied
REPORT_LIMIT = 500  # problems kept with the report (the summary counts them all)
OFFER_LIMIT = 1000  # offers with their changes kept with the report (conflicts first)
BEAT = 0.5  # seconds between progress writes
#: A worker that dies during a check or apply (its lease runs out, or Procrastinate finds
#: its heartbeat stopped) leaves the job to the next one, once: an apply writes in one
#: transaction and a second apply of the same file changes nothing, so a retry never
#: doubles an offer; a file that kills its worker twice fails.
ATTEMPTS = 2
LEASE = dt.timedelta(minutes=30)  # a worker's claim on an import job (app.jobs)


@dataclass(frozen=True)
class ReportView:
    ok: bool
    summary: dict
    problems: list[Problem] = field(default_factory=list)
    offers: list[dict] = field(default_factory=list)  # conflicts.OfferDiff.as_dict()

    @property
    def conflicts(self) -> list[dict]:
        return [o for o in self.offers if o["state"] == "conflict"]


@dataclass(frozen=True)
class Job:
    """One import job as its page shows it: read from the store, on any process."""

    id: str
    owner: str
    kommune_id: str | None
    state_wide: bool
    name: str
    phase: str  # check | apply
    state: str  # running | done | failed
    step: str  # read | write | index
    done: int
    total: int
    report: ReportView | None
    refused: str
    has_upload: bool

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None


def _view(st: lease.Status, has_upload: bool) -> Job:
    p, progress, result = st.payload, st.progress or {}, st.result or {}
    report = None
    if "summary" in result:
        report = ReportView(result["ok"], result["summary"],
                            [Problem(**x) for x in result.get("problems", [])],
                            list(result.get("offers", [])))
    state = {"queued": "running", "running": "running"}.get(st.state, st.state)
    return Job(st.id, p["owner"], p.get("kommune_id"), p.get("state_wide", False),
               p.get("name", ""), p.get("phase", "check"), state,
               progress.get("step", "read"), progress.get("done", 0),
               progress.get("total", 0), report, result.get("refused", ""), has_upload)


def get(store, job_id: str, staff) -> Job | None:
    st = lease.status(store, job_id)
    if st is None or st.kind != KIND or st.payload.get("owner") != staff.id:
        return None
    return _view(st, lease.has_upload(store, job_id))


def start_check(services: Services, staff, name: str, data: bytes) -> str:
    """Queue the check of an uploaded file; returns the job id."""
    store = services.store
    job_id = contract.enqueue(store, KIND, {
        "owner": staff.id, "kommune_id": staff.kommune_id, "state_wide": staff.state_wide,
        "name": name, "phase": "check"}, upload=data, max_attempts=ATTEMPTS)
    lease.prune(store, KIND, KEEP, KEEP_FILES)
    return job_id


def start_apply(services: Services, staff, job: Job, choices: dict | None = None) -> bool:
    """Queue the apply of a checked job; False if it cannot be applied (again).

    `choices`: {offer id: "keep" | "take" | ["merge", [field, ...]]}, kept only for the
    conflicts of the job's report (anything else keeps the directory's newer data)."""
    if job.phase != "check" or job.state != "done" or job.report is None or \
            not job.report.ok or not job.has_upload:
        return False
    own = {o["id"] for o in job.report.conflicts}
    payload = {"owner": job.owner, "kommune_id": job.kommune_id,
               "state_wide": job.state_wide, "name": job.name, "phase": "apply",
               "choices": {k: v for k, v in (choices or {}).items() if k in own}}
    return contract.restart(services.store, job.id, payload, max_attempts=ATTEMPTS)


def run(services: Services, job: lease.Claimed, worker) -> dict:
    """The task: check or apply the job's upload (in whichever process claimed it)."""
    store, settings, p = services.store, services.settings, job.payload
    limits = Limits(settings.import_max_bytes, settings.import_max_rows,
                    settings.import_max_unpacked_bytes)
    data = lease.upload_of(store, job.id) or b""
    with store.session() as s:
        user = s.get(StaffUser, p["owner"])
        if user is None:
            raise lease.Refused({"refused": ""})
        staff = Staff.of(user, "")
    actor = Actor(staff.id, staff.display_name)
    last = [0.0]

    def beat(step: str, done: int, total: int, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - last[0] >= BEAT:
            last[0] = now
            lease.heartbeat(store, job, worker.id, {"step": step, "done": done, "total": total})

    def audited(s, report: Report) -> None:
        audit.record(s, staff, "offer.import", "import", None, kommune_id=p.get("kommune_id"))

    # SQLite has one writer: no progress writes while the import's own transaction holds
    # the store (the page shows "writing", the lease covers the longest run); PostgreSQL
    # writes progress (and extends the lease) from its own connection meanwhile
    beat("write", 0, 0, force=True)
    concurrent = store.engine.dialect.name == "postgresql"
    try:
        report = run_import(store, (p["name"], data), kommune_id=p.get("kommune_id"),
                            allow_national=p.get("state_wide", False),
                            dry_run=p.get("phase") == "check", limits=limits,
                            progress=(lambda d, t: beat("write", d, t)) if concurrent else None,
                            on_write=audited,
                            history=ImportHistory(actor, settings.import_history_max),
                            choices=p.get("choices") or {})
    except ImportRefused as exc:
        lease.drop_upload(store, job.id)
        raise lease.Refused({"refused": str(exc)}) from exc
    if report.applied:
        touched = report.result.touched if report.result else []
        beat("index", 0, len(touched), force=True)
        reindex(services, touched, lambda d, t: beat("index", d, t))
        lease.drop_upload(store, job.id)
    return {"ok": report.ok, "summary": report.summary(),
            "problems": [dataclasses.asdict(x) for x in report.problems[:REPORT_LIMIT]],
            "offers": offers(report)}


def offers(report: Report) -> list[dict]:
    """The report's offers for the page, conflicts first; after an apply each conflict
    says what became of it (`outcome`: keep, take or merge)."""
    listed = sorted(report.offers, key=lambda d: d.state != "conflict")[:OFFER_LIMIT]
    out = []
    for d in listed:
        item = d.as_dict()
        if report.applied and d.state == "conflict":
            item["outcome"] = report.resolved.get(d.id, "keep")
        out.append(item)
    return out


def reindex(services: Services, ids: list[str], step=None) -> None:
    """Make imported offers searchable: one by one, or one rebuild for a big import."""
    engine = services.engine
    if len(ids) > services.settings.import_reindex_above:
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
        if step is not None:
            step(i, len(ids))
