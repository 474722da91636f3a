"""The app's request middlewares, as plain ASGI: access log, language and headers, body limit,
search limit.

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
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n
from app.web.metrics import REQUEST_SECONDS, route_of
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


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(32), 127)} | {
    c: f"\\u{c:04x}" for c in (*range(0x80, 0xA0), 0x2028, 0x2029)} | {ord("\\"): "\\\\"}


def printable(text: str) -> str:
    """`text` for a log line: control characters (CR, LF, tab, C1, the Unicode line and
    paragraph separators) and the backslash escaped, so a `%0A` in a path cannot start a
    forged log line."""
    return text.translate(_CONTROL)


def _escaped(value: object) -> object:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_escaped(v) for v in value)
    return value


def escape_logs() -> None:
    """Every log record's arguments (the values put into a message: paths, names, error
    texts) get their control characters escaped, whichever logger writes it, so no input
    can start a forged log line. Installed once per process (`create_app`)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "escapes", False):
        return

    def record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        rec = factory(*args, **kwargs)
        if rec.args:
            rec.args = _escaped(rec.args)  # type: ignore[assignment]  # same shape back
        return rec

    record.__dict__.update(getattr(factory, "__dict__", {}))  # the markers of other wrappers
    record.escapes = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record)


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
    """The access log names the route template, never the query string: query strings
    hold questions (PRIV-07), and path values (ids) are not needed in a log.
    It also observes each request's latency per route template (`/metrics`)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        t0 = time.perf_counter()
        status = [500]

        def seen(_headers: MutableHeaders, code: int) -> None:
            status[0] = code

        try:
            await self.app(scope, receive, on_start(send, seen))
        finally:
            seconds = time.perf_counter() - t0
            route = route_of(scope)
            REQUEST_SECONDS.labels(scope["method"], route, str(status[0])).observe(seconds)
            # the route template (`/offer/{offer_id}`), not the values in the path; a path
            # no route matched (a scanner's, a typo) as it came, escaped, cut at 200
            shown = route if route != "(unmatched)" else scope["path"][:200]
            access_log.info("%s %s %d %.0fms", scope["method"], shown, status[0],
                            seconds * 1000, extra={
                                "method": scope["method"], "route": route,
                                "status": status[0], "duration_ms": round(seconds * 1000, 1)})


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
        # Only a page the person opens keeps the language; a background fetch (the
        # Personal Book caching its German counter view) must not switch it.
        mode = request.headers.get("sec-fetch-mode", "navigate")
        if asked and mode == "navigate" and i18n.pick_language(asked, default="") == lang:
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


class BodyTooLarge(Exception):
    """The request body went past its limit (raised from `receive`)."""


class BodyLimit(HTTPMiddleware):
    """Every request body is bounded (SEC-23): `limit_of(path)` bytes, counted as they
    stream in (a chunked body has no Content-Length), 413 past the limit. A declared
    Content-Length over the limit is refused before anything is read. Whatever the app
    answers once the limit was passed (its body parser may turn the error into a 400),
    the client gets the 413: JSON under /api/, otherwise the error page, in the request's
    language (this runs inside `LanguageAndHeaders`)."""

    def __init__(self, app: ASGIApp, limit_of: Callable[[str], int]) -> None:
        super().__init__(app)
        self.limit_of = limit_of

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_of(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self.refuse(scope, send)
            return
        state = {"seen": 0, "over": False, "started": False}

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > limit:
                    state["over"] = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            if state["over"]:
                return  # the app's own answer to the cut body is replaced by the 413
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLarge:
            state["over"] = True
        if state["over"] and not state["started"]:
            await self.refuse(scope, send)

    @staticmethod
    async def refuse(scope: Scope, send: Send) -> None:
        access_log.warning("request body too large on %s", scope["path"])
        from app.web.rendering import error_response

        response = error_response(Request(scope), 413,
                                  i18n.gettext("What you sent is too large."),
                                  headers={"Connection": "close"})

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, nothing, send)


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
            wait = limited(request, "search", self.per_minute, window=60, local=True)
            if wait:
                response = await self.refusal(request, wait)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def refusal(request: Request, wait: int) -> Response:
        from app.web.rendering import asked_question, error_response

        detail = i18n.gettext("Too many questions in a short time. Please wait a "
                              "minute, then ask again.")
        return error_response(request, 429, detail, q=await asked_question(request),
                              headers={"Retry-After": str(wait)})

