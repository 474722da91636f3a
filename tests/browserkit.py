"""The shared browser-test kit: a live server of the real app, Debian chromium, axe-core.

Registered as a pytest plugin in conftest.py, so every test module gets its fixtures:

- `live_server` (session): the real FastAPI app served by uvicorn on 127.0.0.1 in a
  thread, on a store of its own (migrated, demo loaded, key file created) with the
  lexical search engine (no embedding model: starts in about a second). `.url`,
  `.app`, `.store`. Serve any other app with `LiveServer(app)` as a context manager.
- `browser` (module): Debian's chromium at /usr/bin/chromium through Playwright's
  `executable_path` (never `playwright install`). Without chromium or playwright the
  tests are skipped, or FAIL when the environment says `LOTSE_REQUIRE_BROWSER=1`.
- `phone` (function): a page in a phone-sized context (360 x 740, touch).
- `staff_server` (function): `staff_server({"erika.ed": ("editor", "demo", "Erika Editor")},
  **settings)` starts a live server on a store of its own with those staff accounts
  (password `STAFF_PASSWORD`) and returns (server, {username: TOTP secret}).
- `cm_server` (function): such a server with the case manager anna.cm of the demo Kommune,
  as (url, TOTP secret).

Staff and newcomer steps: `log_in(context, base, username, secret)` (a new page through the
login form, TOTP code of a later 30-second `step`, or straight on to `then`),
`fill_login(page, username, secret)` (the form alone), `post_referral(page, base, lang,
message)` (reference and secret), `open_status(page, base, lang, reference, secret)` (the
status page of a referral) and `swapped(page, selector)` (an htmx swap has settled).

Helpers: `axe_violations(page)` / `assert_no_axe(page, label)` (WCAG 2.1 A and AA tags),
`screenshot(page, name)` (PNG under var/screenshots/, gitignored), `small_targets(page)`
(touch targets under 44 px), `tab_to(page, selector)` and `focus_outline_visible(page)`
(keyboard journeys), `Traffic(page)`
(every request: foreign hosts and transferred bytes), `assert_reflow(page, width)`
(no horizontal scrolling) and `render_blocking(page)` (scripts in <head> without
defer/async, stylesheets are allowed).
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

from app.main import create_app, open_store
from app.services import Services
from app.settings import Settings
from app.staff import accounts, totp
from index.engine import SearchEngine

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 360, "height": 740}
HOST = "127.0.0.1"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
#: the password of the staff accounts `staff_server` makes
STAFF_PASSWORD = "korrekt pferd batterie"


def need_browser() -> None:
    """Skip (or fail under LOTSE_REQUIRE_BROWSER=1) when chromium or playwright is missing."""
    missing = None
    if not CHROMIUM.exists():
        missing = f"Debian chromium is not installed at {CHROMIUM}"
    else:
        try:
            import axe_playwright_python  # noqa: F401
            import playwright.sync_api  # noqa: F401
        except ImportError as exc:
            missing = f"playwright or axe-playwright-python missing: {exc}"
    if missing:
        if os.environ.get("LOTSE_REQUIRE_BROWSER") == "1":
            pytest.fail(missing + " (LOTSE_REQUIRE_BROWSER=1)")
        pytest.skip(missing)


def light_app(data_dir: Path, **overrides):
    """The real app on its own store, searching the lexical index only (no model)."""
    settings = Settings(**{"data_dir": data_dir, "model": "", **overrides})
    store = open_store(settings)
    engine = SearchEngine(None)
    engine.build(store.offers())
    return create_app(settings, Services(settings, store, engine, ready=True))


class LiveServer:
    """uvicorn serving `app` on a free port of 127.0.0.1 in a daemon thread."""

    def __init__(self, app):
        self.app = app
        with socket.socket() as s:
            s.bind((HOST, 0))
            self.port = s.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=self.port,
                                                    log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def store(self):
        return self.app.state.services.store

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    with LiveServer(light_app(tmp_path_factory.mktemp("live"))) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def staff_server(tmp_path):
    """A factory of live servers, each on a new store (under tmp_path) with staff accounts:
    `users` maps a username to (role, Kommune, display name); settings are overridden by
    keyword. Returns (server, {username: TOTP secret}); the servers stop after the test."""
    with ExitStack() as stack:
        count = 0

        def start(users: dict[str, tuple[str, str | None, str]], **overrides):
            nonlocal count
            count += 1
            data_dir = tmp_path if count == 1 else tmp_path / f"live{count}"
            srv = stack.enter_context(LiveServer(light_app(data_dir, **overrides)))
            secrets = {}
            with srv.store.session.begin() as s:
                for username, (role, kommune, name) in users.items():
                    _, secrets[username] = accounts.create_user(
                        s, "cli", username, STAFF_PASSWORD, [role], kommune, name)
            return srv, secrets

        yield start


@pytest.fixture
def cm_server(staff_server):
    """A live server with one case manager, anna.cm of the demo Kommune: (url, TOTP secret)."""
    srv, secrets = staff_server({"anna.cm": ("case_manager", "demo", "Anna Beispiel")})
    return srv.url, secrets["anna.cm"]


def fill_login(page, username: str, secret: str, step: int = 0) -> None:
    """Fill the staff login form on `page` and send it; `step` picks the TOTP code of a
    later 30-second step (a code is single use, and later codes only move forward)."""
    page.fill("#username", username)
    page.fill("#password", STAFF_PASSWORD)
    page.fill("#code", totp.code_now(secret, time.time() + 30 * step))
    page.click("main button[type=submit]")


def log_in(context, base: str, username: str, secret: str, step: int = 0,
           then: str = "/staff"):
    """A new page of `context`, logged in as `username` through the login form and on
    `then` (the staff start page unless the login page was asked to go on elsewhere)."""
    page = context.new_page()
    page.goto(f"{base}/staff/login" + ("" if then == "/staff" else f"?next={then}"))
    fill_login(page, username, secret, step)
    page.wait_for_url(re.compile(".*" + re.escape(then) + "$"))
    return page


def post_referral(page, base: str, lang: str, message: str) -> tuple[str, str]:
    """A referral to the demo Kommune (topic sprache) sent through the API with the page's
    request context; returns its reference and secret."""
    r = page.request.post(f"{base}/api/v1/referrals", data=json.dumps({
        "kommune": "demo", "contact": "0170 1234567", "consent": True, "language": lang,
        "topics": ["sprache"], "message": message}),
        headers={"Content-Type": "application/json"})
    assert r.status == 201, r.text()
    return r.json()["reference"], r.headers["referral-secret"]


def open_status(page, base: str, lang: str, reference: str, secret: str,
                shown: str = "article.appointment") -> None:
    """Open the status page of a referral with its reference and secret, and wait for
    `shown` to be visible."""
    page.goto(f"{base}/referral/status?lang={lang}")
    page.fill("#reference", reference)
    page.fill("#secret", secret)
    page.click("button[name=action][value=status]")
    page.wait_for_selector(shown, state="visible")


def swapped(page, selector: str) -> None:
    """Wait for `selector`, then for the network to settle (an htmx swap is done)."""
    page.wait_for_selector(selector)
    page.wait_for_load_state("networkidle")


def axe_violations(page) -> list[tuple[str, str]]:
    """(rule id, first offending element) for each WCAG 2.1 A/AA violation on the page."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [(v["id"], v["nodes"][0]["html"][:160]) for v in result.response["violations"]]


