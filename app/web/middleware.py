"""The app's request middlewares, as plain ASGI: access log, language and headers, search limit.

Each used to be a `@app.middleware("http")` function; Starlette runs those through
`BaseHTTPMiddleware`, which puts every request through an extra task and memory
stream: about 0.5 ms per middleware and request here (`lotse bench`: HTTP search
p50 over the bare encoding). These classes do the same work on the ASGI messages
directly. `on_start` wraps `send` so a middleware can add headers to the response
when it starts, whoever made the response.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n
from app.web.ratelimit import limited

access_log = logging.getLogger("lotse.access")
LANG_COOKIE = "lotse_lang"
#: routes that run a search (GET / only with a question): rate-limited per IP (SEC-17)
SEARCH_PATHS = frozenset({"/api/v1/search", "/conversation/ask", "/conversation/reply",
                          "/conversation/place"})
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}


def on_start(send: Send, edit: Callable[[MutableHeaders, int], None]) -> Send:
    """`send` that lets `edit` change the headers (knowing the status) as the response starts."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", [])
            edit(MutableHeaders(scope=message), message["status"])
        await send(message)

    return wrapped


class HTTPMiddleware:
    """Base: pass everything that is not an HTTP request through untouched; subclasses
    implement `http` for requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class AccessLog(HTTPMiddleware):
    """The access log names the path only: query strings can hold questions (PRIV-07)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        t0 = time.perf_counter()
        status = [500]

        def seen(_headers: MutableHeaders, code: int) -> None:
            status[0] = code

        try:
            await self.app(scope, receive, on_start(send, seen))
        finally:
            access_log.info("%s %s %d %.0fms", scope["method"], scope["path"], status[0],
                            (time.perf_counter() - t0) * 1000)


class LanguageAndHeaders(HTTPMiddleware):
    """The UI language of the request (query, cookie, browser), and the security headers."""

    def __init__(self, app: ASGIApp, default_language: str) -> None:
        super().__init__(app)
        self.default_language = default_language

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        asked = request.query_params.get("lang")
        lang = i18n.pick_language(
            asked, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"),
            default=self.default_language,
        )
        request.state.lang = lang
        i18n.set_language(lang)
        cookie = None
        if asked and i18n.pick_language(asked, default="") == lang:
            carrier = Response()
            carrier.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax",
                               httponly=True)
            cookie = carrier.headers["set-cookie"]

        def edit(headers: MutableHeaders, _status: int) -> None:
            if cookie:
                headers.append("set-cookie", cookie)
            for k, v in SECURITY_HEADERS.items():
                headers.setdefault(k, v)

        await self.app(scope, receive, on_start(send, edit))


class SearchLimit(HTTPMiddleware):
    """Questions per IP address and minute (SEC-17); inside the language middleware, so
    the refusal is in the person's language, and it keeps the question."""

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        super().__init__(app)
        self.per_minute = per_minute

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        request = Request(scope, receive)
        if path in SEARCH_PATHS or (path == "/" and request.query_params.get("q")):
            wait = limited(request, "search", self.per_minute, window=60)
            if wait:
                response = await self.refusal(request, wait)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def refusal(request: Request, wait: int) -> Response:
        detail = i18n.gettext("Too many questions in a short time. Please wait a "
                              "minute, then ask again.")
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": detail}, status_code=429,
                                headers={"Retry-After": str(wait)})
        from app.web.rendering import render

        form = await request.form() if request.method == "POST" else {}
        q = request.query_params.get("q") or form.get("q") or ""
        response: Response = render(request, "error.html", {"status": 429, "detail": detail,
                                                  "q": str(q)[:2000]}, status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response

