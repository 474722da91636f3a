"""Accessibility of the volunteer page: axe-core (WCAG 2.1 A/AA) in headless Debian chromium.

The app runs on 127.0.0.1 (tests/browserkit.py: live server, no model needed); the
page is checked in several languages (LTR, RTL, Einfache Sprache) and states (empty
form, certain answer with cards, uncertain answer, an input error).
"""

from __future__ import annotations

from browserkit import assert_no_axe, assert_reflow

PAGES = [
    "/responsibility?lang=de",
    "/responsibility?lang=ar&kommune=demo&gemeinde=demo-probehausen&matter=lebensunterhalt"
    "&status=ae_25_2_subsidiaer&age=28&benefits=asylblg",
    "/responsibility?lang=en&kommune=demo&matter=aufenthalt&status=duldung&age=30",
    "/responsibility?lang=fa&kommune=demo&matter=kita&age=zwanzig",
    "/responsibility?lang=de-x-simple&kommune=demo&gemeinde=demo-musterstadt"
    "&matter=migrationsberatung&age=27&status=ae_25_2_fluechtling",
]


def test_volunteer_page_has_no_axe_violations(live_server, browser):
    page = browser.new_page()
    for path in PAGES:
        page.goto(live_server.url + path)
        assert_no_axe(page, path)
    for path in PAGES[:2]:  # reflow, also RTL
        page.goto(live_server.url + path)
        assert_reflow(page, 320)
    page.close()
