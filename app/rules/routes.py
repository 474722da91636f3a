"""Staff pages: the case managers' lookup (German, legal references) and the rules editor.

`/staff/responsibility` – the lookup with Stichtag, rule keys, legal basis,
office rules and every alternative. `/staff/rules` – the rules in force with
their origin and version; editors create Kommune and Gemeinde overrides,
change and delete them with a reason (history with diffs), administrators
also the NRW defaults; export and import of a rules file. Authentication,
CSRF and the audit log come from `app.staff`.
"""

from __future__ import annotations

import datetime as dt
import json

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.i18n import staff_gettext as _s
from app.responsibility import editing, repository, vocab
from app.responsibility.lookup import LookupInputError, lookup, today
from app.responsibility.rules import RuleError, parse_rule, parse_rules_file
from app.responsibility.views import directory_offers, form_options, parse_age, view
from app.staff import audit
from app.staff.auth import Staff, require_staff
from app.staff.routes import HOME_LINKS
from app.staff.web import render_staff
from app.web.deps import ServicesDep

router = APIRouter(include_in_schema=False)
ANY_STAFF = require_staff()
EDITORS = require_staff("editor", "admin")
MAX_IMPORT_BYTES = 5_000_000

HOME_LINKS.append(("case_manager", "/staff/responsibility", lambda: _s("Who is responsible?")))
HOME_LINKS.append(("editor", "/staff/rules", lambda: _s("Responsibility rules")))


def _day(raw: str | None) -> tuple[dt.date | None, bool]:
    if not raw:
        return None, True
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None, False
    return (day, True) if dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31) else (None, False)


@router.get("/staff/responsibility")
def staff_lookup(
    request: Request, services: ServicesDep, staff: Staff = Depends(ANY_STAFF),
    matter: str | None = Query(None, max_length=40),
    kommune: str | None = Query(None, max_length=60),
    gemeinde: str | None = Query(None, max_length=40),
    status: str | None = Query(None, max_length=40),
    benefits: str | None = Query(None, max_length=40),
    age: str | None = Query(None, max_length=10),
    date: str | None = Query(None, max_length=10),
):
    store = services.store
    data = form_options(store, kommune or staff.kommune_id)
    chosen_gemeinde = gemeinde if gemeinde in {g.id for g in data["gemeinden"]} else None
    age_value, age_ok = parse_age(age)
    day, day_ok = _day(date)
    data.update({
        "matters": vocab.MATTERS, "statuses": vocab.STATUSES, "benefit_options": vocab.BENEFITS,
        "matter": matter if matter in vocab.MATTERS else "", "gemeinde": chosen_gemeinde or "",
        "status": status if status in vocab.STATUSES else "",
        "benefits": benefits if benefits in vocab.BENEFITS else "",
        "age": age or "", "date": date or today().isoformat(), "errors": [], "answer": None,
    })
    if not age_ok:
        data["errors"].append("age")
    if not day_ok:
        data["errors"].append("date")
    if data["matter"] and not data["errors"]:
        try:
            result = lookup(store, repository.cached_rules(store), matter=data["matter"],
                            kommune=data["kommune"], gemeinde=chosen_gemeinde, age=age_value,
                            status=data["status"] or None, benefits=data["benefits"] or None,
                            day=day, offers=directory_offers(request))
        except LookupInputError as exc:
            data["errors"].append(exc.field)
        else:
            data["answer"] = view(result, "de")
            data["answer"]["editable"] = {
                a["rule"].key for a in data["answer"]["answers"]
                if editing.may_edit(staff, store, a["rule"].scope, a["rule"].scope_id)}
            data["may_override"] = staff.has("editor", "admin") and not staff.state_wide
    data["error_text"] = [{
        "age": _s("Age: a whole number from 0 to 120."),
        "date": _s("Reference date: a date between 2000 and 2100."),
    }.get(e, _s("Place: choose a Kommune and, if needed, a Gemeinde.")) for e in data["errors"]]
    return render_staff(request, staff, "staff/responsibility.html", data, block="answer")


# --- the rules ------------------------------------------------------------------------


