"""The sensors over HTTP: `POST /staff/referrals/{id}/interface-report` from a case.

Case managers only, and only from a case of their own Kommune (anybody else
404, guessed ids included): the report is counted for the Kommune of the
case, never linked to it (`app.sensors.report`). htmx swaps the small form
back with a thank-you; without JavaScript the browser goes back to the case.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from app.i18n import staff_gettext as _s
from app.referrals.models import Referral, utcnow
from app.sensors import report
from app.staff import audit
from app.staff.auth import Staff, require_staff
from app.staff.scope import referral_filter
from app.staff.web import render_staff
from app.web.deps import ServicesDep
from app.web.rendering import is_htmx

router = APIRouter(include_in_schema=False)
CASE_MANAGER = require_staff("case_manager")


@router.post("/staff/referrals/{referral_id}/interface-report")
def interface_report(request: Request, referral_id: str, services: ServicesDep,
                     staff: Staff = Depends(CASE_MANAGER),
                     office: str = Form(..., max_length=30),
                     problem: str = Form(..., max_length=30)):
    if office not in report.OFFICES or problem not in report.PROBLEMS:
        raise HTTPException(422, _s("Please choose an office and a problem from the lists."))
    with services.store.session.begin() as s:
        kommune_id = s.scalar(select(Referral.kommune_id).where(
            referral_filter(staff, Referral.kommune_id), Referral.id == referral_id))
        if kommune_id is None:
            raise HTTPException(404, _s("Not found."))
        report.record(s, kommune_id, office, problem, utcnow())
        audit.record(s, staff, "sensor.report", "interface_report", None)
    if not is_htmx(request):
        return RedirectResponse(f"/staff/referrals/{referral_id}", status_code=303)
    return render_staff(request, staff, "staff/_interface_report.html", {
        "r": {"id": referral_id}, "reported": True,
        "offices": [(c, report.office_label(c)) for c in report.OFFICES],
        "problems": [(c, report.problem_label(c)) for c in report.PROBLEMS]})
