"""The FastAPI app factory: settings, start-up, language per request, security headers."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import i18n
from app.analytics import routes as analytics_routes
from app.analytics.maintenance import Maintenance
from app.assistant import pages as assistant_pages
from app.editors import freshness as editor_freshness
from app.editors import kommunen as editor_kommunen
from app.editors import pages as editor_pages
from app.imports import pages as import_pages
from app.keyring import open_keyring
from app.referrals import api as referral_api
from app.referrals import inbox_pages as referral_inbox
from app.referrals import pages as referral_pages
from app.referrals.jobs import Jobs
from app.responsibility import api as responsibility_api
from app.responsibility import pages as responsibility_pages
from app.responsibility import staff_pages as responsibility_staff
from app.routes import api, hsds
from app.services import Services, start
from app.settings import Settings
from app.staff import routes as staff_routes
from app.staff import users as staff_users
from app.staff import web as staff_web
from app.staff.ratelimit import RateLimits, limited
from app.volunteer import pages as volunteer_pages
from app.volunteer import pwa, statement

log = logging.getLogger("lotse")
access_log = logging.getLogger("lotse.access")
STATIC = Path(__file__).parent / "static"
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


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "services", None) is None:
            app.state.services = start(settings)
            app.state.keyring = open_keyring(settings, app.state.services.store)
        maintenance = Maintenance(app.state.services)  # analytics retention, by itself
        maintenance.start()
        app.state.jobs = Jobs(app.state.services.store, settings)
        app.state.jobs.start()  # mail outbox and referral retention run by themselves
        yield
        app.state.jobs.stop()
        maintenance.stop()
        if app.state.services.events is not None:
            app.state.services.events.close()  # what is queued is written before exit

    app = FastAPI(title="KIM-Lotse", version="0.1.0", lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.services = services
    app.state.limits = RateLimits()
    if services is not None:  # no key file where one is needed: refuse to start
        app.state.keyring = open_keyring(settings, services.store)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(hsds.router)
    app.include_router(responsibility_api.router)
    app.include_router(assistant_pages.router)
    app.include_router(volunteer_pages.router)
    app.include_router(pwa.router)
    app.include_router(statement.router)
    app.include_router(responsibility_pages.router)
    app.include_router(staff_routes.router)
    app.include_router(staff_users.router)
    app.include_router(analytics_routes.router)
    app.include_router(responsibility_staff.router)
    app.include_router(referral_api.router)
    app.include_router(referral_pages.router)
    app.include_router(referral_inbox.router)
    app.include_router(editor_freshness.router)  # before /staff/offers/{id}
    app.include_router(import_pages.router)
    app.include_router(editor_pages.router)
    app.include_router(editor_kommunen.router)
    staff_web.install(app)

    @app.middleware("http")
    async def search_limit(request: Request, call_next):
        """Questions per IP address and minute (SEC-17); inside the language middleware, so
        the refusal is in the person's language, and it keeps the question."""
        path = request.url.path
        if path in SEARCH_PATHS or (path == "/" and request.query_params.get("q")):
            wait = limited(request, "search", settings.search_limit_ip, window=60)
            if wait:
                detail = i18n.gettext("Too many questions in a short time. Please wait a "
                                      "minute, then ask again.")
                if path.startswith("/api/"):
                    return JSONResponse({"detail": detail}, status_code=429,
                                        headers={"Retry-After": str(wait)})
                from app.rendering import render

                form = await request.form() if request.method == "POST" else {}
                q = request.query_params.get("q") or form.get("q") or ""
                response = render(request, "error.html", {"status": 429, "detail": detail,
                                                          "q": str(q)[:2000]}, status_code=429)
                response.headers["Retry-After"] = str(wait)
                return response
        return await call_next(request)

    @app.middleware("http")
    async def language_and_headers(request: Request, call_next):
        asked = request.query_params.get("lang")
        lang = i18n.pick_language(
            asked, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"),
            default=settings.default_language,
        )
        request.state.lang = lang
        i18n.set_language(lang)
        response = await call_next(request)
        if asked and i18n.pick_language(asked, default="") == lang:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax",
                                httponly=True)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.middleware("http")
    async def path_only_access_log(request: Request, call_next):
        """The access log names the path only: query strings can hold questions (PRIV-07)."""
        t0 = time.perf_counter()
        response = await call_next(request)
        access_log.info("%s %s %d %.0fms", request.method, request.url.path,
                        response.status_code, (time.perf_counter() - t0) * 1000)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        fields = [".".join(str(p) for p in e["loc"][1:]) for e in exc.errors()]
        return JSONResponse(
            {"detail": i18n.gettext("Some input is not valid."), "fields": fields},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        from app.rendering import render

        return render(request, "error.html", {"status": exc.status_code},
                      status_code=exc.status_code)

    @app.exception_handler(OperationalError)
    async def store_busy(request: Request, exc: OperationalError):
        """A locked or full store: 503, try again (REL-07); forms keep input on their own."""
        log.error("store unavailable on %s: %s", request.url.path, type(exc.orig).__name__)
        detail = i18n.gettext("We cannot take your request right now. Nothing was stored. "
                              "Please try again in a minute.")
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": detail}, status_code=503,
                                headers={"Retry-After": "30"})
        return PlainTextResponse(detail, status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return PlainTextResponse(i18n.gettext("Something went wrong. Please try again."),
                                 status_code=500)

    return app
