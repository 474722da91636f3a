"""Freshness: offers not verified for 12 months, and the one-click "still valid".

`/staff/offers/stale` lists the active offers of the editor's Kommune (an
admin: every Kommune, or one) whose `last_verified` is older than
`STALE_MONTHS` months or missing, oldest first. "Still valid"
(`POST /staff/offers/{id}/confirm`) confirms the offer in all its languages
at once: it sets `last_verified` to today, and one date covers every
language version because they describe the same facts. The "needs review"
marks of machine-made translations stay unless the editor also ticks
"translations checked" (a fact check by phone does not vouch for a
translation's wording); see `directory.editing.confirm`. The staff start
page shows editors how many of their offers are due.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from sqlalchemy import func, select

from app.editors import actions
from app.editors.routes import EDITORS, _done, _found, _services
from app.i18n import staff_gettext as _s
from app.i18n import staff_ngettext
from app.staff.auth import Staff
from app.staff.routes import HOME_NOTES
from app.staff.scope import kommune_filter
from app.staff.web import render_staff
from directory import editing
from directory.models import Kommune, Service

router = APIRouter(include_in_schema=False)
STALE_MONTHS = 12
LIST_LIMIT = 200  # the oldest first; the total is shown
BERLIN = ZoneInfo("Europe/Berlin")


def today() -> dt.date:
    return dt.datetime.now(BERLIN).date()


def _stale(s, staff: Staff, kommune: str | None = None):
    if staff.state_wide:
        return editing.stale(s, today(), kommune, STALE_MONTHS, all_kommunen=not kommune,
                             limit=LIST_LIMIT)
    return editing.stale(s, today(), staff.kommune_id, STALE_MONTHS, limit=LIST_LIMIT)


def _count(s, staff: Staff, kommune: str | None = None) -> int:
    stmt = select(func.count(Service.id)).where(editing.stale_condition(today(), STALE_MONTHS),
                                               kommune_filter(staff, Service.kommune_id))
    if kommune and staff.state_wide:
        stmt = stmt.where(Service.kommune_id == kommune)
    return s.scalar(stmt) or 0


def stale_note(request: Request, staff: Staff):
    """The start page's line for editors: how many offers wait for a check."""
    with _services(request).store.session() as s:
        count = _count(s, staff)
    if not count:
        return None
    return (staff_ngettext("%(n)d offer has not been verified for 12 months.",
                           "%(n)d offers have not been verified for 12 months.", count)
            % {"n": count}, "/staff/offers/stale")


HOME_NOTES.append(("editor", stale_note))


@router.get("/staff/offers/stale")
def stale_list(request: Request, staff: Staff = Depends(EDITORS),
               kommune: str | None = Query(None, max_length=60)):
    store = _services(request).store
    with store.session() as s:
        rows = [{"id": svc.id, "name": svc.name, "kommune": svc.kommune_id,
                 "verified": svc.last_verified,
                 "languages": sorted(t.lang for t in svc.translations),
                 "review": sum(bool(t.needs_review) for t in svc.translations)}
                for svc in _stale(s, staff, kommune if staff.state_wide else None)]
        total = _count(s, staff, kommune)
        names = dict(s.execute(select(Kommune.id, Kommune.name)).all())
        confirmed = request.query_params.get("confirmed")
    return render_staff(request, staff, "staff/offers_stale.html", {
        "rows": rows, "total": total, "names": names, "months": STALE_MONTHS,
        "kommune": kommune or "",
        "confirmed": confirmed == "1",
        "kommune_options": sorted(names.items(), key=lambda kv: kv[1])
        if staff.state_wide else []})


@router.post("/staff/offers/{offer_id}/confirm")
def confirm(request: Request, offer_id: str, staff: Staff = Depends(EDITORS),
            translations_reviewed: str = Form("", max_length=5),
            back: str = Form("stale", max_length=10)):
    def change(s):
        _found(s, staff, offer_id)
        return editing.confirm(s, offer_id, actions.actor_of(staff), today(),
                               translations_reviewed=bool(translations_reviewed))

    try:
        actions.run(_services(request), staff, "verify", change)
    except editing.NotFound:
        raise HTTPException(404, _s("Not found.")) from None
    if back == "edit":
        return _done(request, f"/staff/offers/{offer_id}?saved=1")
    return _done(request, "/staff/offers/stale?confirmed=1")
