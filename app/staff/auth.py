"""Who is asking: the `require_staff` dependency that protects every staff route.

    from app.staff.auth import Staff, require_staff

    @router.get("/staff/inbox")
    def inbox(request: Request, staff: Staff = Depends(require_staff("case_manager"))):
        ...

The dependency finds the session from the `__Host-lotse_staff` cookie
(idle and absolute timeouts, active user), checks the CSRF token and the
origin on every method but GET/HEAD/OPTIONS, checks the role (any of the
given roles; none given = any staff user) and returns a `Staff`: the user's
id, name, roles and Kommune scope (`kommune_id`, None for a state-wide
coordinator or admin). Not logged in: a page request is sent to the login
page, an htmx or API request gets 401. Wrong role: 403. Objects of another
Kommune are the query layer's business (`app.staff.scope`): 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import HTTPException, Request

from app.i18n import staff_gettext as _s
from app.staff import sessions
from app.staff.models import StaffUser
from app.web import csrf


@dataclass(frozen=True)
class Staff:
    id: str
    username: str
    display_name: str
    roles: tuple[str, ...]
    kommune_id: str | None  # None = state-wide (coordinator or admin only)
    csrf_token: str

    @property
    def state_wide(self) -> bool:
        return self.kommune_id is None

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @classmethod
    def of(cls, user: StaffUser, csrf_token: str) -> Staff:
        return cls(user.id, user.username, user.display_name or user.username,
                   tuple(user.roles or ()), user.kommune_id, csrf_token)


class LoginRequired(Exception):
    """No live session: the staff area answers with the login page or 401."""


def current_staff(request: Request) -> Staff | None:
    """The logged-in staff member of this request, or None (cached per request)."""
    if hasattr(request.state, "staff_checked"):
        return request.state.staff
    request.state.staff_checked = True
    request.state.staff = None
    token = request.cookies.get(sessions.COOKIE)
    if not token:
        return None
    settings = request.app.state.settings
    store = request.app.state.services.store
    with store.session.begin() as s:
        found = sessions.lookup(
            s, token, dt.timedelta(minutes=settings.staff_idle_minutes),
            dt.timedelta(hours=settings.staff_session_hours))
        if found:
            row, user = found
            request.state.staff = Staff.of(user, row.csrf_token)
    return request.state.staff


def require_staff(*roles: str):
    """A FastAPI dependency: the logged-in `Staff` with one of `roles` (any if none given)."""

    async def dependency(request: Request) -> Staff:
        request.state.staff_area = True  # no-store, whatever the outcome
        staff = current_staff(request)
        if staff is None:
            raise LoginRequired()
        if request.method not in csrf.SAFE_METHODS:
            await csrf.check(request, staff.csrf_token)
        if roles and not staff.has(*roles):
            raise HTTPException(403, _s("Your role does not allow this."))
        return staff

    dependency.roles = roles  # for the deny-by-default test and the docs
    return dependency
