"""The one logging configuration: JSON lines on stderr from every logger, with a request id.

`configure()` puts one handler on the root logger that renders every record, the app's
(`lotse.*`) and every library's (uvicorn's error and access loggers included), as one
JSON object per line through structlog's `ProcessorFormatter`: time (UTC), level, logger,
event (the message) and, inside a request, `request_id`. uvicorn's own handlers are taken
away so its records reach this one; uvicorn's access log (off under `lotse serve`, on under
a plain `uvicorn ...`) names the route template instead of the path with its query string
(`NoQueryString`), since query strings hold questions (PRIV-07). Control characters stay
escaped: record arguments by `app.web.middleware.escape_logs`, the whole line by the JSON
encoding.

`RequestId` (plain ASGI, the outermost middleware) gives each request an id: the
`X-Request-ID` of a trusted proxy (LOTSE_TRUSTED_PROXIES) when it is well-formed, else a
new one; every log record made while the request is answered carries it (a context variable
read by the record factory), and it is returned as `X-Request-ID`.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from typing import Any, TextIO

import structlog
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.metrics import route_of
from app.web.middleware import HTTPMiddleware, on_start
from app.web.ratelimit import Network, networks

#: a request id taken from a trusted proxy: letters, digits and `-._:`, at most 64
_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: the fields a record may add to its line (`extra=`); anything else stays out of the log
LOGGED_EXTRAS = ("request_id", "method", "route", "status", "duration_ms")
#: the loggers of the server itself; their records go to the root handler
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")

#: the id of the request being answered (set by `RequestId`, read as records are made)
REQUEST_ID: ContextVar[str | None] = ContextVar("lotse_request_id", default=None)
#: the ASGI scope of that request (its route template, once routed)
SCOPE: ContextVar[Scope | None] = ContextVar("lotse_request_scope", default=None)

def address_in(host: str | None, nets: tuple[Network, ...]) -> bool:
    """True when `host` (a client address; None or a name never) is in one of `nets`."""
    if not host or not nets:
        return False
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return any(addr.version == n.version and addr in n for n in nets)


class _Stderr(logging.StreamHandler):
    """A stream handler writing to whatever `sys.stderr` is now (test capture swaps it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class NoQueryString(logging.Filter):
    """uvicorn's access record as the app's own: its arguments are (client, method, path
    with query, HTTP version, status); the path becomes the route template of the request
    being answered (uvicorn logs as the response starts, inside the request's context),
    or, for a path no route matched, the path cut at `?`."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2].split("?", 1)[0]
            scope = SCOPE.get()
            if scope is not None and route_of(scope) != "(unmatched)":
                path = route_of(scope)
            record.args = (*args[:2], path, *args[3:])
        return True


def _carry_request_id() -> None:
    """Every log record made inside a request gets `request_id` as it is created (in the
    request's context, whichever thread formats it later). Installed once per process."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "request_ids", False):
        return

    def record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        rec = factory(*args, **kwargs)
        rid = REQUEST_ID.get()
        if rid is not None:
            rec.request_id = rid
        return rec

    record.__dict__.update(getattr(factory, "__dict__", {}))  # escape_logs' marker
    record.request_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record)


def _drop_color(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    """uvicorn adds `color_message` (the message with terminal colours): not for a log."""
    event.pop("color_message", None)
    return event


def _formatter() -> structlog.stdlib.ProcessorFormatter:
    shared: list[Any] = [
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(allow=LOGGED_EXTRAS),
        _drop_color,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
    ]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False, sort_keys=False),
        ],
    )


def configure(level: int = logging.INFO) -> None:
    """Install the JSON handler on the root logger (once; other handlers, such as pytest's,
    stay) and route uvicorn's loggers to it. Idempotent: `create_app` and `lotse serve`
    both call it."""
    _carry_request_id()
    root = logging.getLogger()
    if not any(getattr(h, "lotse_json", False) for h in root.handlers):
        handler = _Stderr()
        handler.setFormatter(_formatter())
        handler.lotse_json = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        structlog.configure(
            processors=[structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.stdlib.BoundLogger,
            cache_logger_on_first_use=True,
        )
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    for name in SERVER_LOGGERS:
        server = logging.getLogger(name)
        server.handlers.clear()
        server.propagate = True
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, NoQueryString) for f in access.filters):
        access.addFilter(NoQueryString())


class RequestId(HTTPMiddleware):
    """Each request's id: a trusted proxy's well-formed `X-Request-ID`, else a new one;
    put on every log record of the request (`REQUEST_ID`), kept in
    `request.state.request_id` and returned as `X-Request-ID`."""

    def __init__(self, app: ASGIApp, trusted_proxies: str = "") -> None:
        super().__init__(app)
        self.trusted = networks(trusted_proxies)

    def request_id(self, scope: Scope) -> str:
        client = scope.get("client")
        if client and address_in(client[0], self.trusted):
            given = Headers(scope=scope).get("x-request-id", "")
            if _ID.fullmatch(given):
                return given
        return uuid.uuid4().hex

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid = self.request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        token, scoped = REQUEST_ID.set(rid), SCOPE.set(scope)

        def edit(headers: Any, _status: int) -> None:
            headers["X-Request-ID"] = rid

        try:
            await self.app(scope, receive, on_start(send, edit))
        finally:
            REQUEST_ID.reset(token)
            SCOPE.reset(scoped)
