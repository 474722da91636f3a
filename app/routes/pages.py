"""The newcomer's pages: start page and answer, the same form with and without htmx."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from app.analytics.record import record_search
from app.cards import card
from app.rendering import render

router = APIRouter()


@router.get("/", include_in_schema=False)
def start(
    request: Request,
    q: str | None = Query(None, max_length=2000),
    kommune: str | None = Query(None, max_length=60),
    age: str | None = Query(None, max_length=10),
):
    services = request.app.state.services
    kommunen = services.store.kommunen()
    known = {k.id for k in kommunen}
    chosen = kommune if kommune in known else (kommunen[0].id if kommunen else None)
    data: dict = {
        "kommunen": kommunen,
        "kommune": chosen,
        "q": (q or "").strip(),
        "age": age or "",
        "answer": None,
        "errors": [],
    }
    age_value = None
    if age and age.strip():
        if age.strip().isdigit() and 0 <= int(age) <= 120:
            age_value = int(age)
        else:
            data["errors"].append("age")
    if kommune and kommune not in known:
        data["errors"].append("kommune")
    if data["q"] and not data["errors"]:
        answer = services.engine.search(
            data["q"][:1000], kommune=chosen, lang=request.state.lang, age=age_value,
            limit=services.settings.search_limit,
        )
        offers = services.engine.offers
        data["answer"] = {
            "id": record_search(services, answer, kommune=chosen, ui_lang=request.state.lang),
            "crisis": answer.crisis,
            "confident": answer.confident,
            "degraded": answer.degraded,
            "cards": [card(offers[h.id], request.state.lang, h.score) for h in answer.results],
        }
    return render(request, "index.html", data, block="answer")
