"""Editor pages under /staff/offers: list, stale offers, create, edit, archive, preview,
history, undo and "still valid" (`app.editors.freshness` counts what is due).

Editors see and change the offers of their own Kommune only (the query layer,
`app.staff.scope`: another Kommune's offer is 404); a state-wide admin sees
every offer, including the nationwide ones, and may move an offer between
Kommunen. Forms work without JavaScript (303 after a save) and with htmx
(the same form; errors and conflicts swap the page content, a save
redirects). A refused save keeps every typed value: field-level messages
(422) or the version conflict (409), which names who changed the offer and
lets the editor save over it deliberately.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import select

from app import i18n
from app.cards import card
from app.editors import actions, form, freshness, queue, review
from app.i18n import staff_gettext as _s
from app.responsibility.vocab import LEGAL_DOMAINS
from app.settings import UI_LANGUAGES
from app.staff.auth import Staff, require_staff
from app.staff.routes import HOME_LINKS, HOME_NOTES
from app.staff.scope import get_scoped, kommune_filter
from app.staff.web import render_staff
from app.web.deps import ServicesDep
from app.web.rendering import env, hx_redirect
from directory import drafts, editing, offer_lists
from directory.models import Kommune, Service
from directory.reference import office_kinds, taxonomy

router = APIRouter(include_in_schema=False)
EDITORS = require_staff("editor", "admin")
LIST_LIMIT = 200

HOME_LINKS.append(("editor", "/staff/offers", lambda: _s("Offers in the directory")))
HOME_LINKS.append(("admin", "/staff/offers", lambda: _s("Offers in the directory")))
HOME_NOTES.append(("editor", freshness.stale_note))
HOME_LINKS.append(("editor", "/staff/suggestions", lambda: _s("Suggested corrections")))


def _services(request: Request):
    return request.app.state.services


def _found(s, staff: Staff, offer_id: str) -> Service:
    svc = get_scoped(s, Service, offer_id, staff)
    if svc is None:
        raise editing.NotFound(offer_id)
    return svc


def _or_404(call):
    try:
        return call()
    except editing.NotFound:
        raise HTTPException(404, _s("Not found.")) from None


def _done(request: Request, url: str) -> Response:
    """After a change: 303 for a plain form, a full-page redirect for htmx."""
    return hx_redirect(request, url)


def _restrict(raw: dict, staff: Staff) -> dict:
    """An editor bound to a Kommune writes offers of that Kommune only."""
    if not staff.state_wide:
        raw["kommune_id"], raw["scope"] = staff.kommune_id, "kommune"
    return raw


def _options(request: Request, staff: Staff, kommune_id: str | None) -> dict:
    store = _services(request).store
    kommunen = [k for k in store.kommunen() if staff.state_wide or k.id == staff.kommune_id]
    return {
        "kommune_options": [(k.id, k.name) for k in kommunen],
        "gemeinde_options": [(g.id, g.name) for g in store.gemeinden(kommune_id)]
        if kommune_id else [],
        "topics": [(t["code"], t["de"]) for t in taxonomy()],
        "office_kinds": sorted(office_kinds().items(), key=lambda kv: kv[1]),
        "legal_domains": [(c, t.de) for c, t in LEGAL_DOMAINS.items()],
        "residence_labels": form.RESIDENCE_LABELS,
        "days": drafts.DAYS,
        "languages": [(c, i18n.language_name(c, i18n.staff_language()))
                      for c in UI_LANGUAGES if c != "de"],
        "data_language": i18n.data_language,
    }


def _edit_page(request: Request, staff: Staff, *, offer_id: str | None, draft: dict,
               version: str, errors: dict | None = None, conflict=None, status: str = "active",
               status_code: int = 200, differ: list[str] | None = None):
    field_errors = form.field_errors(errors or {})
    marks = review.of_offer(_services(request), offer_id)
    data = {"offer_id": offer_id, "v": form.form_values(draft), "version": version,
            "errors": field_errors, "conflict": conflict,
            "differ": differ or [], "reviews": marks, "review_langs": set(marks),
            "open_tab": review.open_tab(field_errors, marks,
                                        request.query_params.get("tab")),
            "errors_in": lambda prefix: any(k.startswith(prefix) for k in field_errors),
            "status": status, "saved": request.query_params.get("saved") == "1",
            "last_verified": draft.get("last_verified") if offer_id else None,
            **_options(request, staff, draft.get("kommune_id") or staff.kommune_id)}
    return render_staff(request, staff, "staff/offer_edit.html", data, block="content",
                        status_code=status_code)


# --- the list ---------------------------------------------------------------------------


@router.get("/staff/offers")
def offer_list(request: Request, services: ServicesDep, staff: Staff = Depends(EDITORS),
               q: str | None = Query(None, max_length=200),
               kommune: str | None = Query(None, max_length=60),
               topic: str | None = Query(None, max_length=60),
               status: str | None = Query(None, max_length=20),
               review: str | None = Query(None, max_length=5)):
    with services.store.session() as s:
        total, listed = offer_lists.listed(
            s, partial(kommune_filter, staff),
            status=status if status in drafts.STATUSES else "active",
            name=(q or "").strip(), kommune=kommune if staff.state_wide else None,
            topic=topic, limit=LIST_LIMIT)
    rows = [(o.id, o.name, o.kommune_name, o.last_verified, o.temporarily_closed,
             o.needs_review) for o in listed]
    if review:
        rows = [r for r in rows if r[5]]
    return render_staff(request, staff, "staff/offers.html", {
        "rows": rows, "total": total, "limit": LIST_LIMIT, "q": q or "",
        "kommune": kommune or "", "topic": topic or "", "status": status or "active",
        "review": bool(review), **_options(request, staff, None)}, block="results")


# --- create and edit ----------------------------------------------------------------------


@router.get("/staff/offers/stale")
def stale_list(request: Request, services: ServicesDep, staff: Staff = Depends(EDITORS),
               kommune: str | None = Query(None, max_length=60)):
    store = services.store
    with store.session() as s:
        due = freshness.stale(s, staff, kommune if staff.state_wide else None)
        total = freshness.count(s, staff, kommune)
        names = dict(s.execute(select(Kommune.id, Kommune.name)).all())
        asked = queue.asked(s, [o.id for o in due])
    confirmed = request.query_params.get("confirmed", "")
    rows = [{"id": o.id, "name": o.name, "kommune": o.kommune_id, "verified": o.last_verified,
             "languages": list(o.languages), "review": o.needs_review} for o in due]
    return render_staff(request, staff, "staff/offers_stale.html", {
        "rows": rows, "total": total, "names": names, "months": freshness.STALE_MONTHS,
        "kommune": kommune or "", "asked": asked,
        "asked_now": request.query_params.get("asked") == "1",
        "tick_all": request.query_params.get("tick") == "all",
        "no_address": request.query_params.get("noaddress") == "1",
        "confirmed": int(confirmed) if confirmed.isdigit() and len(confirmed) < 4 else 0,
        "kommune_options": sorted(names.items(), key=lambda kv: kv[1])
        if staff.state_wide else []})


@router.post("/staff/offers/{offer_id}/confirm")
def confirm(request: Request, services: ServicesDep, offer_id: str, staff: Staff = Depends(EDITORS),
            translations_reviewed: str = Form("", max_length=5),
            back: str = Form("stale", max_length=10)):
    def change(s):
        _found(s, staff, offer_id)
        return editing.confirm(s, offer_id, actions.actor_of(staff), freshness.today(),
                               translations_reviewed=bool(translations_reviewed))

    try:
        actions.run(services, staff, "verify", change)
    except editing.NotFound:
        raise HTTPException(404, _s("Not found.")) from None
    if back == "edit":
        return _done(request, f"/staff/offers/{offer_id}?saved=1")
    return _done(request, "/staff/offers/stale?confirmed=1")


@router.get("/staff/offers/new")
def new_form(request: Request, staff: Staff = Depends(EDITORS),
             kommune: str | None = Query(None, max_length=60)):
    """A blank form; an admin picks the Kommune first (`?kommune=`) to tick its Gemeinden."""
    draft = _restrict({**drafts.empty(), "kommune_id": kommune}, staff)
    return _edit_page(request, staff, offer_id=None, draft=draft, version="")


@router.post("/staff/offers/new")
async def create(request: Request, services: ServicesDep, staff: Staff = Depends(EDITORS)):
    raw = _restrict(form.draft_from_form(await request.form()), staff)
    try:
        saved = actions.run(services, staff, "create", lambda s: editing.create(
            s, raw, actions.actor_of(staff), actions.choices(s)))
    except editing.Invalid as exc:
        return _edit_page(request, staff, offer_id=None, draft=raw, version="",
                          errors=exc.errors, status_code=422)
    return _done(request, f"/staff/offers/{saved.offer_id}?saved=1")


@router.get("/staff/offers/{offer_id}")
def edit_form(request: Request, services: ServicesDep,
              offer_id: str, staff: Staff = Depends(EDITORS)):
    with services.store.session() as s:
        _or_404(lambda: _found(s, staff, offer_id))
        _, snap = editing.load(s, offer_id)
    return _edit_page(request, staff, offer_id=offer_id, draft=snap,
                      version=editing.version(snap), status=snap["status"])


@router.post("/staff/offers/{offer_id}")
async def save(request: Request, services: ServicesDep,
               offer_id: str, staff: Staff = Depends(EDITORS)):
    submitted = await request.form()
    raw = _restrict(form.draft_from_form(submitted), staff)
    version = str(submitted.get("version") or "")

    checked = review.checked_in(submitted)

    def change(s):
        _found(s, staff, offer_id)
        review.clear_checked(s, staff, offer_id, checked)  # before: this save may mark anew
        return editing.update(s, offer_id, raw, actions.actor_of(staff), actions.choices(s),
                              version)

    try:
        saved = _or_404(lambda: actions.run(services, staff, "update", change))
    except editing.Invalid as exc:
        return _edit_page(request, staff, offer_id=offer_id, draft=raw, version=version,
                          errors=exc.errors, status_code=422)
    except editing.Conflict as exc:
        with services.store.session() as s:
            _found(s, staff, offer_id)
            current = editing.load(s, offer_id)[1]
            typed, _ = drafts.validate(raw, actions.choices(s))
        differ = [form.field_label(k) for k in drafts.FIELDS
                  if k in typed and typed[k] != current.get(k)]
        return _edit_page(request, staff, offer_id=offer_id, draft=raw,
                          version=editing.version(current), conflict=exc.latest,
                          status=current["status"], status_code=409, differ=differ)
    if checked and saved.change_id is None:  # only marks went: newcomers' cards follow
        actions.reindex(services, offer_id)
    return _done(request, f"/staff/offers/{offer_id}?saved=1")


@router.post("/staff/offers/{offer_id}/archive")
def archive(request: Request, offer_id: str, staff: Staff = Depends(EDITORS)):
    return _status(request, staff, offer_id, "inactive")


@router.post("/staff/offers/{offer_id}/restore")
def restore(request: Request, offer_id: str, staff: Staff = Depends(EDITORS)):
    return _status(request, staff, offer_id, "active")


def _status(request: Request, staff: Staff, offer_id: str, status: str):
    def change(s):
        _found(s, staff, offer_id)
        return editing.set_status(s, offer_id, status, actions.actor_of(staff))

    action = "archive" if status == "inactive" else "restore"
    _or_404(lambda: actions.run(_services(request), staff, action, change))
    return _done(request, f"/staff/offers/{offer_id}?saved=1")


# --- preview, history, undo ---------------------------------------------------------------


def preview_html(offer, lang: str) -> Markup:
    """The public card of an offer, rendered as a newcomer in `lang` sees it."""
    before = i18n.current_language()
    i18n.set_language(lang)
    try:
        html = env.get_template("staff/_preview_card.html").render(
            card=card(offer, lang), lang=lang, dir=i18n.direction(lang))
    finally:
        i18n.set_language(before)
    return Markup(html)  # noqa: S704 - our own template, autoescaped


@router.get("/staff/offers/{offer_id}/preview")
def preview(request: Request, services: ServicesDep, offer_id: str, staff: Staff = Depends(EDITORS),
            shown: str | None = Query(None, alias="in", max_length=20)):
    with services.store.session() as s:
        svc = _or_404(lambda: _found(s, staff, offer_id))
        name, active = svc.name, svc.status == "active"
    lang = shown if shown in UI_LANGUAGES else "de"
    found = services.store.offers(ids=[offer_id], archived=True)
    return render_staff(request, staff, "staff/offer_preview.html", {
        "offer_id": offer_id, "name": name, "shown": lang, "active": active,
        "languages": [(c, i18n.language_name(c)) for c in UI_LANGUAGES],
        "card_html": preview_html(found[0], lang) if found else None}, block="preview")


@router.get("/staff/offers/{offer_id}/history")
def history(request: Request, services: ServicesDep,
            offer_id: str, staff: Staff = Depends(EDITORS)):
    with services.store.session() as s:
        svc = _or_404(lambda: _found(s, staff, offer_id))
        entries = [{"id": e.id, "at": e.at, "who": e.actor_name, "action": e.action,
                    "undo_of": e.undo_of, "undone_by": e.undone_by,
                    "undoable": e.action != "create" and e.undone_by is None and e.changes,
                    "changes": [(form.field_label(c["field"]),
                                 form.show_value(c["field"], c["before"]),
                                 form.show_value(c["field"], c["after"])) for c in e.changes]}
                   for e in editing.history(s, offer_id)]
        name = svc.name
    return render_staff(request, staff, "staff/offer_history.html", {
        "offer_id": offer_id, "name": name, "entries": entries,
        "problem": request.query_params.get("problem", ""), "actions": action_labels()})


def action_labels() -> dict[str, str]:
    return {"create": _s("created"), "update": _s("changed"), "archive": _s("archived"),
            "restore": _s("restored"), "verify": _s("confirmed as still valid"),
            "undo": _s("undone"), "import": _s("changed by an import")}


@router.post("/staff/offers/{offer_id}/undo/{change_id}")
def undo(request: Request, services: ServicesDep,
         offer_id: str, change_id: int, staff: Staff = Depends(EDITORS)):
    def change(s):
        _found(s, staff, offer_id)
        return editing.undo(s, change_id, actions.actor_of(staff), offer_id)

    try:
        _or_404(lambda: actions.run(services, staff, "undo", change))
    except editing.Conflict as exc:
        return _done(request, f"/staff/offers/{offer_id}/history?problem={exc.reason}")
    return _done(request, f"/staff/offers/{offer_id}/history")


# --- corrections: the suggestions queue, asking providers, confirming many (issue 16) ------


@router.get("/staff/suggestions")
def suggestions(request: Request, services: ServicesDep, staff: Staff = Depends(EDITORS)):
    entries, total = queue.open_queue(services, staff)
    return render_staff(request, staff, "staff/suggestions.html", {
        "entries": entries, "total": total,
        "dismissed": request.query_params.get("dismissed") == "1"})


@router.post("/staff/suggestions/{suggestion_id}/{decision}")
def decide_suggestion(request: Request, services: ServicesDep, suggestion_id: int,
                      decision: str, staff: Staff = Depends(EDITORS)) -> Response:
    status, offer_id = queue.decide(services, staff, suggestion_id, decision)
    if status == "accepted":  # the editor corrects the offer in its form
        return _done(request, f"/staff/offers/{offer_id}")
    return _done(request, "/staff/suggestions?dismissed=1")


@router.post("/staff/offers/{offer_id}/ask-provider")
def ask_provider(request: Request, services: ServicesDep, offer_id: str,
                 staff: Staff = Depends(EDITORS)) -> Response:
    asked = queue.ask_provider(services, staff, offer_id)
    return _done(request, "/staff/offers/stale?" + ("asked=1" if asked else "noaddress=1"))


@router.post("/staff/offers/stale/confirm-selected")
async def confirm_selected(request: Request, services: ServicesDep,
                           staff: Staff = Depends(EDITORS)) -> Response:
    form_data = await request.form()
    done = queue.confirm_many(services, staff, [str(v) for v in form_data.getlist("offer")])
    return _done(request, f"/staff/offers/stale?confirmed={done}")


# --- translations to review (issue 16): German text changed after the translation ----------


HOME_LINKS.append(("editor", "/staff/translations/review", lambda: _s("Translations to review")))


@router.get("/staff/translations/review")
def translations_review(request: Request, services: ServicesDep, staff: Staff = Depends(EDITORS),
                        lang: str | None = Query(None, max_length=20)):
    return render_staff(request, staff, "staff/translations_review.html", {
        **review.page(services, staff, lang),
        "checked_notice": request.query_params.get("checked") == "1"})


@router.post("/staff/offers/{offer_id}/translations/{lang}/checked")
def translation_checked(request: Request, services: ServicesDep, offer_id: str, lang: str,
                        staff: Staff = Depends(EDITORS)) -> Response:
    """"Still fits" from the list: the marks of this offer in this language go (404 when the
    offer is another Kommune's)."""
    review.checked(services, staff, offer_id, lang)
    return _done(request, f"/staff/translations/review?lang={lang}&checked=1")
