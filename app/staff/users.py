"""Admin pages for staff accounts: list, add (with TOTP enrolment), disable, enable.

An admin bound to a Kommune manages that Kommune's accounts only; a
state-wide admin manages all. Users of another Kommune are not found (404),
in the query layer (`app.staff.scope`). The new user's TOTP secret is shown
once, as text and as a QR code (SVG data URI made here by segno, no third
party), on a no-store page.
"""

from __future__ import annotations

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from app.i18n import staff_gettext as _s
from app.staff import accounts, audit, totp
from app.staff.auth import Staff, require_staff
from app.staff.models import ROLES, StaffUser
from app.staff.scope import get_or_404, scoped
from app.staff.web import render_staff

router = APIRouter(include_in_schema=False)
ADMIN = require_staff("admin")


def role_labels() -> dict[str, str]:
    return {"case_manager": _s("Case manager"), "editor": _s("Editor"),
            "coordinator": _s("Coordinator"), "admin": _s("Administrator")}


def _page(request: Request, staff: Staff, errors: list[str] | None = None,
          form: dict | None = None, enrolment: dict | None = None, status_code: int = 200):
    store = request.app.state.services.store
    with store.session() as s:
        users = list(s.scalars(scoped(select(StaffUser), staff, StaffUser.kommune_id)
                               .order_by(StaffUser.username)))
        audit.record(s, staff, "user.list", "staff_user", None)
        s.commit()
    kommunen = store.kommunen()
    if not staff.state_wide:
        kommunen = [k for k in kommunen if k.id == staff.kommune_id]
    return render_staff(request, staff, "staff/users.html", {
        "users": users, "kommunen": kommunen, "roles": ROLES, "role_labels": role_labels(),
        "errors": errors or [], "form": form or {}, "enrolment": enrolment,
    }, status_code=status_code)


@router.get("/staff/users")
def users(request: Request, staff: Staff = Depends(ADMIN)):
    return _page(request, staff)


@router.post("/staff/users")
async def add_user(request: Request, staff: Staff = Depends(ADMIN),
                   username: str = Form("", max_length=64),
                   display_name: str = Form("", max_length=200),
                   kommune: str = Form("", max_length=40),
                   password: str = Form("", max_length=1024)):
    form = await request.form()
    roles = [r for r in form.getlist("roles") if isinstance(r, str)]
    kommune_id = kommune or None
    if not staff.state_wide:
        kommune_id = staff.kommune_id  # a Kommune's admin adds users of that Kommune only
    kept = {"username": username, "display_name": display_name, "kommune": kommune or "",
            "roles": roles}
    try:
        with request.app.state.services.store.session.begin() as s:
            user, secret = accounts.create_user(s, staff, username, password, roles,
                                                kommune_id, display_name)
            name = user.username
    except accounts.AccountError as exc:
        return _page(request, staff, [str(exc)], kept, status_code=422)
    uri = totp.provisioning_uri(secret, name)
    enrolment = {"username": name, "secret": secret,
                 "qr": segno.make(uri, error="m").svg_data_uri(scale=4)}
    return _page(request, staff, enrolment=enrolment)


@router.post("/staff/users/{user_id}/active")
def set_active(request: Request, user_id: str, staff: Staff = Depends(ADMIN),
               active: str = Form("", max_length=5)):
    if user_id == staff.id:
        return _page(request, staff, [_s("You cannot disable your own account.")],
                     status_code=409)
    with request.app.state.services.store.session.begin() as s:
        user = get_or_404(s, StaffUser, user_id, staff)
        accounts.set_active(s, staff, user, active == "1")
    return RedirectResponse("/staff/users", status_code=303)
