"""Accessibility of the volunteer page: axe-core (WCAG 2.1 A/AA) in headless Debian chromium.

The app runs on 127.0.0.1 in a thread (uvicorn, its own store, no model needed);
the page is checked in several languages (LTR, RTL, Einfache Sprache) and states
(empty form, certain answer with cards, uncertain answer, an input error).
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn

from app.main import create_app
from app.services import Services, open_store
from app.settings import Settings
from index.engine import SearchEngine

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
PAGES = [
    "/responsibility?lang=de",
    "/responsibility?lang=ar&kommune=demo&gemeinde=demo-probehausen&matter=lebensunterhalt"
    "&status=ae_25_2_subsidiaer&age=28&benefits=asylblg",
    "/responsibility?lang=en&kommune=demo&matter=aufenthalt&status=duldung&age=30",
    "/responsibility?lang=fa&kommune=demo&matter=kita&age=zwanzig",
    "/responsibility?lang=de-x-simple&kommune=demo&gemeinde=demo-musterstadt"
    "&matter=migrationsberatung&age=27&status=ae_25_2_fluechtling",
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("a11y"), model="/nonexistent")
    app = create_app(settings, Services(settings, open_store(settings), SearchEngine(None),
                                        ready=True))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_volunteer_page_has_no_axe_violations(base_url):
    playwright = pytest.importorskip("playwright.sync_api")
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            for path in PAGES:
                page.goto(base_url + path)
                result = axe.run(page, options={"runOnly": {"type": "tag", "values": tags}})
                violations = [(v["id"], v["nodes"][0]["html"][:120])
                              for v in result.response["violations"]]
                assert violations == [], (path, violations)
            page.set_viewport_size({"width": 320, "height": 800})  # reflow, also RTL
            for path in PAGES[:2]:
                page.goto(base_url + path)
                assert page.evaluate("document.documentElement.scrollWidth <= 320"), path
        finally:
            browser.close()
