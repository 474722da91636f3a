"""The referral over HTTP: the pages for newcomers and volunteers (form, confirmation,
status, withdrawal) and the JSON API (`/api/v1/referrals`, below).

`GET /referral?kommune=ID&topics=a,b&lang=CODE[&for=other]` shows the form
in the person's language, prefilled from non-personal query parameters and
from `PREFILL_PROVIDERS` (functions `request -> dict` that other modules,
e.g. the assistant's server-side conversation, register; keys: message,
topics, kommune, language, age, residence_status). No personal data ever goes into a URL.
`POST /referral` runs the same code as the API (`service.submit`); errors
and a busy store (503) show the form again with everything typed kept.
The confirmation (shown only after the commit) gives the reference, the
secret, what happens next, and a one-click withdrawal. When the form carries a
shown answer's id, `REFERRAL_FOLLOWED` hooks hear of it (the anonymous figures,
`app.analytics`, register theirs), so referrals import no other feature.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import OperationalError

from app import i18n
from app.i18n import gettext as _
from app.referrals import consent
from app.referrals.service import (
    CHANNELS,
    RESIDENCE_STATUSES,
    ReferralError,
    ReferralIn,
    Unavailable,
    find,
    submit,
)
from app.referrals.service import withdraw as service_withdraw
from app.referrals.workflow import coarse, public_label
from app.responsibility.vocab import STATUSES
from app.web.csrf import same_origin
from app.web.deps import ServicesDep
from app.web.openapi import QueryBool
from app.web.ratelimit import limited
from app.web.rendering import render
from directory.reference import taxonomy, topic_label

router = APIRouter()
pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["referrals"])
PREFILL_PROVIDERS: list[Callable[[Request], dict]] = []
#: called with (services, answer id) when a sent referral followed a shown answer
REFERRAL_FOLLOWED: list[Callable[[Any, str], object]] = []
#: (session, referral) -> (template, data) or None: panels of the status page (the message
#: thread of app.messages registers one), rendered below the status for reference + secret
STATUS_PANELS: list[Callable[[Any, Any], tuple[str, dict] | None]] = []
ANSWER_ID = re.compile(r"[\w-]{8,64}", re.ASCII)  # app.analytics.record's per-answer id
#: Languages a person can name for the conversation (ISO 639 codes).
PERSON_LANGUAGES = ("de", "en", "ar", "fa", "prs", "tr", "ku", "ckb", "uk", "ru", "ps", "ti",
                    "ro", "bg", "fr", "so", "sq", "pl", "es", "it")
TEXT_FIELDS = ("name", "contact", "message", "age", "contact_channel", "language", "kommune",
               "gemeinde", "on_behalf_name", "on_behalf_contact", "residence_status")


def _page(request: Request, template: str, data: dict, status_code: int = 200):
    response = render(request, template, data, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def _form(request: Request, values: dict, errors: dict[str, str], volunteer: bool,
          status_code: int = 200, idempotency_key: str | None = None, checked=frozenset()):
    services = request.app.state.services
    kommunen, gemeinden = places(request)
    kommune_id = values.get("kommune") or (kommunen[0].id if kommunen else "")
    kommune = next((k for k in kommunen if k.id == kommune_id), kommunen[0])
    lang = i18n.current_language()
    text = consent.information(kommune.name, volunteer, services.settings)
    return _page(request, "referral.html", {
        "v": values, "errors": errors, "volunteer": volunteer, "kommunen": kommunen,
        "kommune": kommune, "gemeinden": gemeinden.get(kommune.id, []),
        "topics": [(t["code"], topic_label(t["code"], lang)) for t in taxonomy()],
        "chosen_topics": set(values.get("topics") or ()), "channels": CHANNELS,
        "person_languages": PERSON_LANGUAGES, "consent": text, "checked": checked,
        "special_topics": consent.SPECIAL_TOPICS,
        "residence_statuses": [(code, _(STATUSES[code].label)) for code in RESIDENCE_STATUSES],
        "idempotency_key": idempotency_key or secrets.token_urlsafe(16),
    }, status_code)


@pages.get("/referral")
def referral_form(request: Request, kommune: str | None = Query(None, max_length=40),
                  topics: str | None = Query(None, max_length=400),
                  q: str | None = Query(None, max_length=2000),
                  answer: str | None = Query(None, max_length=64),
                  for_: str | None = Query(None, alias="for", max_length=10)):
    """The form, prefilled from the answer that led here: Kommune, topics, the question as
    the message, and the answer's id (so the figures count a referral after an answer)."""
    prefill: dict = {}
    for provider in PREFILL_PROVIDERS:
        prefill.update(provider(request) or {})
    if kommune:
        prefill.setdefault("kommune", kommune)
    if topics:
        prefill.setdefault("topics", [t for t in topics.split(",") if t][:10])
    if q and q.strip():
        prefill.setdefault("message", q.strip())
    if answer and ANSWER_ID.fullmatch(answer):
        prefill.setdefault("answer", answer)
    prefill.setdefault("language", i18n.current_language())
    return _form(request, prefill, {}, volunteer=for_ == "other")


