"""Public routes for volunteers: browse a Kommune's offers, one offer's sheet, a short list.

`/browse` filters with a plain GET form (htmx swaps only the results block);
`/offer/{id}` and `/list?ids=a,b,c` render the same printable sheet with a share link
and a QR code of it. Cards come from `app.cards.card` and `_card.html`.
Below them: the installable web app (manifest, service worker, `/saved`, `/offline`)
and the accessibility statement with its Leichte Sprache explanation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from app.cards import card
from app.i18n import direction, format_date
from app.i18n import gettext as _
from app.responsibility.views import form_options
from app.volunteer import browse
from app.web.deps import ServicesDep
from app.web.rendering import render

router = APIRouter(include_in_schema=False)


def _age(raw: str | None) -> tuple[int | None, bool]:
    """(age, valid) from the age field: empty is fine, a number 0-120 is, words are not."""
    raw = (raw or "").strip()
    if not raw:
        return None, True
    if raw.isdigit() and int(raw) <= 120:
        return int(raw), True
    return None, False


@router.get("/browse")
def browse_page(
    request: Request, services: ServicesDep,
    kommune: str | None = Query(None, max_length=60),
    topic: str | None = Query(None, max_length=40),
    language: str | None = Query(None, max_length=20),
    age: str | None = Query(None, max_length=10),
    open_now: str | None = Query(None, alias="open", max_length=5),
    q: str | None = Query(None, max_length=200),
    gemeinde: str | None = Query(None, max_length=40),
    part: str | None = Query(None, max_length=10),
):
    lang = request.state.lang
    places = form_options(services.store, kommune)
    kommunen, chosen = places["kommunen"], places["kommune"]
    gemeinden = places["gemeinden"]
    gemeinde = gemeinde if gemeinde and gemeinde in {g.id for g in gemeinden} else ""
    offers = services.store.offers(chosen) if chosen else []
    age_value, age_ok = _age(age)
    topic_list = browse.topics(lang)
    language_list = browse.languages_offered(offers, lang)
    filters = browse.Filters(
        topic=topic if topic in {c for c, _ in topic_list} else "",
        language=language if language in {c for c, _ in language_list} else "",
        age=age_value, open_now=bool(open_now), text=(q or "").strip(), gemeinde=gemeinde)
    pairs = [(o, card(o, lang)) for o in offers]
    shown = [(o, c) for o, c in pairs if browse.matches(o, c["state"], filters, lang)]
    show_index = not filters.active and topic != "all"
    data = {
        "kommunen": kommunen, "kommune": chosen, "topics": topic_list, "q": q or "",
        "gemeinden": gemeinden, "gemeinde": gemeinde,
        "languages": language_list, "filters": filters, "age": age or "",
        "errors": [] if age_ok else ["age"], "all": topic == "all", "count": len(shown),
        "kommune_unknown": bool(kommune) and kommune != chosen,
        # no filter chosen: the topics with their counts, not every card (a light page)
        "index": [(code, label, n) for code, label in topic_list
                  if (n := sum(code in o.categories for o, _c in shown))] if show_index else [],
        "groups": [] if show_index else browse.by_topic(shown, lang),
    }
    # the Kommune changed: htmx swaps only its Gemeinde list, a plain form gets the page
    return render(request, "browse.html", data,
                  block="gemeinde" if part == "places" else "results")


def _sheet(request: Request, offers: list, title: str, path: str, **params: str):
    lang = request.state.lang
    url = browse.share_url(request.app.state.settings.public_url, path, **params, lang=lang)
    data = {
        "title": title, "cards": [card(o, lang) for o in offers], "url": url,
        "qr": browse.qr_svg(url, _("QR code of the link to this page")),
        "sample": any(o.kommune_id == "demo" for o in offers),
        "single": len(offers) == 1 and path.startswith("/offer/"),
        "sheet": True,  # cards on a sheet need no link to their own sheet
    }
    return render(request, "sheet.html", data)


@router.get("/offer/{offer_id}")
def offer_page(request: Request, services: ServicesDep, offer_id: str):
    ids = browse.parse_ids([offer_id])
    offers = services.store.offers(ids=ids) if ids else []
    if not offers:
        raise HTTPException(404)
    name = card(offers[0], request.state.lang)["name"]
    return _sheet(request, offers, name, f"/offer/{offers[0].id}")


@router.get("/list")
def list_page(request: Request, services: ServicesDep, ids: list[str] = Query([], max_length=20)):
    wanted = browse.parse_ids(ids)
    found = {o.id: o for o in services.store.offers(ids=wanted)} if wanted \
        else {}
    offers = [found[i] for i in wanted if i in found]
    if not offers:
        raise HTTPException(404)
    return _sheet(request, offers, _("Offers to hand over"), "/list",
                  ids=",".join(o.id for o in offers))


# --- The installable web app: manifest, service worker and the pages it keeps offline.
STATIC = Path(__file__).resolve().parent.parent / "static"
THEME = "#0b5cad"


@router.get("/manifest.webmanifest")
def manifest(request: Request):
    lang = request.state.lang
    icons = [{"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml",
              "purpose": "any"}]
    icons += [{"src": f"/static/icons/icon-{n}.png", "sizes": f"{n}x{n}", "type": "image/png",
               "purpose": "any maskable"} for n in (192, 512)]
    body = {
        "id": "/", "name": _("KIM-Lotse – finding help in your Kommune"),
        "short_name": "KIM-Lotse",
        "description": _("Counselling offers of your Kommune, in your language."),
        "lang": lang, "dir": direction(lang), "start_url": f"/?lang={lang}", "scope": "/",
        "display": "standalone", "background_color": "#ffffff", "theme_color": THEME,
        "icons": icons,
    }
    return JSONResponse(body, media_type="application/manifest+json",
                        headers={"Cache-Control": "no-cache"})


@router.get("/sw.js")
def service_worker():
    return FileResponse(STATIC / "sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})


@router.get("/offline")
def offline(request: Request):
    return render(request, "offline.html", {})


@router.get("/saved")
def saved(request: Request):
    return render(request, "saved.html", {})


# --- The accessibility statement (Erklärung zur Barrierefreiheit, BITV NRW) and the
#: When the statement was last checked (self-evaluation; update with every review).
REVIEWED = dt.date(2026, 12, 2)


@router.get("/accessibility")
def accessibility(request: Request):
    return render(request, "accessibility.html", {
        "contact": request.app.state.settings.accessibility_contact,
        "reviewed": format_date(REVIEWED, request.state.lang),
    })


@router.get("/leichte-sprache")
def leichte_sprache(request: Request):
    return render(request, "leichte_sprache.html", {})
