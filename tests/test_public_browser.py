"""The newcomer's pages in a real browser (tests/browserkit.py): axe-core WCAG 2.1 A/AA on
the start page in every UI language, reflow at 320 px in LTR and RTL, the weight of a
first load (<= 150 KB transferred, htmx included), nothing render-blocking and no request
to any host but 127.0.0.1. Phone-sized screenshots land in var/screenshots/."""

from __future__ import annotations

import pytest
from browserkit import Traffic, assert_no_axe, assert_reflow, render_blocking, screenshot

from app.settings import UI_LANGUAGES

FIRST_LOAD_LIMIT = 150 * 1024


def test_start_page_in_every_language(live_server, browser):
    page = browser.new_page()
    for lang in UI_LANGUAGES:
        page.goto(f"{live_server.url}/?lang={lang}")
        assert page.get_attribute("html", "lang") == lang
        assert_no_axe(page, lang)
    page.close()


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_first_load_is_light_local_and_not_blocked(live_server, browser, lang):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    traffic = Traffic(context)  # the page and its service worker's first caching
    page.goto(f"{live_server.url}/?lang={lang}", wait_until="networkidle")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    page.wait_for_load_state("networkidle")
    assert traffic.foreign() == []
    assert render_blocking(page) == []
    weight = traffic.transferred()
    print(f"first load {lang}: {weight} bytes in {len(traffic.requests)} requests",
          [(r.url.split("/", 3)[-1], r.sizes()["responseBodySize"]) for r in traffic.requests])
    assert 10_000 < weight <= FIRST_LOAD_LIMIT, weight
    screenshot(page, f"start-{lang}-phone")
    assert_reflow(page, 320)
    context.close()