def _body(form) -> tuple[dict, dict]:
    values = {k: (form.get(k) or "").strip() for k in TEXT_FIELDS}
    values["topics"] = [t for t in form.getlist("topics") if isinstance(t, str)][:10]
    answer = form.get("answer")
    values["answer"] = answer if isinstance(answer, str) and ANSWER_ID.fullmatch(answer) else ""
    body: dict = {
        "kommune": values["kommune"], "language": values["language"] or None,
        "topics": values["topics"], "name": values["name"],
        "contact_channel": values["contact_channel"] or None, "contact": values["contact"],
        "message": values["message"], "consent": form.get("consent") == "yes",
        "consent_special": form.get("consent_special") == "yes",
        "interpreter": form.get("interpreter") == "yes",
        "gemeinde": values["gemeinde"] or None,
        "residence_status": values["residence_status"] or None,
        "age": int(values["age"]) if values["age"].isdigit() else (values["age"] or None),
    }
    if form.get("volunteer") == "1":
        body["on_behalf"] = {"name": values["on_behalf_name"],
                             "contact": values["on_behalf_contact"]}
    return values, body


@pages.post("/referral")
async def referral_submit(request: Request, services: ServicesDep):
    form = await request.form()
    values, body = _body(form)
    volunteer = form.get("volunteer") == "1"
    key = str(form.get("idempotency_key") or "")[:100] or None
    checked = {k for k in ("consent", "consent_special", "interpreter") if form.get(k) == "yes"}

    def again(errors: dict[str, str], status: int):
        return _form(request, values, errors, volunteer, status, key, checked)

    if form.get("website"):  # the honeypot: people never see this field
        return again({"form": _("Your request could not be sent.")}, 400)
    wait = limited(request, "referral", request.app.state.settings.referral_limit_ip)
    if wait:
        return again({"form": _("Too many requests. Please try again later.")}, 429)
    try:
        data = ReferralIn.model_validate(body)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() else "form"
        return again({field: _("Please check this field.")}, 422)
    kommune = next((k for k in places(request)[0] if k.id == data.kommune), None)
    if kommune is None:
        return again({"kommune": _("We do not know this Kommune. Please choose one from the "
                                   "list.")}, 422)
    shown = consent.information(kommune.name, volunteer, services.settings)
    if form.get("consent_sha256") != shown.fingerprint:
        return again({"consent": _("The information text has changed. Please read it again and "
                                   "confirm.")}, 422)
    try:
        receipt = submit(services.store, services.settings, data,
                         lang=i18n.current_language(), shown=shown, idempotency_key=key)
    except ReferralError as exc:
        return again({exc.field or "form": str(exc)}, exc.status)
    except Unavailable:
        return again({"form": _("We cannot take your request right now. Nothing was stored. "
                                "Please send it again in a minute; your text is kept below.")},
                     503)
    if values["answer"]:
        for followed in REFERRAL_FOLLOWED:  # anonymous: the answer's flag only
            followed(services, values["answer"])
    return _page(request, "referral_done.html", {"receipt": receipt, "kommune": kommune,
                                                 "volunteer": volunteer}, 201)


@pages.get("/referral/status")
def status_form(request: Request):
    return _page(request, "referral_status.html", {"found": None, "error": False,
                                                   "reference": ""})


