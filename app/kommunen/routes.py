"""Reference data and Kommune settings: the 54 Kommunen, their Gemeinden, mailbox and KI.

`/staff/kommunen` lists the Kommunen; `/staff/kommunen/{id}` shows one with
its settings (case-management mailbox, Kommunales Integrationszentrum: name,
e-mail, phone, address) and its Gemeinden.
- A state-wide admin changes everything: the reference fields of a Kommune
  (name, kind, Regierungsbezirk, AGS), its Gemeinden (name, status) and new
  Gemeinden. A changed reference row is marked (`edited_at`), so reloading the
  reference files at start-up keeps the admin's values.
- An admin bound to a Kommune changes that Kommune's settings only.
- Editors and other staff of a Kommune see its settings read-only; another
  Kommune is 404 for them.
Every change is validated (German messages next to the field) and audited.
"""

from __future__ import annotations

import datetime as dt
import re

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import select

from app.editors.form import field_errors
from app.editors.routes import _done, _services
from app.i18n import staff_gettext as _s
from app.responsibility.vocab import GEMEINDE_STATUSES, KOMMUNE_KINDS
from app.staff import audit
from app.staff.auth import Staff, require_staff
from app.staff.routes import HOME_LINKS
from app.staff.web import render_staff
from app.web.deps import ServicesDep
from directory.drafts import EMAIL, PHONE, POSTAL
from directory.models import Gemeinde, Kommune

router = APIRouter(include_in_schema=False)
ANY_STAFF = require_staff()
ADMINS = require_staff("admin")
SETTINGS = ("case_management_email", "ki_name", "ki_email", "ki_phone", "ki_street",
            "ki_postal_code", "ki_city")
REFERENCE = ("name", "kind", "regierungsbezirk", "ags")
LIMITS = {"case_management_email": 254, "ki_name": 200, "ki_email": 254, "ki_phone": 60,
          "ki_street": 300, "ki_postal_code": 5, "ki_city": 200, "name": 200,
          "regierungsbezirk": 60, "ags": 8}
AGS = re.compile(r"^[0-9]{8}$")
GEMEINDE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")

HOME_LINKS.append(("admin", "/staff/kommunen", lambda: _s("Kommunen, Gemeinden and settings")))
HOME_LINKS.append(("editor", "/staff/kommunen", lambda: _s("Our Kommune: mailbox and KI")))


