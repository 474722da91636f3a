"""The case page (one template, the `case` block as fragment) and the one way to change a case.

`detail` shows a referral of the user's Kommune with its case file, the pending
hand-over panel and the forms; `change` runs an action on such a referral and
answers with the page again, or 404 / 409 (stale, illegal, incomplete).
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from app.casework import casefile, handover, inbox, labels, prechecks
from app.i18n import staff_gettext as _s
from app.referrals import workflow
from app.responsibility import vocab
from app.staff import audit
from app.staff.auth import Staff
from app.staff.web import render_staff
from app.web.rendering import hx_redirect, is_htmx
from directory.models import Gemeinde, Service
from directory.reference import taxonomy, topic_label


def topics(lang: str = "de") -> dict[str, str]:
    return {t["code"]: topic_label(t["code"], lang) for t in taxonomy()}


def _offers(s, kommune_id: str) -> list[tuple[str, str]]:
    rows = s.execute(select(Service.id, Service.name).where(
        Service.status == "active",
        (Service.kommune_id == kommune_id) | (Service.scope == "national"))
        .order_by(Service.name).limit(400))
    return [(i, n) for i, n in rows]


def detail(request: Request, staff: Staff, referral_id: str, error: str = "",
            status_code: int = 200, confirm: dict | None = None):
    store = request.app.state.services.store
    with store.session.begin() as s:
        ref = inbox.get(s, staff, referral_id)
        if ref is None:
            raise HTTPException(404, _s("Not found."))
        audit.record(s, staff, "referral.view", "referral", ref.id)
        pending = casefile.pending_handover(s, ref)
        incoming = handover.panel(s, pending) if pending else None
        gemeinde = s.get(Gemeinde, ref.gemeinde_id) if ref.gemeinde_id else None
        managers = inbox.case_managers(s, ref.kommune_id)
        data: dict = {
            "r": ref, "p": inbox.personal(s, ref),
            "notes": [] if incoming else inbox.notes(s, ref),
            "case": casefile.view(s, staff, ref), "incoming": incoming,
            "prechecks": [] if incoming else prechecks.listing(s, staff, ref)[:1],
            "gemeinde": gemeinde.name if gemeinde else None,
            "status_label": workflow.staff_label(ref.status),
            "next": [(c, workflow.staff_label(c))
                     for c in sorted(workflow.TRANSITIONS[ref.status])
                     if c != "abgeschlossen"],
            "can_close": "abgeschlossen" in workflow.TRANSITIONS[ref.status],
            "managers": managers, "manager_names": {u.id: u.display_name or u.username
                                                    for u in managers},
        }
        offers = _offers(s, ref.kommune_id)
    data["offers"] = offers
    offer_names = dict(offers)
    data.update(error=error, topic_labels=topics(), confirm=confirm, offer_names=offer_names,
                area_labels=labels.areas(), link_kinds=labels.link_kinds(),
                outcomes=labels.outcomes(), close_reasons=labels.close_reasons(),
                requirable=labels.requirable(), precheck_outcomes=labels.precheck_outcomes(),
                status_names={c: workflow.staff_label(c) for c in workflow.STATUSES},
                # the residence status the person chose: its German term of art
                residence_labels={c: t.de for c, t in vocab.STATUSES.items()},
                kommunen=[k for k in store.kommunen() if k.id != staff.kommune_id])
    return render_staff(request, staff, "staff/referral.html", data, block="case",
                        status_code=status_code)


def change(request: Request, staff: Staff, referral_id: str, action, *args,
           done: str | None = None):
    """Run `action(s, staff, referral, *args)` on a referral of the user's Kommune, then show
    the case again (409 with a message when refused)."""
    store = request.app.state.services.store
    try:
        with store.session.begin() as s:
            ref = inbox.get(s, staff, referral_id)
            if ref is None:
                raise HTTPException(404, _s("Not found."))
            if action(s, staff, ref, *args) is False:
                raise HTTPException(404, _s("Not found."))
    except casefile.Incomplete as exc:
        wanted = labels.requirable()
        return detail(request, staff, referral_id, _s(
            "Not saved: your Kommune asks for this documentation before the case leaves "
            "this phase:") + " " + ", ".join(wanted.get(f, f) for f in exc.fields), 409)
    except (inbox.Conflict, handover.Refused) as exc:
        if str(exc) == "withdrawn":  # the person withdrew: a clear answer, not "try again"
            return detail(request, staff, referral_id, _s(
                "Not saved: the person has withdrawn this referral and their details are "
                "deleted. Nothing can be added to it any more."), 409)
        return detail(request, staff, referral_id, _s(
            "Not saved: someone changed this referral meanwhile, or this step is not "
            "possible from its current status. Please check and try again."), 409)
    if done:
        return hx_redirect(request, done)
    if is_htmx(request):
        return detail(request, staff, referral_id)
    return RedirectResponse(f"/staff/referrals/{referral_id}", status_code=303)


