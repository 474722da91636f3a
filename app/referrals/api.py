"""The referral JSON API: POST /api/v1/referrals (DESIGN.md), its consent text, status, withdrawal.

`POST /api/v1/referrals` answers `201 {"reference", "status": "received"}`
only after the commit; the secret for status and withdrawal comes in the
`Referral-Secret` header (the body stays exactly as DESIGN.md says). Clients
show the text of `GET /api/v1/referrals/consent` before asking for consent.
Rate limits per IP (429), cross-site browser posts refused (403).
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import OperationalError

from app import i18n
from app.i18n import gettext as _
from app.openapi_doc import QueryBool
from app.referrals import consent
from app.referrals.service import (
    ReferralError,
    ReferralIn,
    Unavailable,
    find,
    submit,
    withdraw,
)
from app.referrals.workflow import coarse
from app.staff.csrf import same_origin
from app.staff.ratelimit import limited

router = APIRouter(tags=["referrals"])


class Lookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = Field(..., max_length=30)
    secret: str = Field(..., max_length=30)


def places(request: Request) -> tuple[list, dict[str, list]]:
    """Kommunen and Gemeinden, read once a minute, so a locked store still shows the form."""
    cache = getattr(request.app.state, "referral_places", None)
    if cache is None or time.monotonic() - cache[0] > 60:
        store = request.app.state.services.store
        try:
            kommunen = store.kommunen()
            gemeinden: dict[str, list] = {}
            for g in store.gemeinden():
                gemeinden.setdefault(g.kommune_id, []).append(g)
        except OperationalError:
            if cache is None:
                raise
            return cache[1], cache[2]
        cache = request.app.state.referral_places = (time.monotonic(), kommunen, gemeinden)
    return cache[1], cache[2]


def _error(detail: str, status: int, field: str | None = None, headers=None) -> JSONResponse:
    body = {"detail": detail}
    if field:
        body["fields"] = [field]
    return JSONResponse(body, status_code=status, headers=headers)


@router.post("/api/v1/referrals", status_code=201)
def create_referral(request: Request, body: ReferralIn,
                    idempotency_key: str | None = Header(None, max_length=200)):
    if not same_origin(request):
        return _error(_("This request came from another site."), 403)
    wait = limited(request, "referral", request.app.state.settings.referral_limit_ip)
    if wait:
        return _error(_("Too many requests. Please try again later."), 429,
                      headers={"Retry-After": str(wait)})
    lang = i18n.pick_language(body.language, default="") or request.state.lang
    i18n.set_language(lang)
    services = request.app.state.services
    kommune = next((k for k in places(request)[0] if k.id == body.kommune), None)
    if kommune is None:
        return _error(_("We do not know this Kommune. Please choose one from the list."), 422,
                      "kommune")
    shown = consent.information(kommune.name, bool(body.on_behalf), services.settings)
    try:
        receipt = submit(services.store, services.settings, body, lang=lang, shown=shown,
                         idempotency_key=idempotency_key)
    except ReferralError as exc:
        return _error(str(exc), exc.status, exc.field)
    except Unavailable:
        return _error(_("We cannot take your request right now. Nothing was stored. "
                        "Please try again in a minute."), 503, headers={"Retry-After": "30"})
    return JSONResponse({"reference": receipt.reference, "status": receipt.status},
                        status_code=201, headers={"Referral-Secret": receipt.secret,
                                                  "Cache-Control": "no-store"})


@router.get("/api/v1/referrals/consent")
def consent_text(request: Request, kommune: str = Query(..., max_length=40),
                 lang: str | None = Query(None, max_length=16),
                 on_behalf: QueryBool = Query(False)):
    """The information and consent text to show before submitting, with its fingerprint."""
    services = request.app.state.services
    k = services.store.kommune(kommune)
    if k is None:
        return _error(_("We do not know this Kommune. Please choose one from the list."), 404)
    i18n.set_language(i18n.pick_language(lang, default="") or request.state.lang)
    text = consent.information(k.name, on_behalf, services.settings)
    return {"version": consent.VERSION, "sha256": text.fingerprint, "lang":
            i18n.current_language(), "title": text.title, "paragraphs": list(text.paragraphs),
            "consent_label": text.consent_label, "special_label": text.special_label,
            "special_topics": sorted(consent.SPECIAL_TOPICS)}


@router.post("/api/v1/referrals/status")
def status(request: Request, body: Lookup):
    if limited(request, "status", request.app.state.settings.status_limit_ip):
        return _error(_("Too many requests. Please try again later."), 429)
    with request.app.state.services.store.session() as s:
        ref = find(s, body.reference, body.secret)
        if ref is None:
            return _error(_("Reference number or secret code is wrong."), 404)
        return {"reference": ref.reference, "status": coarse(ref.status)}


@router.post("/api/v1/referrals/withdraw")
def withdraw_referral(request: Request, body: Lookup):
    if not same_origin(request):
        return _error(_("This request came from another site."), 403)
    if limited(request, "status", request.app.state.settings.status_limit_ip):
        return _error(_("Too many requests. Please try again later."), 429)
    if not withdraw(request.app.state.services.store, body.reference, body.secret):
        return _error(_("Reference number or secret code is wrong."), 404)
    return {"reference": body.reference.strip().upper(), "status": "withdrawn"}
