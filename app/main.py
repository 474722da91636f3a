"""The app factory, the one module that knows every feature.

`create_app` mounts the static files, includes the router of every feature in
`FEATURES` (each package's `routes.py`, its whole HTTP surface), installs the
staff area's answers and the middlewares of `app.web`, starts the background
work of `app.jobs` in the lifespan and answers errors. `open_store` and `start`
bring a store and a search engine up (migrations, reference data, demo directory,
the responsibility rules), for the app and for the `lotse` command.
"""

from __future__ import annotations

import contextlib
import logging
import re
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import i18n
from app.analytics import routes as analytics
from app.assistant import routes as assistant
from app.casework import routes as casework
from app.corrections import routes as corrections
from app.editors import routes as editors
from app.hsds import routes as hsds
from app.imports import routes as imports
from app.jobs import Background, wake
from app.keyring import DecryptionFailed, open_keyring
from app.kommunen import routes as kommunen
from app.messages import routes as messages
from app.monitoring import routes as monitoring
from app.precheck import routes as precheck
from app.precheck.repository import seed as seed_law_rules
from app.referrals import routes as referrals
from app.responsibility import routes as responsibility
from app.responsibility.repository import seed as seed_rules
from app.rules import routes as rules
from app.search import routes as search
from app.sensors import routes as sensors
from app.services import Services, encoder_for
from app.settings import Settings
from app.staff import routes as staff
from app.staff import web as staff_web
from app.volunteer import routes as volunteer
from app.web import logs, openapi
from app.web.metrics import ENCODE_SECONDS
from app.web.middleware import (
    AccessLog,
    BodyLimit,
    LanguageAndHeaders,
    SearchLimit,
    escape_logs,
)
from app.web.ratelimit import RateLimits
from app.web.rendering import asked_question, error_response, render
from app.web.shared_limits import StoreLimits
from directory.store import Store
from index.cache import EmbeddingCache
from index.engine import Progress, SearchEngine
from index.follow import Follower

log = logging.getLogger("lotse")
STATIC = Path(__file__).parent / "static"

#: every feature's routes module, in the order their routes are matched
#: (tests/test_layout.py checks that each app/<feature>/routes.py is here)
FEATURES = (search, hsds, responsibility, assistant, volunteer, staff, analytics, rules,
            referrals, casework, messages, sensors, imports, editors, kommunen, precheck,
            corrections, monitoring)