def _text(form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _check(values: dict, errors: dict, name: str, pattern: re.Pattern, code: str) -> None:
    if values.get(name) and not pattern.match(values[name]):
        errors[name] = code


def validate_kommune(form, reference: bool) -> tuple[dict, dict]:
    """The settings (and, for a state-wide admin, the reference fields) of a form."""
    names = SETTINGS + (REFERENCE if reference else ())
    values = {n: _text(form, n) or None for n in names}
    errors: dict[str, str] = {}
    for n, v in values.items():
        if v and len(v) > LIMITS.get(n, 60):
            errors[n] = "too_long"
    for n in ("case_management_email", "ki_email"):
        _check(values, errors, n, EMAIL, "email")
    _check(values, errors, "ki_phone", PHONE, "phone")
    _check(values, errors, "ki_postal_code", POSTAL, "postal_code")
    if reference:
        for n in ("name", "kind", "regierungsbezirk"):
            if not values[n]:
                errors[n] = "required"
        if values["kind"] and values["kind"] not in KOMMUNE_KINDS:
            errors["kind"] = "unknown"
        _check(values, errors, "ags", AGS, "ags")
    return values, errors


def _may_see(staff: Staff, kommune_id: str) -> bool:
    return staff.state_wide or staff.kommune_id == kommune_id


def _may_set(staff: Staff, kommune_id: str) -> bool:
    return staff.has("admin") and _may_see(staff, kommune_id)


def _kommune_or_404(s, staff: Staff, kommune_id: str) -> Kommune:
    k = s.get(Kommune, kommune_id)
    if k is None or not _may_see(staff, kommune_id):
        raise HTTPException(404, _s("Not found."))
    return k


@router.get("/staff/kommunen")
def kommunen_list(request: Request, services: ServicesDep, staff: Staff = Depends(ANY_STAFF)):
    with services.store.session() as s:
        stmt = select(Kommune).order_by(Kommune.sample.desc(), Kommune.name)
        if not staff.state_wide:
            stmt = stmt.where(Kommune.id == staff.kommune_id)
        rows = [(k.id, k.name, k.kind, bool(k.case_management_email), bool(k.ki_name))
                for k in s.scalars(stmt)]
    return render_staff(request, staff, "staff/kommunen.html", {"rows": rows})


def _page(request: Request, staff: Staff, kommune_id: str, values: dict | None = None,
          errors: dict | None = None, gemeinde_errors: dict | None = None,
          status_code: int = 200):
    with _services(request).store.session() as s:
        k = _kommune_or_404(s, staff, kommune_id)
        current = {n: getattr(k, n) or "" for n in SETTINGS + REFERENCE}
        gemeinden = [(g.id, g.name, g.status, g.edited_at is not None)
                     for g in sorted(k.gemeinden, key=lambda g: g.name)]
    return render_staff(request, staff, "staff/kommune.html", {
        "kommune_id": kommune_id, "v": {**current, **(values or {})},
        "errors": field_errors(errors or {}), "gemeinde_errors": gemeinde_errors or {},
        "gemeinden": gemeinden, "may_set": _may_set(staff, kommune_id),
        "may_edit_reference": staff.has("admin") and staff.state_wide,
        "kinds": KOMMUNE_KINDS, "statuses": GEMEINDE_STATUSES,
        "saved": request.query_params.get("saved") == "1"}, status_code=status_code)


@router.get("/staff/kommunen/{kommune_id}")
def kommune_page(request: Request, kommune_id: str, staff: Staff = Depends(ANY_STAFF)):
    return _page(request, staff, kommune_id)


@router.post("/staff/kommunen/{kommune_id}")
async def kommune_save(request: Request, services: ServicesDep,
                       kommune_id: str, staff: Staff = Depends(ADMINS)):
    form = await request.form()
    reference = staff.state_wide
    values, errors = validate_kommune(form, reference)
    if not _may_set(staff, kommune_id):
        raise HTTPException(404, _s("Not found."))
    if errors:
        return _page(request, staff, kommune_id, {n: v or "" for n, v in values.items()},
                     errors, status_code=422)
    with services.store.session.begin() as s:
        k = _kommune_or_404(s, staff, kommune_id)
        if any(getattr(k, n) != values[n] for n in REFERENCE if n in values):
            k.edited_at = dt.datetime.now(dt.UTC)
        for n, v in values.items():
            setattr(k, n, v)
        audit.record(s, staff, "kommune.update", "kommune", kommune_id,
                     kommune_id=kommune_id)
    return _done(request, f"/staff/kommunen/{kommune_id}?saved=1")


def validate_gemeinde(form, new: bool) -> tuple[dict, dict]:
    values = {"name": _text(form, "name"), "status": _text(form, "status")}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = "required"
    elif len(values["name"]) > 200:
        errors["name"] = "too_long"
    if values["status"] not in GEMEINDE_STATUSES:
        errors["status"] = "unknown"
    if new:
        values["id"] = _text(form, "id")
        if not (AGS.match(values["id"]) or GEMEINDE_ID.match(values["id"])):
            errors["id"] = "ags"
    return values, errors


@router.post("/staff/kommunen/{kommune_id}/gemeinden")
async def gemeinde_add(request: Request, kommune_id: str, staff: Staff = Depends(ADMINS)):
    return await _gemeinde(request, staff, kommune_id, None)


@router.post("/staff/kommunen/{kommune_id}/gemeinden/{gemeinde_id}")
async def gemeinde_save(request: Request, kommune_id: str, gemeinde_id: str,
                        staff: Staff = Depends(ADMINS)):
    return await _gemeinde(request, staff, kommune_id, gemeinde_id)


async def _gemeinde(request: Request, staff: Staff, kommune_id: str, gemeinde_id: str | None):
    if not staff.state_wide:
        raise HTTPException(403, _s("Your role does not allow this."))
    values, errors = validate_gemeinde(await request.form(), gemeinde_id is None)
    with _services(request).store.session.begin() as s:
        _kommune_or_404(s, staff, kommune_id)
        if gemeinde_id is None and not errors and s.get(Gemeinde, values["id"]) is not None:
            errors["id"] = "exists"
        if not errors:
            g = s.get(Gemeinde, gemeinde_id or values["id"])
            if gemeinde_id is not None and (g is None or g.kommune_id != kommune_id):
                raise HTTPException(404, _s("Not found."))
            if g is None:
                g = Gemeinde(id=values["id"], kommune_id=kommune_id)
                s.add(g)
            g.name, g.status, g.edited_at = values["name"], values["status"], dt.datetime.now(
                dt.UTC)
            s.flush()
            audit.record(s, staff, "gemeinde.create" if gemeinde_id is None
                         else "gemeinde.update", "gemeinde", g.id, kommune_id=kommune_id)
    if errors:
        key = gemeinde_id or "new"
        messages = field_errors(errors)
        return _page(request, staff, kommune_id, gemeinde_errors={
            key: {"typed": values, "errors": messages}}, status_code=422)
    return _done(request, f"/staff/kommunen/{kommune_id}?saved=1")