def assert_no_axe(page, label: str = "") -> None:
    violations = axe_violations(page)
    assert violations == [], (label or page.url, violations)


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a PNG of the page under var/screenshots/ (look at it) and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=full_page)
    return path


def assert_reflow(page, width: int = 320) -> None:
    """WCAG 1.4.10: at `width` CSS pixels nothing scrolls sideways."""
    page.set_viewport_size({"width": width, "height": 800})
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, (page.url, scroll)


def small_targets(page, size: int = 44) -> list[str]:
    """Touch targets lower than `size` CSS pixels: buttons, fields, summaries and links
    that stand alone (in nav, lists of links, card actions). Links inside running text,
    labels of text fields and check boxes whose label is large enough are left out."""
    return page.evaluate("""size => [...document.querySelectorAll(
        'a, button, select, input, textarea, summary, label')].filter(e => {
      const r = e.getBoundingClientRect();
      if (!r.width || !r.height || r.height >= size) return false;
      if (e.tagName === 'A' && !e.closest('nav, ul.topics, .card-actions, .sheet-link, .footlinks')
          && e.closest('p, dd, li, figcaption')) return false;
      if (e.tagName === 'LABEL') {
        const f = e.control;
        return !!f && (f.type === 'checkbox' || f.type === 'radio');
      }
      if (e.type === 'checkbox' || e.type === 'radio') {
        const l = e.labels && e.labels[0];
        return !l || l.getBoundingClientRect().height < size;
      }
      return true;
    }).map(e => e.tagName + ' ' + (e.id || e.textContent.trim().slice(0, 30))
                + ' ' + Math.round(e.getBoundingClientRect().height))""", size)


def tab_to(page, selector: str, limit: int = 150, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector` (keyboard only)."""
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"no focus on {selector} after {limit} tabs")


def focus_outline_visible(page) -> bool:
    """The focused element shows an outline of at least 2 px (WCAG 2.4.7)."""
    return page.evaluate("""(() => { const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; })()""")


def render_blocking(page) -> list[str]:
    """Scripts in <head> that block rendering (no defer, async or module)."""
    return page.evaluate("""[...document.head.querySelectorAll('script[src]')]
        .filter(s => !s.defer && !s.async && s.type !== 'module').map(s => s.src)""")


class Traffic:
    """Every request of a page, or of a context with its service workers (from construction
    on): foreign hosts and transferred bytes."""

    def __init__(self, page_or_context):
        self.requests = []
        page_or_context.on("request", lambda r: self.requests.append(r))

    def foreign(self) -> list[str]:
        """URLs of requests to any host but 127.0.0.1 (data: and blob: are local)."""
        return [r.url for r in self.requests
                if urlsplit(r.url).scheme not in ("data", "blob")
                and urlsplit(r.url).hostname != HOST]

    def transferred(self) -> int:
        """Bytes on the wire: response headers plus (encoded) bodies of finished requests."""
        total = 0
        for r in self.requests:
            if r.failure is None and r.response() is not None:
                sizes = r.sizes()
                total += max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)
        return total


def kept_offline(page, lang: str) -> None:
    """Wait until the service worker runs and the Personal Book's pages are in its cache
    (book.js keeps them in the background; going offline earlier would race it)."""
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    for _ in range(100):
        if page.evaluate(f"caches.open('lotse-book').then(c => Promise.all(['/book?lang={lang}',"
                         "'/book/counter?lang=de', '/static/book.js'].map(u => c.match(u))))"
                         ".then(hits => hits.every(Boolean))"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the book's pages were not kept for offline use")