def open_store(settings: Settings) -> Store:
    """The app's store: migrated, the demo directory if empty, the rules seeded; all under
    the schema lock, so processes started together on an empty store take turns."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.resolved_database_url)
    with store.exclusive():
        store.init(migrate_schema=settings.auto_migrate)
        if settings.load_demo:
            store.load_demo_if_empty()
        seed_rules(store)
        seed_law_rules(store)
    return store


def start(settings: Settings, progress: Progress | None = None) -> Services:
    """Open the store (migrate, reference data, demo) and load or build the index."""
    store = open_store(settings)
    encoder = encoder_for(settings)
    engine = SearchEngine(encoder, cache=EmbeddingCache(settings.embedding_cache_dir),
                          encode_budget_ms=settings.encode_budget_ms)
    follower = Follower(store, engine, settings.import_reindex_above)
    follower.start()  # before the offers are read: what is written meanwhile is applied
    engine.open(store.offers(), settings.index_dir, progress)
    if engine.batcher is not None:
        engine.batcher.observe = ENCODE_SECONDS.observe  # encode time for /metrics
    return Services(settings, store, engine, ready=True, follower=follower)


#: routes that take a file: their body may be as large as an import file
UPLOAD_PATHS = frozenset({"/staff/import", "/staff/rules/import"})


def body_limits(settings: Settings) -> Callable[[str], int]:
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
    from app.referrals.service import EMAIL, PHONE
    from directory.models import Gemeinde, Kommune, TaxonomyTerm

    with app.state.services.store.session() as s:
        kommunen: dict[str, list[str]] = {k: [] for k in s.scalars(select(Kommune.id))}
        for gid, kid in s.execute(select(Gemeinde.id, Gemeinde.kommune_id)):
            kommunen.setdefault(kid, []).append(gid)
        topics = sorted(c for c in s.scalars(select(TaxonomyTerm.code))
                        if re.fullmatch(r"[a-z_]{2,40}", c))  # the codes a referral takes
    return {"kommunen": kommunen, "topics": topics,
            "special": sorted(SPECIAL_TOPICS & set(topics)),
            "per_page": settings.hsds_max_per_page,
            "email": EMAIL.pattern, "phone": PHONE.pattern}


def _reload_keys_on_sighup(app: FastAPI) -> None:
    """`kill -HUP` makes this process read the key file again (after `lotse keys rotate`)."""
    keyring = getattr(app.state, "keyring", None)
    if keyring is None or not hasattr(signal, "SIGHUP"):
        return
    # not in the main thread (an in-process test client): the mtime check still works
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGHUP, lambda *_: keyring.request_reload())


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()
    escape_logs()  # control characters in logged values are escaped (no forged lines)
    logs.configure()  # JSON lines from every logger, uvicorn's included (app/web/logs)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "services", None) is None:
            app.state.services = start(settings)
            app.state.keyring = open_keyring(settings, app.state.services.store)
        app.state.background = Background(app.state.services)
        app.state.background.start()  # outbox, retention, analytics: by themselves
        _reload_keys_on_sighup(app)
        yield
        app.state.background.stop()

    app = FastAPI(title="KIM-Lotse", version="0.1.0", lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.services = services
    app.state.limits = RateLimits()  # questions per minute: this process
    app.state.shared_limits = StoreLimits(lambda: app.state.services.store)  # all processes
    # a feature that queued work asks for it to run now (app.jobs.wake), not next poll
    app.state.wake_jobs = lambda: wake(app.state.services,
                                       getattr(app.state, "background", None))
    if services is not None:  # no key file where one is needed: refuse to start
        app.state.keyring = open_keyring(settings, services.store)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for feature in FEATURES:
        app.include_router(feature.router)
    staff_web.install(app)

    openapi.install(app, lambda: api_facts(app, settings))

    # plain ASGI (app.web.middleware); the last added runs first
    app.add_middleware(SearchLimit, per_minute=settings.search_limit_ip)
    app.add_middleware(BodyLimit, limit_of=body_limits(settings))
    app.add_middleware(LanguageAndHeaders, default_language=settings.default_language)
    app.add_middleware(AccessLog)
    app.add_middleware(logs.RequestId, trusted_proxies=settings.trusted_proxies)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = [".".join(str(p) for p in e["loc"][1:]) for e in exc.errors()]
        return JSONResponse(
            {"detail": i18n.gettext("Some input is not valid."), "fields": fields},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        response = render(request, "error.html", {"status": exc.status_code},
                          status_code=exc.status_code)
        for name, value in (getattr(exc, "headers", None) or {}).items():
            response.headers[name] = value  # e.g. `Allow` on a 405
        return response

    @app.exception_handler(OperationalError)
    async def store_busy(request: Request, exc: OperationalError) -> Response:
        """A locked or full store: 503, try again (REL-07); forms keep input on their own."""
        log.error("store unavailable on %s: %s", request.url.path, type(exc.orig).__name__)
        detail = i18n.gettext("We cannot take your request right now. Nothing was stored. "
                              "Please try again in a minute.")
        # the page keeps the question to send again (in a POST body, never a URL)
        return error_response(request, 503, detail, q=await asked_question(request),
                              headers={"Retry-After": "30"})

    @app.exception_handler(DataError)
    async def bad_data(request: Request, exc: DataError) -> Response:
        """Input the store refuses though the route took it (PostgreSQL: a NUL byte in a
        text, which SQLite stores): bad input, a 422, never a 500; nothing was written."""
        log.warning("store refused the input on %s: %s", request.url.path,
                    type(exc.orig).__name__)
        return error_response(request, 422, i18n.gettext("Some input is not valid."))

    @app.exception_handler(DecryptionFailed)
    async def undecryptable(request: Request, exc: DecryptionFailed) -> Response:
        """A value no known key opens (a key file older than the data): a clear page and
        a log line, never a 500; the key file is read again before the next request."""
        log.error("decryption failed on %s: %s; is the key file (LOTSE_KEY_FILE) the one "
                  "the data was written with?", request.url.path, exc)
        keyring = getattr(request.app.state, "keyring", None)
        if keyring is not None:
            keyring.request_reload()
        if request.url.path.startswith("/staff"):
            detail = i18n.staff_gettext(
                "Stored data cannot be decrypted with the key file of this server right now "
                "(a key rotation may be under way). The operator finds the details in the "
                "log. Please try again in a minute.")
        else:
            detail = i18n.gettext("We cannot take your request right now. Nothing was "
                                  "stored. Please try again in a minute.")
        return error_response(request, 503, detail, headers={"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return PlainTextResponse(i18n.gettext("Something went wrong. Please try again."),
                                 status_code=500)

    return app