def _rule_or_404(store, staff: Staff, key: str):
    with store.session() as s:
        row = repository.get_row(s, key)
    if row is None or not editing.may_see(staff, store, row.scope, row.scope_id):
        raise HTTPException(404, _s("No such rule."))
    return row


@router.get("/staff/rules")
def rules_list(request: Request, services: ServicesDep, staff: Staff = Depends(ANY_STAFF),
               subject: str | None = Query(None, max_length=40),
               scope: str | None = Query(None, max_length=10)):
    store = services.store
    rows = [r for r in repository.rule_rows(store)
            if editing.may_see(staff, store, r.scope, r.scope_id)
            and (not subject or r.subject == subject) and (not scope or r.scope == scope)]
    return render_staff(request, staff, "staff/rules.html", {
        "rows": rows, "subject": subject or "", "scope": scope or "",
        "matters": vocab.MATTERS, "office_kinds": vocab.OFFICE_KINDS,
        "may_edit": {r.key for r in rows if editing.may_edit(staff, store, r.scope, r.scope_id)},
        "is_editor": staff.has("editor", "admin"), "counts": None, "errors": [],
    })


@router.get("/staff/rules/export")
def rules_export(request: Request, services: ServicesDep, staff: Staff = Depends(EDITORS)):
    store = services.store
    body = json.dumps(repository.export_rules(
        store, lambda scope, scope_id: editing.may_see(staff, store, scope, scope_id)),
        ensure_ascii=False, indent=1)
    with store.session.begin() as s:
        audit.record(s, staff, "rules.export", "responsibility_rule", None)
    name = f"kim-lotse-regeln-{today().isoformat()}.json"
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.post("/staff/rules/import")
async def rules_import(request: Request, services: ServicesDep, staff: Staff = Depends(EDITORS)):
    store = services.store
    form = await request.form()
    upload = form.get("file")
    replace_all = bool(form.get("replace_all")) and staff.has("admin") and staff.state_wide
    comment = str(form.get("comment") or "")[:2000]
    errors: list[str] = []
    counts = None
    raw = await upload.read(MAX_IMPORT_BYTES + 1) if hasattr(upload, "read") else b""
    if not raw:
        errors.append(_s("Please choose a rules file."))
    elif len(raw) > MAX_IMPORT_BYTES:
        errors.append(_s("The file is too large."))
    else:
        try:
            rules = parse_rules_file(json.loads(raw.decode("utf-8")))
            refused = [r.key for r in rules
                       if not editing.may_edit(staff, store, r.scope, r.scope_id)]
            if refused:
                raise RuleError([_s("You may not change these rules:") + " " + ", ".join(
                    refused[:20])])
            # the stored rule's scope counts too: no moving or deleting another's rule
            counts = repository.import_rules(
                store, rules, by=staff.id, comment=comment, replace_all=replace_all,
                allowed=lambda scope, scope_id: editing.may_edit(staff, store, scope,
                                                                 scope_id))
        except (UnicodeDecodeError, json.JSONDecodeError):
            errors.append(_s("The file is not valid JSON."))
        except RuleError as exc:
            errors.extend(exc.problems[:50])
    with store.session.begin() as s:
        audit.record(s, staff, "rules.import", "responsibility_rule", None,
                     "ok" if counts else "refused")
    rows = [r for r in repository.rule_rows(store)
            if editing.may_see(staff, store, r.scope, r.scope_id)]
    return render_staff(request, staff, "staff/rules.html", {
        "rows": rows, "subject": "", "scope": "", "matters": vocab.MATTERS,
        "office_kinds": vocab.OFFICE_KINDS, "is_editor": True, "counts": counts,
        "may_edit": {r.key for r in rows if editing.may_edit(staff, store, r.scope, r.scope_id)},
        "errors": errors}, status_code=422 if errors else 200)


