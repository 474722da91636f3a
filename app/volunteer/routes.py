"""Public routes for volunteers: browse a Kommune's offers, one offer's sheet, a short list.

`/browse` filters with a plain GET form (htmx swaps only the results block);
`/offer/{id}` and `/list?ids=a,b,c` render the same printable sheet with a share link
and a QR code of it. Cards come from `app.cards.card` and `_card.html`.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request

from app.cards import card
from app.i18n import gettext as _
from app.responsibility.routes import form_options
from app.volunteer import browse
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
    request: Request,
    kommune: str | None = Query(None, max_length=60),
    topic: str | None = Query(None, max_length=40),
    language: str | None = Query(None, max_length=20),
    age: str | None = Query(None, max_length=10),
    open_now: str | None = Query(None, alias="open", max_length=5),
):
    services = request.app.state.services
    lang = request.state.lang
    places = form_options(services.store, kommune)
    kommunen, chosen = places["kommunen"], places["kommune"]
    offers = services.store.offers(chosen) if chosen else []
    age_value, age_ok = _age(age)
    topic_list = browse.topics(lang)
    language_list = browse.languages_offered(offers, lang)
    filters = browse.Filters(
        topic=topic if topic in {c for c, _ in topic_list} else "",
        language=language if language in {c for c, _ in language_list} else "",
        age=age_value, open_now=bool(open_now))
    pairs = [(o, card(o, lang)) for o in offers]
    shown = [(o, c) for o, c in pairs if browse.matches(o, c["state"], filters)]
    show_index = not filters.active and topic != "all"
    data = {
        "kommunen": kommunen, "kommune": chosen, "topics": topic_list,
        "languages": language_list, "filters": filters, "age": age or "",
        "errors": [] if age_ok else ["age"], "all": topic == "all", "count": len(shown),
        "kommune_unknown": bool(kommune) and kommune != chosen,
        # no filter chosen: the topics with their counts, not every card (a light page)
        "index": [(code, label, n) for code, label in topic_list
                  if (n := sum(code in o.categories for o, _c in shown))] if show_index else [],
        "groups": [] if show_index else browse.by_topic(shown, lang),
    }
    return render(request, "browse.html", data, block="results")


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
def offer_page(request: Request, offer_id: str):
    ids = browse.parse_ids([offer_id])
    offers = request.app.state.services.store.offers(ids=ids) if ids else []
    if not offers:
        raise HTTPException(404)
    name = card(offers[0], request.state.lang)["name"]
    return _sheet(request, offers, name, f"/offer/{offers[0].id}")


@router.get("/list")
def list_page(request: Request, ids: list[str] = Query([], max_length=20)):
    wanted = browse.parse_ids(ids)
    found = {o.id: o for o in request.app.state.services.store.offers(ids=wanted)} if wanted \
        else {}
    offers = [found[i] for i in wanted if i in found]
    if not offers:
        raise HTTPException(404)
    return _sheet(request, offers, _("Offers to hand over"), "/list",
                  ids=",".join(o.id for o in offers))
