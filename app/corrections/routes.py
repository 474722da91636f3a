"""Public routes of the corrections: "suggest a correction" and the provider's link.

`/offer/{id}/suggest` is a plain form (GET) that posts back to itself; htmx
loads the same form into the card and swaps in the thanks. It needs no
personal data, refuses cross-site posts (`same_origin`, as every public form)
and counts against `suggestion_limit_ip` per hour (429). `/provider/{token}`
is the page behind a provider's personal link: "still valid" or proposed
changes, each once; an unknown, used or expired link gets a plain 404 page.
The editors' queue is in `app.editors.queue`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Request

from app.cards import card
from app.corrections import service
from app.corrections.service import KINDS, NOTE_CHARS, NotFound
from app.web.csrf import same_origin
from app.web.deps import ServicesDep
from app.web.ratelimit import limited
from app.web.rendering import render

router = APIRouter(include_in_schema=False)
BERLIN = ZoneInfo("Europe/Berlin")


def today() -> dt.date:
    return dt.datetime.now(BERLIN).date()


def _offer_card(services, offer_id: str, lang: str) -> dict:
    found = services.store.offers(ids=[offer_id]) if len(offer_id) <= 36 else []
    if not found:
        raise HTTPException(404)
    return card(found[0], lang)


def _suggest_page(request: Request, c: dict, *, done: bool = False, error: bool = False,
                  kind: str = "", note: str = "", status_code: int = 200):
    return render(request, "suggest.html", {
        "c": c, "kinds": KINDS, "done": done, "error": error, "kind": kind, "note": note,
        "note_chars": NOTE_CHARS}, block="suggest", status_code=status_code)


@router.get("/offer/{offer_id}/suggest")
def suggest_form(request: Request, services: ServicesDep, offer_id: str):
    return _suggest_page(request, _offer_card(services, offer_id, request.state.lang))


@router.post("/offer/{offer_id}/suggest")
def suggest(request: Request, services: ServicesDep, offer_id: str,
            kind: str = Form("", max_length=12), note: str = Form("", max_length=2000)):
    c = _offer_card(services, offer_id, request.state.lang)
    if not same_origin(request):
        raise HTTPException(403)
    if kind not in KINDS:
        return _suggest_page(request, c, error=True, note=note, status_code=422)
    wait = limited(request, "suggest", services.settings.suggestion_limit_ip)
    if wait:
        raise HTTPException(429, headers={"Retry-After": str(wait)})
    try:
        with services.store.session.begin() as s:
            service.suggest(s, c["id"], kind, note)
    except NotFound:
        raise HTTPException(404) from None
    return _suggest_page(request, c, done=True)


def _link_page(request: Request, services, token: str, *, done: str = "",
               status_code: int = 200):
    if done:
        return render(request, "provider.html", {"done": done})
    try:
        with services.store.session() as s:
            link, svc = service.open_link(s, token)
            offer_id, until = svc.id, link.expires_at
    except NotFound:
        return render(request, "provider.html", {"gone": True}, status_code=404)
    return render(request, "provider.html", {
        "c": _offer_card(services, offer_id, "de"), "token": token, "until": until,
        "kinds": KINDS, "note_chars": NOTE_CHARS, "sheet": True, "provider": True},
        status_code=status_code)


@router.get("/provider/{token}")
def provider_page(request: Request, services: ServicesDep, token: str):
    return _link_page(request, services, token)


@router.post("/provider/{token}/confirm")
def provider_confirm(request: Request, services: ServicesDep, token: str):
    if not same_origin(request):
        raise HTTPException(403)
    try:
        with services.store.session.begin() as s:
            saved = service.confirm_by_link(s, token, today())
    except NotFound:
        return _link_page(request, services, token)
    _reindex(services, saved.offer_id)
    return _link_page(request, services, token, done="confirmed")


@router.post("/provider/{token}/propose")
def provider_propose(request: Request, services: ServicesDep, token: str,
                     phone: str = Form("", max_length=NOTE_CHARS),
                     hours: str = Form("", max_length=NOTE_CHARS),
                     address: str = Form("", max_length=NOTE_CHARS),
                     closed: str = Form("", max_length=5),
                     other: str = Form("", max_length=NOTE_CHARS)):
    if not same_origin(request):
        raise HTTPException(403)
    proposals = {"phone": phone, "hours": hours, "address": address, "other": other}
    if closed:
        proposals["closed"] = ""
    try:
        with services.store.session.begin() as s:
            n = service.propose_by_link(s, token, proposals)
    except NotFound:
        return _link_page(request, services, token)
    if not n:
        return _link_page(request, services, token, status_code=422)
    return _link_page(request, services, token, done="proposed")


def _reindex(services, offer_id: str) -> None:
    found = services.store.offers(ids=[offer_id])
    if found:
        services.engine.upsert(found[0])
