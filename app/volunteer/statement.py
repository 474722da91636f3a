"""The accessibility statement (Erklärung zur Barrierefreiheit, BITV NRW) and the
explanation of the start page in Leichte Sprache; both are linked from every page.

The statement follows the model of the EU implementing decision 2018/1523 as BITV NRW
asks: state of compatibility, content that is not accessible, how the statement was
made, feedback contact and the Ombudsstelle für barrierefreie Informationstechnik des
Landes Nordrhein-Westfalen (§ 10d BGG NRW, §§ 9 ff. BITV NRW).
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request

from app.i18n import format_date
from app.web.rendering import render

router = APIRouter(include_in_schema=False)
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
