"""How the staff area answers: staff pages, no-store, login redirects, typed input kept.

`install(app)` (called by the app factory) adds
- `Cache-Control: no-store` to every response under `/staff` and every
  response of a route that uses `require_staff` (SEC-18, PRIV-14);
- the answers to `LoginRequired` (page: 303 to the login page; htmx and
  API: 401) and to `CsrfFailed` (403). A POST that fails either way shows
  what the person typed again, so an expired session loses nothing (A11Y-08).

`render_staff(request, staff, template, data)` renders a staff page (German
by default, domain `staff`) with `staff` and its CSRF token in the context;
templates put `{{ csrf_field() }}` (a Jinja global) into every form.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from jinja2 import pass_context
from markupsafe import Markup, escape

from app import i18n
from app.staff.auth import LoginRequired, Staff
from app.web.csrf import FIELD, CsrfFailed
from app.web.middleware import HTTPMiddleware, on_start
from app.web.rendering import env, is_htmx, render

#: Form fields never shown again.
SECRET_FIELDS = frozenset({FIELD, "password", "new_password", "new_password2", "code"})


@pass_context
def csrf_field(context) -> Markup:
    """The hidden CSRF input for a staff form: `{{ csrf_field() }}` (works in htmx fragments).

    The value is the session's server-made token (escaped), never user data.
    """
    staff = context.get("staff")
    token = escape(staff.csrf_token) if staff is not None else ""
    return Markup(f'<input type="hidden" name="csrf_token" value="{token}">')  # noqa: S704


def render_staff(request: Request, staff: Staff | None, template: str, data: dict, *,
                 block: str | None = None, status_code: int = 200):
    request.state.staff_area = True
    lang = i18n.staff_language()
    response = render(request, template, {"staff": staff, "staff_lang": lang, **data},
                      block=block, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _kept_fields(request: Request) -> list[tuple[str, str]]:
    if request.method in ("GET", "HEAD"):
        return []
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return []
    form = await request.form()
    return [(k, v) for k, v in form.multi_items()
            if isinstance(v, str) and v.strip() and k not in SECRET_FIELDS][:20]


async def _refused(request: Request, status: int, reason: str):
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": reason}, status_code=status)
    htmx = is_htmx(request)
    if status == 401 and request.method in ("GET", "HEAD") and not htmx:
        return RedirectResponse(f"/staff/login?next={request.url.path}", status_code=303)
    kept = await _kept_fields(request)
    response = render_staff(request, None, "staff/refused.html",
                            {"reason": reason, "kept": kept, "status": status},
                            block="content", status_code=status)
    if htmx:
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def install(app: FastAPI) -> None:
    env.globals["csrf_field"] = csrf_field
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        return await _refused(request, 401, i18n.staff_gettext(
            "Your session has ended. Please log in again."))

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed):
        return await _refused(request, 403, i18n.staff_gettext(
            "This form has expired or did not come from this site. Please load the page again."))

    app.add_middleware(NoStore)


class NoStore(HTTPMiddleware):
    """Staff pages (and any page a route marks `staff_area`) are never cached."""

    async def http(self, scope, receive, send) -> None:
        def edit(headers, _status: int) -> None:
            if scope["path"].startswith("/staff") or scope.get("state", {}).get("staff_area"):
                headers["Cache-Control"] = "no-store"

        await self.app(scope, receive, on_start(send, edit))
