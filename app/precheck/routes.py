"""The pre-check over HTTP: `/precheck` (the questions, a few per step), `/precheck/result`,
the Personal Book `/book` and its German counter view, and the coordinators' counts.

Everything public works without JavaScript and without an account: the answers
travel in the GET query (the access log names the path only), nothing about the
person is stored; the result counts once, anonymously, per run (app.precheck.counts).
The result names the deciding office from the responsibility rules and offers a
referral to KIM case management, prefilled. `/staff/precheck/<scope>` shows the
counts to coordinators, k-anonymous; another Kommune's scope answers 404.
`/staff/precheck-rules` is the law rules' editor: the list (in force on a day),
export, import (check, then apply), one rule with its history, and an edit with
its preview (the shipped scenarios whose result changes); state-level editors
change, the editors of a Kommune and coordinators read.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from urllib.parse import urlencode

from babel.dates import get_month_names
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from app.i18n import babel_locale, current_language
from app.i18n import gettext as _
from app.i18n import staff_gettext as _s
from app.messages.kinds import BRING, BRING_DE, bring_label
from app.precheck import answers as questions
from app.precheck import counts, editing, repository, texts
from app.precheck.evaluate import PathResult, evaluate
from app.precheck.law import CHECKS, DOCUMENTS, LAWS, PATHS, LawError, dump_rule, parse_rules_file
from app.precheck.repository import current_rules
from app.referrals.routes import REFERRAL_FOLLOWED
from app.responsibility.lookup import LookupInputError, lookup
from app.responsibility.repository import cached_rules
from app.responsibility.views import directory_offers, form_options, view
from app.staff import audit
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
#: the law rules: everybody who edits anything or sees figures reads them (the editors of
#: a Kommune included); only state-wide editors and administrators change them
RULE_READERS = require_staff("editor", "admin", "coordinator")
MAX_IMPORT_BYTES = 5_000_000

REFERRAL_FOLLOWED.append(counts.referral_followed)
HOME_LINKS.append(("coordinator", "/staff/precheck", lambda: _s("Pre-check counts")))
for _role in ("admin", "editor", "coordinator"):
    HOME_LINKS.append((_role, "/staff/precheck-rules", lambda: _s("Pre-check: the law rules")))


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
    results = evaluate(questions.to_answers(values, day), day, current_rules(services.store))
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


# --- the law rules, kept by the state editors ---------------------------------------------


def _rule_page(request: Request, staff: Staff, values: dict, *, rule_id: str | None,
               version: int | None = None, errors: list[str] | None = None,
               preview=None, status_code: int = 200):
    store = request.app.state.services.store
    history = editing.versions(repository.history(store, rule_id)) if rule_id else []
    return render_staff(request, staff, "staff/precheck_rule.html", {
        "v": values, "rule_id": rule_id, "version": version, "errors": errors or [],
        "preview": preview, "may_edit": editing.may_edit(staff), "paths": PATHS,
        "checks": sorted(CHECKS), "laws": LAWS, "documents": DOCUMENTS,
        "versions": history, "names": editing.names(store, history), "texts": texts,
    }, status_code=status_code)


def _sorted_rows(store):
    return sorted(repository.rows(store), key=lambda r: (r.path, r.source, r.valid_from, r.id))


def _editor(staff: Staff) -> None:
    if not editing.may_edit(staff):
        raise HTTPException(403, _s("Only state-level editors change the law rules."))


@router.get("/staff/precheck-rules")
def law_rules(request: Request, services: ServicesDep, staff: Staff = Depends(RULE_READERS),
              date: str | None = None):
    day = editing.in_force_on(date)
    rows = _sorted_rows(services.store)
    return render_staff(request, staff, "staff/precheck_rules.html", {
        "rows": rows, "day": day, "may_edit": editing.may_edit(staff), "texts": texts,
        "changes": None, "kept": [], "errors": [], "applied": False})


@router.get("/staff/precheck-rules/export")
def law_rules_export(services: ServicesDep, staff: Staff = Depends(RULE_READERS)):
    body = json.dumps(repository.export_rules(services.store), ensure_ascii=False, indent=1)
    name = f"kim-lotse-vorabcheck-regeln-{today().isoformat()}.json"
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.post("/staff/precheck-rules/import")
async def law_rules_import(request: Request, services: ServicesDep,
                           staff: Staff = Depends(RULE_READERS)):
    """Check a rules file and show per rule what it changes; with `apply`, take it over."""
    _editor(staff)
    store = services.store
    form = await request.form()
    upload = form.get("file")
    apply = form.get("apply") == "1"
    errors: list[str] = []
    changes: list[repository.Change] | None = None
    kept: list[str] = []
    raw = await upload.read(MAX_IMPORT_BYTES + 1) if isinstance(upload, UploadFile) else b""
    if not raw:
        errors.append(_s("Please choose a rules file."))
    elif len(raw) > MAX_IMPORT_BYTES:
        errors.append(_s("The file is too large."))
    else:
        try:
            rules = parse_rules_file(json.loads(raw.decode("utf-8")))
            changes, kept = repository.import_rules(
                store, rules, by=staff.id, apply=apply,
                comment=str(form.get("comment") or "")[:2000])
        except (UnicodeDecodeError, json.JSONDecodeError):
            errors.append(_s("The file is not valid JSON."))
        except LawError as exc:
            errors.extend(exc.problems[:50])
    if apply:
        with store.session.begin() as s:
            audit.record(s, staff, "precheck_rules.import", "precheck_rule", None,
                         "refused" if errors else "ok")
    return render_staff(request, staff, "staff/precheck_rules.html", {
        "rows": _sorted_rows(store), "day": today(), "may_edit": True, "texts": texts,
        "changes": changes, "kept": kept, "errors": errors, "applied": apply and not errors,
    }, status_code=422 if errors else 200)


@router.get("/staff/precheck-rules/new")
def law_rule_new(request: Request, staff: Staff = Depends(RULE_READERS),
                 copy: str | None = None):
    """A new rule, e.g. the next version of a requirement (copied, with new dates)."""
    _editor(staff)
    base = None
    if copy:
        found = next((r for r in repository.current_rules(request.app.state.services.store)
                      if r.id == copy), None)
        if found is None:
            raise HTTPException(404, _s("No such rule."))
        base = dump_rule(found) | {"id": f"{copy}-neu"[:80], "valid_from": None,
                                   "valid_until": None}
    return _rule_page(request, staff, editing.form_values(base), rule_id=None)


@router.get("/staff/precheck-rules/{rule_id}")
def law_rule(request: Request, services: ServicesDep, rule_id: str,
             staff: Staff = Depends(RULE_READERS)):
    with services.store.session() as s:
        row = repository.get_row(s, rule_id)
    if row is None:
        raise HTTPException(404, _s("No such rule."))
    return _rule_page(request, staff, editing.form_values(row.data), rule_id=rule_id,
                      version=row.version)


async def _save(request: Request, staff: Staff, rule_id: str | None):
    """Preview (which scenarios change) or save one rule; invalid: 422 and nothing kept."""
    _editor(staff)
    store = request.app.state.services.store
    form = await request.form()
    data, problems = editing.rule_dict_from_form(form, rule_id)
    comment = str(form.get("comment") or "")[:2000]
    version = form.get("version")
    expected = int(version) if isinstance(version, str) and version.isdigit() else None
    values = {**editing.form_values(data), "comment": comment,
              "params": str(form.get("params") or "")}
    rule, errors, changed = editing.check(store, data, problems)
    if rule is None:
        return _rule_page(request, staff, values, rule_id=rule_id, version=expected,
                          errors=errors, status_code=422)
    if form.get("action") != "save":
        return _rule_page(request, staff, values, rule_id=rule_id, version=expected,
                          preview=changed)
    try:
        repository.save_rule(store, rule, by=staff.id, comment=comment,
                             expected_version=expected, new=rule_id is None)
    except LawError as exc:
        return _rule_page(request, staff, values, rule_id=rule_id, version=expected,
                          errors=exc.problems, status_code=422)
    except repository.StaleRule:
        return _rule_page(request, staff, values, rule_id=rule_id, version=expected, errors=[
            _s("Someone else changed this rule meanwhile. Open it again to see the new "
               "version; your input is still shown here.")], status_code=409)
    with store.session.begin() as s:
        audit.record(s, staff, "precheck_rule.update" if rule_id else "precheck_rule.create",
                     "precheck_rule", rule.id)
    return RedirectResponse(f"/staff/precheck-rules/{rule.id}?saved=1", status_code=303)


@router.post("/staff/precheck-rules/new")
async def law_rule_create(request: Request, staff: Staff = Depends(RULE_READERS)):
    return await _save(request, staff, None)


@router.post("/staff/precheck-rules/{rule_id}")
async def law_rule_update(request: Request, services: ServicesDep, rule_id: str,
                          staff: Staff = Depends(RULE_READERS)):
    with services.store.session() as s:
        if repository.get_row(s, rule_id) is None:
            raise HTTPException(404, _s("No such rule."))
    return await _save(request, staff, rule_id)
