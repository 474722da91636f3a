"""The pre-check over HTTP: `/precheck` (the questions, a few per step), `/precheck/result`,
the Personal Book `/book` and its German counter view, and the coordinators' counts.

Everything public works without JavaScript and without an account: the answers
travel in the GET query (the access log names the path only), nothing about the
person is stored; the result counts once, anonymously, per run (app.precheck.counts).
The result names the deciding office from the responsibility rules and offers a
referral to KIM case management, prefilled. `/staff/precheck/<scope>` shows the
counts to coordinators, k-anonymous; another Kommune's scope answers 404.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from urllib.parse import urlencode

from babel.dates import get_month_names
from fastapi import APIRouter, Depends, HTTPException, Request

from app.i18n import babel_locale, current_language
from app.i18n import gettext as _
from app.i18n import staff_gettext as _s
from app.messages.kinds import BRING, BRING_DE, bring_label
from app.precheck import answers as questions
from app.precheck import counts, texts
from app.precheck.evaluate import PathResult, evaluate
from app.referrals.routes import REFERRAL_FOLLOWED
from app.responsibility.lookup import LookupInputError, lookup
from app.responsibility.repository import cached_rules
from app.responsibility.views import directory_offers, form_options, view
from app.staff.auth import Staff, require_staff
from app.staff.routes import HOME_LINKS
from app.staff.web import render_staff
from app.web.deps import ServicesDep
from app.web.rendering import render

router = APIRouter(include_in_schema=False)
RUN_RE = re.compile(r"[\w-]{16,32}", re.ASCII)
MATTER = {"25a": "aufenthalt", "25b": "aufenthalt", "stag10": "einbuergerung"}
LAND = "land"
coordinator = require_staff("coordinator")

REFERRAL_FOLLOWED.append(counts.referral_followed)
HOME_LINKS.append(("coordinator", "/staff/precheck", lambda: _s("Pre-check counts")))


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _run(request: Request) -> str:
    run = request.query_params.get("run") or ""
    return run if RUN_RE.fullmatch(run) else secrets.token_urlsafe(12)


def _options() -> dict:
    yes_no = [("yes", _("Yes")), ("no", _("No"))]
    return {
        "yes_no": yes_no,
        "statuses": [("duldung", _("Duldung")),
                     ("gestattung", _("Aufenthaltsgestattung (asylum procedure)")),
                     ("permit", _("Residence permit (Aufenthaltserlaubnis)")),
                     ("permit_104c", _("Residence permit under § 104c (Chancen-"
                                       "Aufenthaltsrecht)")),
                     ("settlement", _("Settlement permit, EU permanent residence or EU "
                                      "citizenship")),
                     ("none", _("None of these"))],
        "work": [("fulltime", _("Yes, full time")), ("parttime", _("Yes, part time")),
                 ("none", _("No"))],
        "livelihood": [("own", _("With my own income")),
                       ("partly", _("Partly with Bürgergeld or other benefits")),
                       ("benefits", _("Mainly with Bürgergeld or other benefits"))],
        "month_names": [(str(i), name) for i, name in
                        get_month_names("wide", locale=babel_locale(current_language())).items()],
        "levels": [("none", _("No certificate yet"))] + [(lv, lv) for lv in
                                                         ("A1", "A2", "B1", "B2", "C1", "C2")],
    }


@router.get("/precheck")
def precheck_page(request: Request, services: ServicesDep):
    values, errors = questions.clean(request.query_params)
    raw = request.query_params.get("step") or "1"
    step = int(raw) if raw.isdigit() and 1 <= int(raw) <= len(questions.STEPS) else 1
    if errors:  # ask the first step with an invalid answer again
        step = min(i + 1 for i, s in enumerate(questions.STEPS) if set(s) & set(errors))
    places = form_options(services.store, values.get("kommune"))
    fields = questions.STEPS[step - 1]
    carried = [(k, v) for k, v in values.items() if k not in fields]
    return render(request, "precheck.html", {
        "step": step, "steps": len(questions.STEPS), "values": values,
        "errors": errors, "carried": carried, "run": _run(request), **_options(), **places,
        "last": step == len(questions.STEPS),
    }, block="step")


def _offices(request: Request, services, path: str, kommune: str | None,
             gemeinde: str | None) -> list[dict]:
    try:
        result = lookup(services.store, cached_rules(services.store), matter=MATTER[path],
                        kommune=kommune, gemeinde=gemeinde, offers=directory_offers(request))
    except LookupInputError:
        return []
    shown = view(result, request.state.lang)
    return [o for a in shown["answers"] for o in a["offices"]]


def _summary_de(results: dict[str, PathResult], day: dt.date) -> str:
    """The referral's prefilled message, in German for the case manager."""
    lines = [f"Vorab-Check vom {day:%d.%m.%Y} (Rechtsstand dieses Tages), keine Prüfung:"]
    for path, r in results.items():
        lines.append(f"- {texts.PATH_DE[path]}: {texts.OUTCOME_DE[r.outcome]}")
        missing = [f.rule.title_de for f in r.findings if f.state in ("missing", "closed")]
        if missing and r.outcome != "closed":
            lines.append("  fehlt: " + "; ".join(missing))
    return "\n".join(lines)


