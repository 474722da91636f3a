"""Staff pages: login, logout, the staff start page, the own account and the admins' user pages.

Login is one form (user name, password, TOTP code) protected by a
double-submit token (cookie `__Host-lotse_login` + hidden field) and the
origin checks, since there is no session yet. A successful login makes a
new session token (SEC-05); `next` only ever leads to a path under /staff.
The user pages (list, add with TOTP enrolment, disable, enable) follow below.
"""

from __future__ import annotations

import secrets

import segno
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from app.i18n import staff_gettext as _s
from app.staff import accounts, audit, sessions, totp
from app.staff.auth import Staff, current_staff, require_staff
from app.staff.models import ROLES, StaffUser
from app.staff.scope import get_or_404, scoped
from app.staff.web import render_staff
from app.web import csrf
from app.web.deps import ServicesDep
from app.web.ratelimit import client_ip

router = APIRouter(include_in_schema=False)


def _safe_next(path: str | None) -> str:
    if path and path.startswith("/staff") and "//" not in path and "\\" not in path:
        return path
    return "/staff"


def _login_page(request: Request, next_path: str, error: str = "", username: str = "",
                status_code: int = 200):
    token = secrets.token_urlsafe(32)
    response = render_staff(request, None, "staff/login.html",
                            {"login_token": token, "next": next_path, "error": error,
                             "username": username}, status_code=status_code)
    sessions.set_cookie(response, sessions.LOGIN_COOKIE, token, max_age=3600)
    return response


@router.get("/staff/login")
def login_form(request: Request, next: str | None = Query(None, max_length=200)):  # noqa: A002
    if current_staff(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, _safe_next(next))


@router.post("/staff/login")
def login(request: Request, username: str = Form("", max_length=200),
          password: str = Form("", max_length=1024), code: str = Form("", max_length=20),
          csrf_token: str = Form("", max_length=100),
          next: str = Form("/staff", max_length=200)):  # noqa: A002
    next_path = _safe_next(next)
    cookie = request.cookies.get(sessions.LOGIN_COOKIE, "")
    if (not csrf.same_origin(request) or not cookie
            or not secrets.compare_digest(cookie, csrf_token)):
        return _login_page(request, next_path, _s("The login form had expired. Please try "
                                                  "again."), username, 403)
    app = request.app
    settings = app.state.settings
    conf = accounts.LoginLimits(settings.login_limit_account, settings.login_limit_ip,
                                settings.login_window_seconds)
    ip = client_ip(request)
    store = app.state.services.store
    with store.session.begin() as s:
        outcome, user, wait = accounts.authenticate(s, app.state.shared_limits.bound(s), conf,
                                                    username, password, code, ip)
        token = sessions.create(s, user.id) if user else None
    if outcome == "limited":
        response = _login_page(request, next_path, _s(
            "Too many attempts. Please wait a few minutes and try again."), username, 429)
        response.headers["Retry-After"] = str(wait)
        return response
    if token is None:
        return _login_page(request, next_path, _s(
            "User name, password or code is wrong."), username, 401)
    old = request.cookies.get(sessions.COOKIE)
    if old:
        with store.session.begin() as s:
            sessions.end(s, old)
    response = RedirectResponse(next_path, status_code=303)
    sessions.set_cookie(response, sessions.COOKIE, token)
    sessions.clear_cookie(response, sessions.LOGIN_COOKIE)
    return response


@router.post("/staff/logout")
def logout(request: Request, services: ServicesDep, staff: Staff = Depends(require_staff())):
    from app.staff import audit

    with services.store.session.begin() as s:
        sessions.end(s, request.cookies.get(sessions.COOKIE))
        audit.record(s, staff, "logout", "staff_user", staff.id)
    response = RedirectResponse("/staff/login", status_code=303)
    sessions.clear_cookie(response, sessions.COOKIE)
    return response


@router.get("/staff")
def home(request: Request, services: ServicesDep, staff: Staff = Depends(require_staff())):
    kommune = None
    if staff.kommune_id:
        kommune = services.store.kommune(staff.kommune_id)
    notes = [note for role, make in HOME_NOTES if staff.has(role)
             and (note := make(request, staff)) is not None]
    return render_staff(request, staff, "staff/home.html",
                        {"kommune": kommune, "links": home_links(staff), "notes": notes})


#: The staff start page's links: (role, path, label). Other lanes add theirs here.
HOME_LINKS: list[tuple[str, str, object]] = [
    ("admin", "/staff/users", lambda: _s("User accounts")),
    ("coordinator", "/staff/figures", lambda: _s("Figures and gap report")),
]


#: Notes on the start page: (role, make(request, staff) -> (text, path) or None).
HOME_NOTES: list[tuple[str, object]] = []


def home_links(staff: Staff) -> list[tuple[str, str]]:
    links: dict[str, str] = {}
    for role, path, label in HOME_LINKS:
        if staff.has(role) and path not in links:
            links[path] = label()
    return list(links.items())


@router.get("/staff/account")
def account(request: Request, staff: Staff = Depends(require_staff())):
    return render_staff(request, staff, "staff/account.html", {"errors": [], "done": False})


@router.post("/staff/account")
def change_password(request: Request, services: ServicesDep,
                    staff: Staff = Depends(require_staff()),
                    password: str = Form("", max_length=1024),
                    new_password: str = Form("", max_length=1024),
                    new_password2: str = Form("", max_length=1024)):
    errors = []
    if new_password != new_password2:
        errors.append(_s("The two new passwords differ."))
    else:
        try:
            with services.store.session.begin() as s:
                accounts.change_password(s, s.get(StaffUser, staff.id), password, new_password)
                sessions.end_others(s, staff.id, request.cookies.get(sessions.COOKIE))
        except accounts.AccountError as exc:
            errors.append(str(exc))
    return render_staff(request, staff, "staff/account.html",
                        {"errors": errors, "done": not errors},
                        status_code=422 if errors else 200)


# --- Admin pages for staff accounts: list, add (with TOTP enrolment), disable, enable.
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
async def add_user(request: Request, services: ServicesDep, staff: Staff = Depends(ADMIN),
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
        with services.store.session.begin() as s:
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
def set_active(request: Request, services: ServicesDep, user_id: str, staff: Staff = Depends(ADMIN),
               active: str = Form("", max_length=5)):
    if user_id == staff.id:
        return _page(request, staff, [_s("You cannot disable your own account.")],
                     status_code=409)
    with services.store.session.begin() as s:
        user = get_or_404(s, StaffUser, user_id, staff)
        accounts.set_active(s, staff, user, active == "1")
    return RedirectResponse("/staff/users", status_code=303)
