"""The FastAPI app factory: settings, start-up, language per request, security headers."""

from __future__ import annotations

import logging
import re
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import i18n, openapi_doc
from app.analytics import routes as analytics_routes
from app.analytics.maintenance import Maintenance
from app.assistant import pages as assistant_pages
from app.editors import freshness as editor_freshness
from app.editors import kommunen as editor_kommunen
from app.editors import pages as editor_pages
from app.imports import pages as import_pages
from app.keyring import open_keyring
from app.middleware import (
    AccessLog,
    BodyLimit,
    LanguageAndHeaders,
    SearchLimit,
    escape_logs,
)
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
from app.staff.ratelimit import RateLimits
from app.volunteer import pages as volunteer_pages
from app.volunteer import pwa, statement

log = logging.getLogger("lotse")
STATIC = Path(__file__).parent / "static"


#: routes that take a file: their body may be as large as an import file
UPLOAD_PATHS = frozenset({"/staff/import", "/staff/rules/import"})


def body_limits(settings: Settings):
    """The body limit of a request path (SEC-23): uploads, the JSON API, everything else."""
    upload = settings.import_max_bytes + settings.body_max_upload_extra

    def limit_of(path: str) -> int:
        if path in UPLOAD_PATHS:
            return upload
        return settings.body_max_api if path.startswith("/api/") else settings.body_max_form

    return limit_of


def api_facts(app: FastAPI, settings: Settings) -> dict:
    """What the OpenAPI document states from the store: Kommunen with their Gemeinden,
    topic codes, the topics that need the extra consent, the `per_page` limit."""
    from sqlalchemy import select

    from app.referrals.consent import SPECIAL_TOPICS
    from directory.models import Gemeinde, Kommune, TaxonomyTerm

    with app.state.services.store.session() as s:
        kommunen: dict[str, list[str]] = {k: [] for k in s.scalars(select(Kommune.id))}
        for gid, kid in s.execute(select(Gemeinde.id, Gemeinde.kommune_id)):
            kommunen.setdefault(kid, []).append(gid)
        topics = sorted(c for c in s.scalars(select(TaxonomyTerm.code))
                        if re.fullmatch(r"[a-z_]{2,40}", c))  # the codes a referral takes
    return {"kommunen": kommunen, "topics": topics,
            "special": sorted(SPECIAL_TOPICS & set(topics)),
            "per_page": settings.hsds_max_per_page}


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()
    escape_logs()  # control characters in logged values are escaped (no forged lines)

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

    openapi_doc.install(app, lambda: api_facts(app, settings))

    # plain ASGI (app.middleware); the last added runs first
    app.add_middleware(SearchLimit, per_minute=settings.search_limit_ip)
    app.add_middleware(BodyLimit, limit_of=body_limits(settings))
    app.add_middleware(LanguageAndHeaders, default_language=settings.default_language)
    app.add_middleware(AccessLog)

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

        response = render(request, "error.html", {"status": exc.status_code},
                          status_code=exc.status_code)
        for name, value in (getattr(exc, "headers", None) or {}).items():
            response.headers[name] = value  # e.g. `Allow` on a 405
        return response

    @app.exception_handler(OperationalError)
    async def store_busy(request: Request, exc: OperationalError):
        """A locked or full store: 503, try again (REL-07); forms keep input on their own."""
        log.error("store unavailable on %s: %s", request.url.path, type(exc.orig).__name__)
        detail = i18n.gettext("We cannot take your request right now. Nothing was stored. "
                              "Please try again in a minute.")
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": detail}, status_code=503,
                                headers={"Retry-After": "30"})
        from app.rendering import render

        # the page keeps the question to send again (in a POST body, never a URL)
        q = request.query_params.get("q") or ""
        if not q and request.method == "POST":
            try:
                q = str((await request.form()).get("q") or "")
            except Exception:  # the body was read already: nothing to keep  # noqa: BLE001
                q = ""
        response = render(request, "error.html", {"status": 503, "detail": detail,
                                                  "q": q[:2000]}, status_code=503)
        response.headers["Retry-After"] = "30"
        return response

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return PlainTextResponse(i18n.gettext("Something went wrong. Please try again."),
                                 status_code=500)

    return app
