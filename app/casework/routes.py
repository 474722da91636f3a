"""Inbox pages of the staff area: list with filters and search, the case page, phase steps,
assignment, notes, close and reopen, the hand-over (send, confirm, accept, take back), the
case file (intake, assessment, goals, linking, follow-ups), the pre-check in the case
(issue 18), the "due today" list, caseloads and the Kommune admin's minimum-documentation
page.

Only case managers (`require_staff("case_manager")`); every read and change
goes through `app.casework.inbox`, which scopes to the user's Kommune, so a
referral of another Kommune is 404 on every route. A stale version or an
illegal step answers 409 with the page and a message (htmx swaps it in);
every page is no-store with htmx history off (PRIV-14). Dates and times typed
in are Europe/Berlin wall time.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse

from app.casework import casefile, handover, inbox, labels, prechecks, team
from app.casework import page as case_page
from app.casework.models import AREAS, LINK_KINDS, OUTCOMES, REQUIRABLE
from app.i18n import staff_gettext as _s
from app.referrals import notify, workflow
from app.referrals.routes import PERSON_LANGUAGES
from app.staff.auth import Staff, require_staff
from app.staff.routes import HOME_LINKS
from app.staff.web import render_staff
from app.web.deps import ServicesDep
from app.web.rendering import env, hx_redirect

router = APIRouter(include_in_schema=False)
CASE_MANAGER = require_staff("case_manager")
KOMMUNE_ADMIN = require_staff("admin")
HOME_LINKS.append(("case_manager", "/staff/referrals", lambda: _s("Referrals inbox")))
HOME_LINKS.append(("case_manager", "/staff/cases/due", lambda: _s("Follow-ups due today")))
HOME_LINKS.append(("case_manager", "/staff/cases/caseload", lambda: _s("Caseload of the team")))
HOME_LINKS.append(("admin", "/staff/cases/requirements",
                   lambda: _s("Minimum documentation of the case file")))
env.filters["berlin"] = labels.berlin


def _next_page(request: Request, page: int) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return request.url.path + "?" + urlencode([*params, ("page", str(page + 1))])


@router.get("/staff/referrals")
def listing(request: Request, services: ServicesDep, staff: Staff = Depends(CASE_MANAGER),
            status: str | None = Query(None, max_length=30),
            topic: str | None = Query(None, max_length=40),
            language: str | None = Query(None, max_length=16),
            assigned: str | None = Query(None, max_length=5),
            older: int | None = Query(None, ge=0, le=3650),
            q: str = Query("", max_length=100), sent: str = Query("", max_length=40),
            page: int = Query(0, ge=0, le=10000)):
    f = inbox.Filters(status if status in workflow.STATUSES else None, topic or None,
                      language or None, assigned if assigned in ("me", "none") else None, older)
    store = services.store
    with store.session.begin() as s:
        rows = team.search(s, staff, q) if q.strip() else inbox.listing(s, staff, f, page)
        more = len(rows) > inbox.PAGE
        rows = rows[:inbox.PAGE]
        names = {u.id: u.display_name or u.username
                 for u in inbox.case_managers(s, staff.kommune_id)}
        items = [{"id": r.id, "reference": r.reference, "created": r.created_at,
                  "status": workflow.staff_label(r.status), "topics": r.topics,
                  "language": r.language, "interpreter": r.interpreter,
                  "assigned": names.get(r.assigned_to, "")} for r in rows]
        handed = handover.sent_records(s, staff, page) if f.status == "weitergeleitet" else []
        more = more or len(handed) > inbox.PAGE
        handed = handed[:inbox.PAGE]
    done = next((k.name for k in store.kommunen() if k.id == sent), "") if sent else ""
    return render_staff(request, staff, "staff/referrals.html", {
        "items": items, "f": f, "q": q, "handed": handed, "sent_to": done,
        "page": page, "next_page": _next_page(request, page) if more else None,
        "statuses": [(c, workflow.staff_label(c)) for c in workflow.STATUSES],
        "topic_labels": case_page.topics(), "languages": PERSON_LANGUAGES}, block="results")


@router.get("/staff/referrals/{referral_id}")
def detail(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER)):
    return case_page.detail(request, staff, referral_id)


@router.post("/staff/referrals/{referral_id}/status")
def set_status(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
               status: str = Form(..., max_length=30), version: int = Form(...),
               reason_code: str = Form("", max_length=30),
               reason: str = Form("", max_length=2000)):
    return case_page.change(request, staff, referral_id, inbox.change_status, status, version,
                  reason_code, reason.strip())


@router.post("/staff/referrals/{referral_id}/reopen")
def reopen(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
           reason: str = Form(..., min_length=1, max_length=2000), version: int = Form(...)):
    return case_page.change(request, staff, referral_id, inbox.reopen, reason, version)


@router.post("/staff/referrals/{referral_id}/assign")
def set_assignee(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
                 assignee: str = Form("", max_length=36), version: int = Form(...)):
    return case_page.change(request, staff, referral_id, inbox.assign, assignee or None, version)


@router.post("/staff/referrals/{referral_id}/notes")
def add_note(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
             text: str = Form(..., min_length=1, max_length=4000)):
    return case_page.change(request, staff, referral_id, inbox.add_note, text.strip())


@router.post("/staff/referrals/{referral_id}/handover")
def send_handover(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
                  kommune: str = Form("", max_length=40), version: int = Form(...),
                  reason: str = Form("", max_length=2000),
                  summary: str = Form("", max_length=4000),
                  consent: str = Form("", max_length=3), confirm: str = Form("", max_length=3)):
    """Step 1 shows what will happen and asks to confirm; step 2 (`confirm=yes`) sends."""
    store = request.app.state.services.store
    target = next((k for k in store.kommunen() if k.id == kommune), None)
    if target is None or target.id == staff.kommune_id or not reason.strip():
        with store.session() as s:  # 404 before any message for a referral not ours
            if inbox.get(s, staff, referral_id) is None:
                raise HTTPException(404, _s("Not found."))
        return case_page.detail(request, staff, referral_id, _s(
            "Please choose the receiving Kommune and give a reason for the hand-over."), 422)
    if confirm != "yes":
        with store.session() as s:
            if inbox.get(s, staff, referral_id) is None:
                raise HTTPException(404, _s("Not found."))
        return case_page.detail(request, staff, referral_id, confirm={
            "kommune": target.id, "name": target.name, "reason": reason.strip(),
            "summary": summary.strip(), "consent": consent == "on" and bool(summary.strip()),
            "version": version})
    settings = request.app.state.settings

    def move(s, staff, ref):
        handover.send(s, staff, ref, target.id, reason, summary, consent == "on", version)
        notify.queue_new_referral(s, settings, target.id)

    return case_page.change(request, staff, referral_id, move,
                  done=f"/staff/referrals?status=weitergeleitet&sent={target.id}")


@router.post("/staff/referrals/{referral_id}/handover/accept")
def accept_handover(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER)):
    return case_page.change(request, staff, referral_id, handover.accept)


@router.post("/staff/handovers/{handover_id}/takeback")
def take_back(request: Request, handover_id: str, staff: Staff = Depends(CASE_MANAGER)):
    store = request.app.state.services.store
    try:
        with store.session.begin() as s:
            h = handover.get_sent(s, staff, handover_id)
            if h is None:
                raise HTTPException(404, _s("Not found."))
            handover.take_back(s, staff, h)
            referral_id = h.referral_id
    except handover.Refused:
        return RedirectResponse("/staff/referrals?status=weitergeleitet", status_code=303)
    return hx_redirect(request, f"/staff/referrals/{referral_id}")


# --- the case file --------------------------------------------------------------------

def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise HTTPException(422, _s("Please enter a date as YYYY-MM-DD.")) from None


def _change(request, staff, referral_id, action, *args):
    return case_page.change(request, staff, referral_id, action, *args)


@router.post("/staff/referrals/{referral_id}/intake")
def intake(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
           text: str = Form(..., min_length=1, max_length=8000)):
    return _change(request, staff, referral_id, casefile.save_intake, text.strip())


@router.post("/staff/referrals/{referral_id}/assessment")
async def assessment(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER)):
    form = await request.form()
    areas = {a: str(form.get(f"area_{a}", ""))[:4000] for a in AREAS}
    kind = "reassessment" if form.get("kind") == "reassessment" else "assessment"
    return _change(request, staff, referral_id, casefile.save_assessment, areas, kind)


@router.post("/staff/referrals/{referral_id}/goals")
def add_goal(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
             goal: str = Form(..., min_length=1, max_length=1000),
             measure: str = Form("", max_length=2000), who: str = Form("", max_length=200),
             due: str = Form("", max_length=10), agreed: str = Form("", max_length=3),
             agreed_on: str = Form("", max_length=10)):
    return _change(request, staff, referral_id, casefile.add_goal, goal.strip(),
                   measure.strip(), who.strip(), _date(due), agreed == "on", _date(agreed_on))


@router.post("/staff/referrals/{referral_id}/goals/{goal_id}/done")
def goal_done(request: Request, referral_id: str, goal_id: str,
              staff: Staff = Depends(CASE_MANAGER)):
    return _change(request, staff, referral_id, casefile.goal_done, goal_id)


@router.post("/staff/referrals/{referral_id}/links")
def add_link(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
             kind: str = Form(..., max_length=20), offer: str = Form("", max_length=80),
             outcome: str = Form("open", max_length=20), note: str = Form("", max_length=2000)):
    if kind not in LINK_KINDS or outcome not in OUTCOMES or (kind == "offer" and not offer):
        raise HTTPException(422, _s("Please choose what the case is linked to."))
    return _change(request, staff, referral_id, casefile.add_link, kind, offer or None,
                   outcome, note.strip())


@router.post("/staff/referrals/{referral_id}/links/{link_id}/outcome")
def link_outcome(request: Request, referral_id: str, link_id: str,
                 staff: Staff = Depends(CASE_MANAGER), outcome: str = Form(..., max_length=20)):
    if outcome not in OUTCOMES:
        raise HTTPException(422, _s("Please choose what the case is linked to."))
    return _change(request, staff, referral_id, casefile.link_outcome, link_id, outcome)


@router.post("/staff/referrals/{referral_id}/followups")
def add_followup(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
                 kind: str = Form("followup", max_length=20),
                 day: str = Form(..., max_length=10), time: str = Form("09:00", max_length=5),
                 note: str = Form("", max_length=2000), assigned: str = Form("", max_length=36)):
    when = _date(day)
    try:
        clock = dt.time.fromisoformat(time or "09:00")
    except ValueError:
        raise HTTPException(422, _s("Please enter a time as HH:MM.")) from None
    if when is None:
        raise HTTPException(422, _s("Please enter a date as YYYY-MM-DD."))
    return _change(request, staff, referral_id, casefile.add_followup,
                   "appointment" if kind == "appointment" else "followup",
                   casefile.berlin_to_utc(when, clock), note.strip(), assigned or None)


@router.post("/staff/referrals/{referral_id}/followups/{followup_id}/done")
def followup_done(request: Request, referral_id: str, followup_id: str,
                  staff: Staff = Depends(CASE_MANAGER)):
    return _change(request, staff, referral_id, casefile.followup_done, followup_id)


def _precheck_page(request: Request, staff: Staff, referral_id: str, values=None,
                   errors=(), status_code: int = 200):
    store = request.app.state.services.store
    with store.session.begin() as s:
        ref = inbox.get(s, staff, referral_id)
        if ref is None or casefile.pending_handover(s, ref) is not None:
            raise HTTPException(404, _s("Not found."))
        known, source = prechecks.prefill(s, staff, ref)
        runs = prechecks.listing(s, staff, ref)
        reference = ref.reference
    return render_staff(request, staff, "staff/case_precheck.html", {
        "rid": referral_id, "reference": reference, "runs": runs, "source": source,
        "values": known if values is None else values, "errors": list(errors),
        "outcomes": labels.precheck_outcomes(), **labels.precheck_form()},
        status_code=status_code)


@router.get("/staff/referrals/{referral_id}/precheck")
def case_precheck(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER)):
    return _precheck_page(request, staff, referral_id)


@router.post("/staff/referrals/{referral_id}/precheck")
async def run_case_precheck(request: Request, referral_id: str,
                            staff: Staff = Depends(CASE_MANAGER)):
    form = await request.form()
    values, errors = prechecks.questions.clean(
        {k: str(form.get(k, "")) for k in prechecks.FIELDS})
    if errors:
        return _precheck_page(request, staff, referral_id, values, errors, 422)
    day = dt.datetime.now(casefile.BERLIN).date()
    return case_page.change(request, staff, referral_id, prechecks.run, values, day,
                            done=f"/staff/referrals/{referral_id}/precheck#latest")


@router.get("/staff/cases/due")
def due(request: Request, services: ServicesDep, staff: Staff = Depends(CASE_MANAGER),
        mine: bool = Query(False), page: int = Query(0, ge=0, le=10000)):
    with services.store.session.begin() as s:
        names = {u.id: u.display_name or u.username
                 for u in inbox.case_managers(s, staff.kommune_id or "")}
        found = team.due(s, staff, mine, page, inbox.PAGE)
        rows = [{"id": r.id, "reference": r.reference, "due_at": f.due_at, "kind": f.kind,
                 "assigned": names.get(f.assigned_to or "", "–"),
                 "status": workflow.staff_label(r.status)} for f, r in found[:inbox.PAGE]]
    return render_staff(request, staff, "staff/cases_due.html", {
        "rows": rows, "mine": mine,
        "next_page": _next_page(request, page) if len(found) > inbox.PAGE else None})


@router.get("/staff/cases/caseload")
def caseload(request: Request, services: ServicesDep, staff: Staff = Depends(CASE_MANAGER)):
    with services.store.session.begin() as s:
        managers = inbox.case_managers(s, staff.kommune_id or "")
        load = team.caseload(s, staff)
    phases = ["neu", "erstkontakt", "assessment", "hilfeplanung", "linking", "monitoring",
              "nicht_erreicht"]
    people = [(u.display_name or u.username, u.id == staff.id, load.get(u.id, {}))
              for u in managers] + [(_s("nobody yet"), False, load.get(None, {}))]
    return render_staff(request, staff, "staff/cases_caseload.html", {
        "people": people, "phases": [(p, workflow.staff_label(p)) for p in phases]})


def _requirements_page(request, staff, services, saved=False):
    if staff.kommune_id is None:  # a state-wide admin has no Kommune to set this for
        raise HTTPException(404, _s("Not found."))
    with services.store.session() as s:
        current = casefile.requirements(s, staff.kommune_id)
    phases = [p for p in ("erstkontakt", "assessment", "hilfeplanung", "linking", "monitoring")]
    return render_staff(request, staff, "staff/cases_requirements.html", {
        "current": current, "phases": [(p, workflow.staff_label(p)) for p in phases],
        "fields": labels.requirable(), "saved": saved})


@router.get("/staff/cases/requirements")
def requirements(request: Request, services: ServicesDep, staff: Staff = Depends(KOMMUNE_ADMIN)):
    return _requirements_page(request, staff, services)


@router.post("/staff/cases/requirements")
async def save_requirements(request: Request, services: ServicesDep,
                            staff: Staff = Depends(KOMMUNE_ADMIN)):
    if staff.kommune_id is None:
        raise HTTPException(404, _s("Not found."))
    form = await request.form()
    wanted = set()
    for key in form:
        phase, _, field = key.partition(":")
        if phase in workflow.OPEN and field in REQUIRABLE:
            wanted.add((phase, field))
    with services.store.session.begin() as s:
        casefile.set_requirements(s, staff, wanted)
    return _requirements_page(request, staff, services, saved=True)