def overlapping(store, key: str) -> list[str]:
    """Other rules of the same subject and place that match a person this rule matches:
    where both fit, the lookup reports a conflict, so the editor should know."""
    from app.responsibility.place import Place

    rules = repository.load_rules(store)
    rule = next((r for r in rules if r.key == key), None)
    if rule is None or rule.scope == "nrw":
        return []  # the NRW defaults are checked for conflicts by the tests
    kommune_id = editing.kommune_of_scope(store, rule.scope, rule.scope_id)
    k = store.kommune(kommune_id) if kommune_id else None
    if k is None:
        return []
    members = store.gemeinden(k.id)
    chosen = [g for g in members if rule.scope == "kommune" or g.id == rule.scope_id]
    by_status = {g.status: g for g in chosen}  # one probe place per kind of Gemeinde
    places = [Place(k.id, k.name, k.kind, g.id, g.name, g.status,
                    tuple(m.id for m in members)) for g in by_status.values()]
    return editing.conflicts(rules, rule, places)


def field_labels() -> dict[str, str]:
    return {
        "statuses": _s("Residence status is one of"),
        "not_statuses": _s("Residence status is none of"),
        "benefits": _s("Benefits are one of"),
        "not_benefits": _s("Benefits are none of"),
        "gemeinde_status": _s("Status of the Gemeinde is one of"),
        "not_gemeinde_status": _s("Status of the Gemeinde is none of"),
        "kommune_kind": _s("Kind of Kommune is one of"),
        "nrw": _s("all of NRW"), "kommune": _s("Kommune"), "gemeinde": _s("Gemeinde"),
    }


def _form_page(request, staff: Staff, values: dict, *, new: bool, version: int | None = None,
               errors: list[str] | None = None, status_code: int = 200, history=None):
    store = request.app.state.services.store
    places = []
    if staff.state_wide:
        places = [("nrw", "", "Nordrhein-Westfalen")] if staff.has("admin") else []
    else:
        k = store.kommune(staff.kommune_id)
        places = [("kommune", k.id, k.name)] + [("gemeinde", g.id, g.name)
                                               for g in store.gemeinden(k.id)]
    return render_staff(request, staff, "staff/rule_edit.html", {
        "v": values, "new": new, "version": version, "errors": errors or [],
        "places": places, "free_place": staff.state_wide and staff.has("admin"),
        "vocab": vocab, "list_fields": editing.LIST_FIELDS, "levels": editing.LEVEL_CHOICES,
        "labels": field_labels(),
        "versions": history or [], "names": _names(store, history or []),
        "overlaps": [] if new else overlapping(store, values["key"]),
    }, status_code=status_code)


@router.get("/staff/rules/new")
def rule_new(request: Request, services: ServicesDep, staff: Staff = Depends(EDITORS),
             copy: str | None = Query(None, max_length=80),
             scope: str | None = Query(None, max_length=10),
             scope_id: str | None = Query(None, max_length=40)):
    store = services.store
    values = editing.form_values(None)
    if copy:  # an override of an existing rule for this Kommune or Gemeinde
        row = _rule_or_404(store, staff, copy)
        values = editing.form_values(row.data)
        values["key"] = f"{copy}-{scope_id or staff.kommune_id or 'neu'}"[:80].lower()
    values["scope"] = scope if scope in vocab.SCOPES else values["scope"]
    values["scope_id"] = scope_id or (staff.kommune_id if values["scope"] == "kommune" else "")
    return _form_page(request, staff, values, new=True)


async def _save(request: Request, staff: Staff, key: str | None):
    store = request.app.state.services.store
    form = await request.form()
    data, problems = editing.rule_dict_from_form(form)
    if key is not None:
        data["key"] = key
    comment = str(form.get("comment") or "")[:2000]
    version = form.get("version")
    expected = int(version) if isinstance(version, str) and version.isdigit() else None
    values = {**editing.form_values(data), "comment": comment}
    try:
        rule = parse_rule(data)
        if problems:
            raise RuleError(problems)
        if not editing.may_edit(staff, store, rule.scope, rule.scope_id):
            raise RuleError([_s("You may only change rules of your own Kommune and its "
                                "towns; the NRW defaults only administrators.")])
        with store.session.begin() as s:
            exists = repository.get_row(s, rule.key) is not None
            if key is None and exists:
                raise RuleError([_s("A rule with this key exists already.")])
            repository.write_rule(s, rule, action="update" if exists else "create",
                                  by=staff.id, origin="local", comment=comment,
                                  expected_version=expected if exists else None)
            audit.record(s, staff, "rule.update" if exists else "rule.create",
                         "responsibility_rule", rule.key)
    except RuleError as exc:
        return _form_page(request, staff, values, new=key is None, version=expected,
                          errors=problems + [p for p in exc.problems if p not in problems],
                          status_code=422)
    except repository.StaleRule:
        return _form_page(request, staff, values, new=False, version=expected, errors=[
            _s("Someone else changed this rule meanwhile. Open it again to see the new "
               "version; your input is still shown here.")], status_code=409)
    return RedirectResponse(f"/staff/rules/{rule.key}?saved=1", status_code=303)


