"""The JSON API: search, Kommunen, health and readiness (contracts in DESIGN.md)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from app.analytics.record import record_search
from app.assistant.lines import lead_with_lines
from app.i18n import gettext as _
from app.i18n import pick_language
from app.web.deps import ServicesDep
from app.web.openapi import QueryInt
from index.situations import situations

router = APIRouter()


@router.get("/api/v1/search", tags=["search"])
def search(
    request: Request, services: ServicesDep,
    q: str = Query(..., min_length=1, max_length=1000, description="The question, any language"),
    kommune: str | None = Query(None, max_length=60, description="Kommune id; empty = all"),
    lang: str | None = Query(None, max_length=20, description="UI language; empty = detected"),
    age: QueryInt | None = Query(None, ge=0, le=120),
    gemeinde: str | None = Query(None, max_length=40, description="Gemeinde id (AGS)"),
    limit: QueryInt = Query(5, ge=1, le=50),
):
    if kommune and not services.store.kommune_exists(kommune):
        raise HTTPException(404, _("Unknown Kommune."))
    engine = services.engine
    ev = engine.evidence(q.strip())
    answer = engine.answer(ev, kommune=kommune or None,
                           lang=pick_language(lang, default="") or None, age=age,
                           gemeinde=gemeinde, limit=limit)
    # a crisis: 110, 112 and the lines that fit the situation lead the results
    found = situations(answer.query, ev.crisis_term, answer.topics) if answer.crisis else ()
    answer = lead_with_lines(answer, found, engine.offers, kommune or None, gemeinde)
    record_search(services, answer, kommune=kommune or None,
                  ui_lang=pick_language(lang, default="") or None)
    return {
        "query": answer.query,
        "lang": answer.lang,
        "crisis": answer.crisis,
        "confident": answer.confident,
        "degraded": answer.degraded,
        "topics": [code for code, _ in answer.topics],
        "results": [
            {
                "id": h.id,
                "name": h.name,
                "categories": list(h.categories),
                "kommune": h.kommune,
                "score": h.score,
                "emergency": h.emergency,
            }
            for h in answer.results
        ],
    }


@router.get("/api/v1/kommunen", tags=["directory"])
def kommunen(request: Request, services: ServicesDep):
    store = services.store
    by_kommune: dict[str, list[dict]] = {}
    for g in store.gemeinden():
        by_kommune.setdefault(g.kommune_id, []).append({"id": g.id, "name": g.name})
    return [
        {
            "id": k.id,
            "name": k.name,
            "kind": k.kind,
            "regierungsbezirk": k.regierungsbezirk,
            "ags": k.ags,
            "sample": k.sample,
            "gemeinden": by_kommune.get(k.id, []),
        }
        for k in store.kommunen()
    ]


@router.get("/healthz", tags=["ops"])
def healthz():
    return {"status": "ok"}


@router.get("/readyz", tags=["ops"])
def readyz(request: Request):
    services = getattr(request.app.state, "services", None)
    checks = {"store": False, "index": False, "model": False, "writes": False}
    if services is not None and services.ready:
        try:
            checks["store"] = services.store.ping()
            checks["writes"] = services.store.writes.probe()  # disk full: not ready (REL-07)
        except Exception:  # an unreadable store is exactly what readyz reports
            checks["store"] = False
        checks["index"] = bool(services.engine.offers)
        checks["model"] = services.model_loaded
        degraded = services.degraded
    else:
        degraded = True
    ok = checks["store"] and checks["index"] and checks["writes"]
    body = {"status": ("degraded" if degraded else "ready") if ok else "unavailable",
            "search": "lexical" if degraded else "semantic", **checks}
    return JSONResponse(body, status_code=200 if ok else 503)