@router.get("/precheck/result")
def precheck_result(request: Request, services: ServicesDep):
    values, errors = questions.clean(request.query_params)
    day = today()
    results = evaluate(questions.to_answers(values, day), day)
    places = form_options(services.store, values.get("kommune"))
    kommune = places["kommune"]
    gemeinde = values.get("gemeinde")
    if gemeinde not in {g.id for g in places["gemeinden"]}:
        gemeinde = None
    run = _run(request)
    counts.record(services, run, kommune,
                  {p: r.outcome for p, r in results.items()})
    order = sorted(results.values(), key=lambda r: ("may_open", "unclear", "missing",
                                                    "closed").index(r.outcome))
    offices = {p: _offices(request, services, p, kommune, gemeinde) for p in ("25b", "stag10")}
    referral = "/referral?" + urlencode({
        "kommune": kommune or "", "topics": "aufenthalt,einbuergerung",
        "q": _summary_de(results, day), "answer": run, "lang": request.state.lang})
    again = "/precheck?" + urlencode([*values.items(), ("lang", request.state.lang)])
    return render(request, "precheck_result.html", {
        "results": order, "day": day, "offices": offices, "referral": referral,
        "again": again, "errors": errors, "texts": texts, "kommune": kommune,
        "book_entry": {"date": day.isoformat(), "paths": [
            {"path": r.path, "outcome": r.outcome, "name": texts.path_name(r.path),
             "name_de": texts.PATH_DE[r.path], "outcome_text": texts.outcome_text(r.outcome),
             "outcome_de": texts.OUTCOME_DE[r.outcome],
             "documents": r.documents} for r in order]},
        "document_de": texts.DOCUMENT_DE,
    })


@router.get("/book")
def book_page(request: Request):
    return render(request, "book.html", {"document_codes": list(texts.DOCUMENT_DE),
                                         "texts": texts,
                                         "bring": {c: bring_label(c) for c in BRING},
                                         "paths": {p: texts.path_name(p) for p in texts.PATH_DE},
                                         "outcomes": {o: texts.outcome_text(o)
                                                      for o in texts.OUTCOME_DE}})


@router.get("/book/counter")
def book_counter(request: Request):
    """The Personal Book in German for the counter (filled on the device from its storage)."""
    return render(request, "book_counter.html", {"document_de": texts.DOCUMENT_DE,
                                                 "path_de": texts.PATH_DE,
                                                 "outcome_de": texts.OUTCOME_DE,
                                                 "bring_de": BRING_DE})


def _scope(staff: Staff, scope: str) -> str | None:
    if staff.state_wide and scope == LAND:
        return None
    if not staff.state_wide and scope == staff.kommune_id:
        return scope
    raise HTTPException(404, _s("Not found."))


@router.get("/staff/precheck")
def staff_counts_home(staff: Staff = Depends(coordinator)):
    from fastapi.responses import RedirectResponse

    return RedirectResponse(f"/staff/precheck/{LAND if staff.state_wide else staff.kommune_id}",
                            status_code=303)


@router.get("/staff/precheck/{scope}")
def staff_counts(request: Request, scope: str, services: ServicesDep,
                 staff: Staff = Depends(coordinator)):
    kommune = _scope(staff, scope)
    first = today().replace(day=1)
    months = counts.months_back(first - dt.timedelta(days=1), 12)  # complete months only
    tables = counts.figures(services.store, kommune, services.settings.analytics_k, months)
    names = {k.id: k.name for k in services.store.kommunen()}
    return render_staff(request, staff, "staff/precheck_counts.html", {
        "months": months, "tables": tables, "k": services.settings.analytics_k,
        "kommune_name": names.get(kommune or ""), "labels": {
            "25a": "§ 25a AufenthG", "25b": "§ 25b AufenthG", "stag10": "§ 10 StAG",
            "referral": _s("Referral sent")}})