@router.post("/staff/rules/new")
async def rule_create(request: Request, staff: Staff = Depends(EDITORS)):
    return await _save(request, staff, None)


@router.get("/staff/rules/{key}")
def rule_show(request: Request, services: ServicesDep, key: str, staff: Staff = Depends(ANY_STAFF)):
    store = services.store
    row = _rule_or_404(store, staff, key)
    history = repository.history(store, key, limit=20)
    if not editing.may_edit(staff, store, row.scope, row.scope_id):
        versions = _versions(history)
        return render_staff(request, staff, "staff/rule_history.html", {
            "row": row, "versions": versions, "names": _names(store, versions),
            "read_only": True})
    return _form_page(request, staff, editing.form_values(row.data), new=False,
                      version=row.version, history=_versions(history))


@router.post("/staff/rules/{key}")
async def rule_update(request: Request, services: ServicesDep,
                      key: str, staff: Staff = Depends(EDITORS)):
    store = services.store
    row = _rule_or_404(store, staff, key)
    if not editing.may_edit(staff, store, row.scope, row.scope_id):
        raise HTTPException(403, _s("Your role does not allow this."))
    return await _save(request, staff, key)


@router.post("/staff/rules/{key}/delete")
async def rule_delete(request: Request, services: ServicesDep,
                      key: str, staff: Staff = Depends(EDITORS)):
    store = services.store
    row = _rule_or_404(store, staff, key)
    if not editing.may_edit(staff, store, row.scope, row.scope_id):
        raise HTTPException(403, _s("Your role does not allow this."))
    form = await request.form()
    version = form.get("version")
    try:
        with store.session.begin() as s:
            repository.delete_rule(
                s, key, by=staff.id, comment=str(form.get("comment") or "")[:2000],
                expected_version=int(version) if isinstance(version, str)
                and version.isdigit() else None)
            audit.record(s, staff, "rule.delete", "responsibility_rule", key)
    except repository.StaleRule:
        raise HTTPException(409, _s("Someone else changed this rule meanwhile.")) from None
    return RedirectResponse("/staff/rules?deleted=1", status_code=303)


def _names(store, versions: list[dict]) -> dict[str, str]:
    """User ids in the history -> user names (staff only ever sees names, never ids)."""
    from sqlalchemy import select

    from app.staff.models import StaffUser

    ids = {v["h"].changed_by for v in versions if v["h"].changed_by}
    if not ids:
        return {}
    with store.session() as s:
        return dict(s.execute(select(StaffUser.id, StaffUser.username)
                              .where(StaffUser.id.in_(ids))).all())


def _versions(history) -> list[dict]:
    """History rows, newest first, each with its diff against the version before."""
    rows = list(history)
    out = []
    for i, h in enumerate(rows):
        before = rows[i + 1].data if i + 1 < len(rows) else None
        out.append({"h": h, "diff": editing.diff(before, h.data) if h.action != "delete"
                    else []})
    return out


@router.get("/staff/rules/{key}/history")
def rule_history(request: Request, services: ServicesDep,
                 key: str, staff: Staff = Depends(ANY_STAFF)):
    store = services.store
    history = repository.history(store, key)
    with store.session() as s:
        row = repository.get_row(s, key)
    if row is not None:
        _rule_or_404(store, staff, key)
    elif not history or not editing.may_see(staff, store, history[0].data.get("scope", "nrw"),
                                            history[0].data.get("scope_id")):
        raise HTTPException(404, _s("No such rule."))
    versions = _versions(history)
    return render_staff(request, staff, "staff/rule_history.html", {
        "row": row, "key": key, "versions": versions, "names": _names(store, versions),
        "read_only": True})
