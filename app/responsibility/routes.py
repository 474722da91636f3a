"""Who is responsible, over HTTP: the volunteer page `/responsibility` and the JSON API.

The page works without JavaScript (GET form, whole page); htmx swaps only the answer.
Offices are shown as the directory's cards; German legal text is marked
`lang="de"` and offered "for the counter". `GET /api/v1/responsibility` answers the
same as JSON (public, documented in OpenAPI). What the page shows is made in
`app.responsibility.views`, which the staff lookup (`app.rules`) shares.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request

from app.i18n import gettext as _
from app.responsibility import vocab
from app.responsibility.lookup import LookupInputError, lookup, present, term
from app.responsibility.repository import cached_rules
from app.responsibility.views import directory_offers, form_options, parse_age, view
from app.web.deps import ServicesDep
from app.web.openapi import IsoDate, QueryInt
from app.web.rendering import render

router = APIRouter()
pages = APIRouter()
api = APIRouter(tags=["responsibility"])




@pages.get("/responsibility", include_in_schema=False)
def responsibility_page(
    request: Request, services: ServicesDep,
    matter: str | None = Query(None, max_length=40),
    kommune: str | None = Query(None, max_length=60),
    gemeinde: str | None = Query(None, max_length=40),
    status: str | None = Query(None, max_length=40),
    benefits: str | None = Query(None, max_length=40),
    age: str | None = Query(None, max_length=10),
    part: str | None = Query(None, max_length=10),
):
    store = services.store
    lang = request.state.lang
    data = form_options(store, kommune)
    places_only = part == "places"  # the Kommune changed: its Gemeinden, no lookup yet
    gemeinde_ids = {g.id for g in data["gemeinden"]}
    chosen_gemeinde = gemeinde if gemeinde in gemeinde_ids else None
    age_value, age_ok = parse_age(age)
    data.update({
        "matters": [(c, _(t.label)) for c, t in vocab.MATTERS.items()],
        "statuses": [(c, _(t.label)) for c, t in vocab.STATUSES.items()],
        "benefit_options": [(c, _(t.label)) for c, t in vocab.BENEFITS.items()],
        "matter": matter if matter in vocab.MATTERS else "",
        "gemeinde": chosen_gemeinde or "",
        "status": status if status in vocab.STATUSES else "",
        "benefits": benefits if benefits in vocab.BENEFITS else "",
        "age": age or "",
        "errors": [],
        "answer": None,
    })
    if not age_ok:
        data["errors"].append("age")
    if kommune and kommune != data["kommune"]:
        data["errors"].append("kommune")
    checks = (("matter", matter, vocab.MATTERS), ("status", status, vocab.STATUSES),
              ("benefits", benefits, vocab.BENEFITS))
    for name, value, table in checks:
        if value and value not in table:
            data["errors"].append(name)
    if places_only:
        return render(request, "responsibility.html", data, block="gemeinde")
    if data["matter"] and not data["errors"]:
        try:
            result = lookup(store, cached_rules(store), matter=data["matter"],
                            kommune=data["kommune"], gemeinde=chosen_gemeinde, age=age_value,
                            status=data["status"] or None, benefits=data["benefits"] or None,
                            offers=directory_offers(request))
        except LookupInputError as exc:
            data["errors"].append(exc.field)
        else:
            data["answer"] = view(result, lang)
    return render(request, "responsibility.html", data, block="answer")


# --- `GET /api/v1/responsibility`: who is responsible, as JSON (public, documented in OpenAPI).

MatterCode = Literal[tuple(vocab.MATTERS)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(vocab.STATUSES)]  # type: ignore[valid-type]
BenefitCode = Literal[tuple(vocab.BENEFITS)]  # type: ignore[valid-type]


@api.get("/api/v1/responsibility",
            summary="Who is responsible for this person, matter and place")
def responsibility(
    request: Request, services: ServicesDep,
    matter: MatterCode = Query(..., description="What the person needs (codes: see …/options)"),
    gemeinde: str | None = Query(None, max_length=40,
                                 description="Gemeinde id (8-digit AGS, or a demo id)"),
    kommune: str | None = Query(None, max_length=60,
                                description="Kommune id; optional when `gemeinde` is given"),
    age: QueryInt | None = Query(None, ge=0, le=120, description="Age in years"),
    status: StatusCode | None = Query(None, description="Residence status"),
    benefits: BenefitCode | None = Query(None, description="Current benefits; empty = none"),
    date: IsoDate | None = Query(None, description="Day the rules apply for (default: today; "
                                 "2000-01-01 to 2100-12-31)"),
    lang: str | None = Query(None, max_length=20, description="Language of the labels"),
):
    """The responsible office(s) as directory entries of the Gemeinde or Kreis, legal domain
    and basis, a short explanation (German), what changes next, and `certain: false` with
    `reasons` when rules conflict, an input is missing, practice varies or nothing applies;
    then `case_management` lists the KIM case management to turn to."""
    if date is not None and not dt.date(2000, 1, 1) <= date <= dt.date(2100, 12, 31):
        raise HTTPException(422, _("Some input is not valid."))
    try:
        result = lookup(services.store, cached_rules(services.store), matter=matter,
                        kommune=kommune, gemeinde=gemeinde, age=age, status=status,
                        benefits=benefits, day=date, offers=directory_offers(request))
    except LookupInputError as exc:
        unknown_place = exc.field in ("kommune", "gemeinde") and (kommune or gemeinde)
        code = 404 if unknown_place else 422
        raise HTTPException(code, str(exc)) from exc
    return present(result)


@api.get("/api/v1/responsibility/options", summary="Codes and labels for the lookup")
def options():
    """The matters, residence statuses and benefits the lookup understands, labelled in the
    current UI language (`?lang=`)."""
    return {
        "matters": [term(vocab.MATTERS, c) for c in vocab.MATTERS],
        "statuses": [term(vocab.STATUSES, c) for c in vocab.STATUSES],
        "benefits": [term(vocab.BENEFITS, c) for c in vocab.BENEFITS],
    }


router.include_router(api)
router.include_router(pages)
