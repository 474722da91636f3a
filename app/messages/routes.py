"""The message thread over HTTP: the case manager's page and the person's answers.

Staff (case managers of the referral's Kommune; anybody else 404):
`GET /staff/referrals/{id}/messages` the thread with the send forms (htmx:
the `messages` block, which the case page loads into its panel) and
`POST /staff/referrals/{id}/messages` to send a structured message, with an
optional content-free notice through the person's channel (`app.messages.notify`).
The person: the status page (reference + secret, `app.referrals.routes`) shows
the thread through a registered panel; `POST /referral/messages/answer`
takes a button answer or free text and shows the status page again.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from app import i18n
from app.i18n import gettext as _
from app.i18n import staff_gettext as _s
from app.messages import kinds, notify, thread
from app.referrals.erasure import ERASERS
from app.referrals.routes import STATUS_PANELS, status_page
from app.referrals.service import find
from app.sensors import report as sensors
from app.staff.auth import Staff, require_staff
from app.staff.web import render_staff
from app.web.csrf import same_origin
from app.web.deps import ServicesDep
from app.web.ratelimit import limited
from app.web.rendering import is_htmx, render
from directory.db import as_utc
from directory.models import Kommune

BERLIN = ZoneInfo("Europe/Berlin")

router = APIRouter(include_in_schema=False)
CASE_MANAGER = require_staff("case_manager")
ERASERS.append(thread.erase)


def _berlin(at: dt.datetime) -> str:
    """A stored UTC time as the case manager's wall clock (Europe/Berlin)."""
    return as_utc(at).astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")


def _kommunen(s) -> dict[str, str]:
    return {k: n for k, n in s.execute(select(Kommune.id, Kommune.name))}


def _public_view(item: dict, kommunen: dict[str, str], lang: str) -> dict:
    f, view = item["fields"], dict(item)
    if item["kind"] == "appointment":
        day = dt.date.fromisoformat(f["date"])
        view.update(date_label=i18n.format_date(day, lang, "full"),
                    time_label=i18n.format_time(f["time"], lang),
                    bring=[kinds.bring_label(b) for b in f.get("bring") or ()],
                    team=kommunen.get(item.get("kommune") or "", ""),
                    data=json.dumps(kinds.appointment_data(item["id"], f), ensure_ascii=False))
    elif item["kind"] == "answer":
        view["text"] = kinds.answer_label(f.get("answer", "callback"))
    elif item["kind"] == "text":
        view["text"] = f.get("text", "")
    else:
        view["text"] = kinds.public_text(item["kind"], f, kommunen)
    return view


def status_panel(s, ref):
    """The thread on the person's status page, in the page's language."""
    if ref.status == "zurueckgezogen":
        return None
    lang = i18n.current_language()
    kommunen = _kommunen(s)
    items = [_public_view(i, kommunen, lang) for i in thread.for_person(s, ref)]
    return "messages/_thread.html", {"items": items, "answers": kinds.ANSWERS,
                                     "answer_label": kinds.answer_label,
                                     "appointments": any(i["kind"] == "appointment"
                                                         for i in items)}


STATUS_PANELS.append(status_panel)


def _staff_page(request: Request, staff: Staff, referral_id: str, error: str = "",
                status_code: int = 200, sent: bool = False):
    store = request.app.state.services.store
    with store.session.begin() as s:
        ref = thread.scoped_referral(s, staff, referral_id)
        if ref is None:
            raise HTTPException(404, _s("Not found."))
        kommunen = _kommunen(s)
        items = thread.for_staff(s, staff, ref)
        data = {
            "r": ref, "items": items, "error": error, "sent": sent,
            "closed": ref.status == "zurueckgezogen" or ref.erased_at is not None,
            "notify": notify.notifier_for(request.app.state.settings, ref) is not None,
            "kommunen": [(k, n) for k, n in kommunen.items() if k != ref.kommune_id],
            "kommune_names": kommunen, "bring": kinds.BRING, "out_kinds": kinds.OUT_KINDS,
            "kind_label": kinds.staff_kind_label, "bring_label": kinds.staff_bring_label,
            "when": _berlin, "answer_label": kinds.staff_answer_label,
            "offices": [(c, sensors.office_label(c)) for c in sensors.OFFICES],
            "problems": [(c, sensors.problem_label(c)) for c in sensors.PROBLEMS],
            "today": dt.date.today().isoformat(),
        }
    return render_staff(request, staff, "staff/case_messages.html", data, block="messages",
                        status_code=status_code)


@router.get("/staff/referrals/{referral_id}/messages")
def staff_thread(request: Request, referral_id: str, staff: Staff = Depends(CASE_MANAGER)):
    return _staff_page(request, staff, referral_id)


@router.post("/staff/referrals/{referral_id}/messages")
async def staff_send(request: Request, referral_id: str, services: ServicesDep,
                     staff: Staff = Depends(CASE_MANAGER)):
    form = await request.form()
    fields_in: dict[str, object] = {k: form.get(k) for k in ("date", "time", "place", "note",
                                                            "phone", "kommune")}
    fields_in["bring"] = [b for b in form.getlist("bring") if isinstance(b, str)]
    kind = str(form.get("kind") or "")
    try:
        with services.store.session.begin() as s:
            ref = thread.scoped_referral(s, staff, referral_id)
            if ref is None:
                raise HTTPException(404, _s("Not found."))
            fields = kinds.check_out(kind, fields_in, _kommunen(s), dt.date.today())
            thread.send(s, staff, ref, kind, fields)
            if form.get("notify") == "yes":
                channel = notify.notifier_for(services.settings, ref)
                if channel is not None:
                    channel.queue(s, services.settings, ref)
    except kinds.Invalid as exc:
        return _staff_page(request, staff, referral_id, str(exc), 422)
    except thread.Closed:
        return _staff_page(request, staff, referral_id, _s(
            "Not sent: the person has withdrawn this referral and their details are deleted. "
            "Nothing can be added to it any more."), 409)
    if is_htmx(request):
        return _staff_page(request, staff, referral_id, sent=True)
    return RedirectResponse(f"/staff/referrals/{referral_id}/messages", status_code=303)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/referral/messages/answer")
async def person_answer(request: Request, services: ServicesDep):
    form = await request.form()
    reference = str(form.get("reference") or "")[:30]
    secret = str(form.get("secret") or "")[:30]
    if not same_origin(request):
        raise HTTPException(403, _("This request came from another site."))
    if limited(request, "status", services.settings.status_limit_ip):
        return _no_store(render(request, "referral_status.html", {
            "found": None, "error": "limited", "reference": reference}, status_code=429))
    code = form.get("answer")
    text = form.get("text")
    with services.store.session.begin() as s:
        ref = find(s, reference, secret)
        if ref is None:
            return _no_store(render(request, "referral_status.html", {
                "found": None, "error": True, "reference": reference}, status_code=404))
        try:
            thread.answer(s, ref, reply_to=str(form.get("reply_to") or "")[:36] or None,
                          code=str(code) if code else None,
                          text=str(text) if isinstance(text, str) else None,
                          lang=i18n.current_language())
        except kinds.Invalid:
            return status_page(request, s, ref, secret,
                               _("Please choose an answer or write a few words."), 422)
        except thread.Closed:
            return status_page(request, s, ref, secret, "", 409)
        return status_page(request, s, ref, secret, _("Thank you. Your answer was sent."))