async def _credentials(request: Request):
    """Reference and secret of a status form, and a 429 page if this IP is over its limit."""
    form = await request.form()
    reference = str(form.get("reference") or "")[:30]
    secret = str(form.get("secret") or "")[:30]
    refused = None
    if limited(request, "status", request.app.state.settings.status_limit_ip):
        refused = _page(request, "referral_status.html", {"found": None, "error": "limited",
                                                          "reference": reference}, 429)
    return reference, secret, refused


@pages.post("/referral/status")
async def status_lookup(request: Request, services: ServicesDep):
    reference, secret, refused = await _credentials(request)
    if refused is not None:
        return refused
    with services.store.session.begin() as s:
        ref = find(s, reference, secret)
        if ref is not None:
            return status_page(request, s, ref, secret)
    return _page(request, "referral_status.html", {"found": None, "error": True,
                                                   "reference": reference}, 404)


def status_page(request: Request, s, ref, secret: str, notice: str = "",
                status_code: int = 200):
    """The status page of a found referral with every registered panel (inside `s`)."""
    found = {"reference": ref.reference, "secret": secret,
             "status": public_label(coarse(ref.status)),
             "withdrawn": ref.status == "zurueckgezogen"}
    panels = [p for p in (panel(s, ref) for panel in STATUS_PANELS) if p is not None]
    return _page(request, "referral_status.html", {"found": found, "error": False,
                                                   "reference": ref.reference,
                                                   "panels": panels, "notice": notice},
                 status_code)


@pages.post("/referral/withdraw")
async def withdraw(request: Request, services: ServicesDep):
    reference, secret, refused = await _credentials(request)
    if refused is not None:
        return refused
    ok = service_withdraw(services.store, reference, secret)
    return _page(request, "referral_status.html", {"found": None, "error": not ok,
                                                   "withdrawn": ok, "reference": reference},
                 200 if ok else 404)


# --- The referral JSON API: POST /api/v1/referrals (DESIGN.md), consent text, status, withdrawal


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


@api.post("/api/v1/referrals", status_code=201)
def create_referral(request: Request, services: ServicesDep, body: ReferralIn,
                    idempotency_key: str | None = Header(None, max_length=200)):
    if not same_origin(request):
        return _error(_("This request came from another site."), 403)
    wait = limited(request, "referral", request.app.state.settings.referral_limit_ip)
    if wait:
        return _error(_("Too many requests. Please try again later."), 429,
                      headers={"Retry-After": str(wait)})
    lang = i18n.pick_language(body.language, default="") or request.state.lang
    i18n.set_language(lang)
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


@api.get("/api/v1/referrals/consent")
def consent_text(request: Request, services: ServicesDep, kommune: str = Query(..., max_length=40),
                 lang: str | None = Query(None, max_length=16),
                 on_behalf: QueryBool = Query(False)):
    """The information and consent text to show before submitting, with its fingerprint."""
    k = services.store.kommune(kommune)
    if k is None:
        return _error(_("We do not know this Kommune. Please choose one from the list."), 404)
    i18n.set_language(i18n.pick_language(lang, default="") or request.state.lang)
    text = consent.information(k.name, on_behalf, services.settings)
    return {"version": consent.VERSION, "sha256": text.fingerprint, "lang":
            i18n.current_language(), "title": text.title, "paragraphs": list(text.paragraphs),
            "consent_label": text.consent_label, "special_label": text.special_label,
            "special_topics": sorted(consent.SPECIAL_TOPICS)}


@api.post("/api/v1/referrals/status")
def status(request: Request, services: ServicesDep, body: Lookup):
    if limited(request, "status", request.app.state.settings.status_limit_ip):
        return _error(_("Too many requests. Please try again later."), 429)
    with services.store.session() as s:
        ref = find(s, body.reference, body.secret)
        if ref is None:
            return _error(_("Reference number or secret code is wrong."), 404)
        return {"reference": ref.reference, "status": coarse(ref.status)}


@api.post("/api/v1/referrals/withdraw")
def withdraw_referral(request: Request, services: ServicesDep, body: Lookup):
    if not same_origin(request):
        return _error(_("This request came from another site."), 403)
    if limited(request, "status", request.app.state.settings.status_limit_ip):
        return _error(_("Too many requests. Please try again later."), 429)
    if not service_withdraw(services.store, body.reference, body.secret):
        return _error(_("Reference number or secret code is wrong."), 404)
    return {"reference": body.reference.strip().upper(), "status": "withdrawn"}


router.include_router(api)
router.include_router(pages)
