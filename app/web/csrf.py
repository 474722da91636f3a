"""CSRF defence for every state-changing staff request (SEC-10).

Two independent checks, both must pass:
1. Where the browser sends them, `Sec-Fetch-Site` must be `same-origin` (or
   `none`) and `Origin` must name this host; cross-site requests are refused.
   `Origin: null` (what browsers send for form posts under our
   `Referrer-Policy: no-referrer`) passes only with `Sec-Fetch-Site: same-origin`.
2. The synchronizer token of the session must come back, either as the form
   field `csrf_token` (plain no-JS forms) or as the header `X-CSRF-Token`
   (htmx sends it from `hx-headers` on the staff base template's body).
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


class CsrfFailed(Exception):
    """A state change without a valid token or from another site."""


def same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin == "null":
        # Browsers send "null" for form posts under `Referrer-Policy: no-referrer` (ours):
        # then the fetch metadata must vouch for the request.
        return site == "same-origin"
    if origin is not None:
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc.lower() != host.lower():
            return False
    return True


async def submitted_token(request: Request) -> str:
    token = request.headers.get(HEADER)
    if token:
        return token
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def check(request: Request, expected: str) -> None:
    """Raise CsrfFailed unless the request is same-origin and carries the expected token."""
    if not same_origin(request):
        raise CsrfFailed("cross-site request")
    token = await submitted_token(request)
    if not token or not expected or not hmac.compare_digest(token, expected):
        raise CsrfFailed("missing or wrong CSRF token")
