"""`GET /api/v1/responsibility`: who is responsible, as JSON (public, documented in OpenAPI).

No personal data goes in: a place, an age, a residence status and the kind
of benefit, nothing that names a person; nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request

from app.i18n import gettext as _
from app.openapi_doc import IsoDate, QueryInt
from app.responsibility import vocab
from app.responsibility.lookup import LookupInputError, lookup, present, term
from app.responsibility.repository import cached_rules

router = APIRouter(tags=["responsibility"])

MatterCode = Literal[tuple(vocab.MATTERS)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(vocab.STATUSES)]  # type: ignore[valid-type]
BenefitCode = Literal[tuple(vocab.BENEFITS)]  # type: ignore[valid-type]


def directory_offers(request: Request) -> list | None:
    """The offers the search engine holds in memory (None: read them from the store)."""
    engine = getattr(request.app.state.services, "engine", None)
    offers = getattr(engine, "offers", None)
    return [o for o in offers.values() if o.office_kind] if offers else None


@router.get("/api/v1/responsibility",
            summary="Who is responsible for this person, matter and place")
def responsibility(
    request: Request,
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
    services = request.app.state.services
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


@router.get("/api/v1/responsibility/options", summary="Codes and labels for the lookup")
def options():
    """The matters, residence statuses and benefits the lookup understands, labelled in the
    current UI language (`?lang=`)."""
    return {
        "matters": [term(vocab.MATTERS, c) for c in vocab.MATTERS],
        "statuses": [term(vocab.STATUSES, c) for c in vocab.STATUSES],
        "benefits": [term(vocab.BENEFITS, c) for c in vocab.BENEFITS],
    }
