"""Inbox pages of the staff area: list with filters, detail, status, assignment, notes, hand-over.

Only case managers (`require_staff("case_manager")`); every read and change
goes through `app.casework.inbox`, which scopes to the user's Kommune, so a
referral of another Kommune is 404 on every route. A stale version or an
illegal step answers 409 with the page and a message (htmx swaps it in);
every page is no-store with htmx history off (PRIV-14).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse

from app.casework import inbox
from app.i18n import staff_gettext as _s
from app.referrals import notify, workflow
from app.referrals.routes import PERSON_LANGUAGES
from app.staff import audit
from app.staff.auth import Staff, require_staff
from app.staff.routes import HOME_LINKS
from app.staff.web import render_staff
from app.web.deps import ServicesDep
from app.web.rendering import hx_redirect, is_htmx
from directory.reference import taxonomy, topic_label

router = APIRouter(include_in_schema=False)
CASE_MANAGER = require_staff("case_manager")
HOME_LINKS.append(("case_manager", "/staff/referrals", lambda: _s("Referrals inbox")))


def _topics(lang: str = "de") -> dict[str, str]:
    return {t["code"]: topic_label(t["code"], lang) for t in taxonomy()}


@router.get("/staff/referrals")
def listing(request: Request, services: ServicesDep, staff: Staff = Depends(CASE_MANAGER),
            status: str | None = Query(None, max_length=30),
            topic: str | None = Query(None, max_length=40),
            language: str | None = Query(None, max_length=16),
            assigned: str | None = Query(None, max_length=5),
            older: int | None = Query(None, ge=0, le=3650)):
    f = inbox.Filters(status if status in workflow.STATUSES else None, topic or None,
                      language or None, assigned if assigned in ("me", "none") else None, older)
    store = services.store
    with store.session.begin() as s:
        rows = inbox.listing(s, staff, f)
        names = {u.id: u.display_name or u.username
                 for u in inbox.case_managers(s, staff.kommune_id)}
        items = [{"id": r.id, "reference": r.reference, "created": r.created_at,
                  "status": workflow.staff_label(r.status), "topics": r.topics,
                  "language": r.language, "interpreter": r.interpreter,
                  "assigned": names.get(r.assigned_to, "")} for r in rows]
    return render_staff(request, staff, "staff/referrals.html", {
        "items": items, "f": f, "statuses": [(c, workflow.staff_label(c))
                                             for c in workflow.STATUSES],
        "topic_labels": _topics(), "languages": PERSON_LANGUAGES}, block="results")


def _detail(request: Request, staff: Staff, referral_id: str, error: str = "",
            status_code: int = 200):
    store = request.app.state.services.store
    with store.session.begin() as s:
        ref = inbox.get(s, staff, referral_id)
        if ref is None:
            raise HTTPException(404, _s("Not found."))
        audit.record(s, staff, "referral.view", "referral", ref.id)
        data = {
            "r": ref, "p": inbox.personal(s, ref), "notes": inbox.notes(s, ref),
            "status_label": workflow.staff_label(ref.status),
            "next": [(c, workflow.staff_label(c))
                     for c in sorted(workflow.TRANSITIONS[ref.status])],
            "managers": inbox.case_managers(s, ref.kommune_id),
        }
    data.update(error=error, topic_labels=_topics(),
                kommunen=[k for k in store.kommunen() if k.id != staff.kommune_id])
    return render_staff(request, staff, "staff/referral.html", data, block="case",
                        status_code=status_code)


@router.get("/staff/referrals/{referral_id}")
def detail(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER)):
    return _detail(request, staff, referral_id)


def _change(request: Request, staff: Staff, referral_id: str, action, *args,
            done: str | None = None):
    store = request.app.state.services.store
    try:
        with store.session.begin() as s:
            ref = inbox.get(s, staff, referral_id)
            if ref is None:
                raise HTTPException(404, _s("Not found."))
            action(s, staff, ref, *args)
    except inbox.Conflict as exc:
        if str(exc) == "withdrawn":  # the person withdrew: a clear answer, not "try again"
            return _detail(request, staff, referral_id, _s(
                "Not saved: the person has withdrawn this referral and their details are "
                "deleted. Nothing can be added to it any more."), 409)
        return _detail(request, staff, referral_id, _s(
            "Not saved: someone changed this referral meanwhile, or this step is not "
            "possible from its current status. Please check and try again."), 409)
    if done:
        return hx_redirect(request, done)
    if is_htmx(request):
        return _detail(request, staff, referral_id)
    return RedirectResponse(f"/staff/referrals/{referral_id}", status_code=303)


@router.post("/staff/referrals/{referral_id}/status")
def set_status(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
               status: str = Form(..., max_length=30), version: int = Form(...)):
    return _change(request, staff, referral_id, inbox.change_status, status, version)


@router.post("/staff/referrals/{referral_id}/assign")
def set_assignee(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
                 assignee: str = Form("", max_length=36), version: int = Form(...)):
    return _change(request, staff, referral_id, inbox.assign, assignee or None, version)


@router.post("/staff/referrals/{referral_id}/notes")
def add_note(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
             text: str = Form(..., min_length=1, max_length=4000)):
    return _change(request, staff, referral_id, inbox.add_note, text.strip())


@router.post("/staff/referrals/{referral_id}/handover")
def handover(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER),
             kommune: str = Form(..., max_length=40), version: int = Form(...)):
    settings = request.app.state.settings

    def move(s, staff, ref, kommune_id, version):
        inbox.handover(s, staff, ref, kommune_id, version)
        notify.queue_new_referral(s, settings, kommune_id)

    # it leaves this inbox: back to the list
    return _change(request, staff, referral_id, move, kommune, version, done="/staff/referrals")
