"""Import pages for editors: /staff/import (upload), the job page, template downloads.

Upload a file -> the check runs as a job -> the dry-run report (a table by row
and field, in German; per offer the fields that change, old -> new; the
conflicts, rows older than the offer's last change, each with a choice: keep
ours, take theirs, or merge field by field) -> "Apply" -> the import runs as a
job -> done. While a
job runs, the page polls its status with htmx (a <progress> element; without
JavaScript a reload link does the same). An editor imports for their own
Kommune only; a state-wide admin may also import nationwide offers.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from app.i18n import staff_gettext as _s
from app.imports import jobs
from app.staff.auth import Staff, require_staff
from app.staff.routes import HOME_LINKS
from app.staff.web import render_staff
from app.web.deps import ServicesDep
from app.web.rendering import hx_redirect
from directory.hsds import sheet
from directory.reference import taxonomy

router = APIRouter(include_in_schema=False)
EDITORS = require_staff("editor", "admin")

HOME_LINKS.append(("editor", "/staff/import", lambda: _s("Import offers (spreadsheet, HSDS)")))
HOME_LINKS.append(("admin", "/staff/import", lambda: _s("Import offers (spreadsheet, HSDS)")))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _topics() -> dict[str, str]:
    return {t["code"]: t["de"] for t in taxonomy()}


@router.get("/staff/import")
def upload_page(request: Request, staff: Staff = Depends(EDITORS)):
    return render_staff(request, staff, "staff/import.html",
                        {"columns": sheet.COLUMNS, "error": "",
                         "max_mb": request.app.state.settings.import_max_bytes / 1e6})


@router.get("/staff/import/template.xlsx")
def template_xlsx(staff: Staff = Depends(EDITORS)):
    return Response(sheet.template_xlsx(_topics()), media_type=XLSX, headers={
        "Content-Disposition": 'attachment; filename="kim-lotse-vorlage.xlsx"'})


@router.get("/staff/import/template.csv")
def template_csv(staff: Staff = Depends(EDITORS)):
    return Response(sheet.template_csv(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="kim-lotse-vorlage.csv"'})


@router.get("/staff/import/offers.xlsx")
def offers_xlsx(request: Request, services: ServicesDep, staff: Staff = Depends(EDITORS)):
    """The offers of the staff member's Kommune (all for state-wide) as the template."""
    from directory.hsds.exporter import sheet_xlsx

    with services.store.session() as s:
        data = sheet_xlsx(s, staff.kommune_id)
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": 'attachment; filename="kim-lotse-angebote.xlsx"'})


@router.post("/staff/import")
async def upload(request: Request, services: ServicesDep, file: UploadFile | None = None,
                 staff: Staff = Depends(EDITORS)):
    limit = request.app.state.settings.import_max_bytes
    data = await file.read(limit + 1) if file is not None else b""
    error = ""
    if not data:
        error = _s("Please choose a file.")
    elif len(data) > limit:
        error = _s("The file is larger than %(mb).0f MB.") % {"mb": limit / 1e6}
    if error:
        return render_staff(request, staff, "staff/import.html",
                            {"columns": sheet.COLUMNS, "error": error, "max_mb": limit / 1e6},
                            status_code=422)
    name = (file.filename or "upload")[-200:]
    job_id = jobs.start_check(services, staff, name, data)
    request.app.state.wake_jobs()
    return RedirectResponse(f"/staff/import/jobs/{job_id}", status_code=303)


def _job_or_404(services, staff: Staff, job_id: str) -> jobs.Job:
    job = jobs.get(services.store, job_id[:40], staff)
    if job is None:
        raise HTTPException(404, _s("Not found."))
    return job


@router.get("/staff/import/jobs/{job_id}")
def job_page(request: Request, services: ServicesDep, job_id: str,
             staff: Staff = Depends(EDITORS)):
    # one row, read at once: "done" always comes with its report (the job's state in the
    # store, so any process answers, also after a restart)
    job = _job_or_404(services, staff, job_id)
    report = job.report
    problems = report.problems if report else []
    return render_staff(request, staff, "staff/import_job.html",
                        {"job": job, "report": report, "problems": problems,
                         "summary": report.summary if report else None},
                        block="job")


def _choices(form, job: jobs.Job) -> dict:
    """The editor's choice per conflict of the job's report (`choice-<id>`, and for a
    merge the fields taken from the file, `take-<id>`); other names are not read."""
    out: dict = {}
    for item in job.report.conflicts if job.report else []:
        oid = item["id"]
        choice = form.get(f"choice-{oid}")
        if choice in ("keep", "take"):
            out[oid] = choice
        elif choice == "merge":
            fields = {c["field"] for c in item["changes"]}
            out[oid] = ["merge", [str(f) for f in form.getlist(f"take-{oid}") if f in fields]]
    return out


@router.post("/staff/import/jobs/{job_id}/apply")
async def apply(request: Request, services: ServicesDep, job_id: str,
                staff: Staff = Depends(EDITORS)):
    job = _job_or_404(services, staff, job_id)
    if not jobs.start_apply(services, staff, job, _choices(await request.form(), job)):
        raise HTTPException(409, _s("This import cannot be applied (again)."))
    request.app.state.wake_jobs()
    return hx_redirect(request, f"/staff/import/jobs/{job.id}")
