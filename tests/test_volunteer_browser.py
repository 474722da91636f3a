"""Volunteers' pages in Debian chromium (tests/browserkit.py): htmx filtering and the same
filters without JavaScript, a printable A4 sheet. Axe, reflow, touch targets and
screenshots of every public page are in test_public_browser.py."""

from __future__ import annotations

import re

import pytest
from browserkit import assert_no_axe, focus_outline_visible, screenshot, tab_to


def _ids(live_server, n):
    return [o.id for o in live_server.store.offers("demo")[:n]]


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_filters_swap_results_with_htmx(live_server, phone, lang):
    from playwright.sync_api import expect

    phone.goto(f"{live_server.url}/browse?lang={lang}")
    phone.select_option("#topic", "sprache")
    phone.wait_for_selector("#results .card")
    assert "topic=sprache" in phone.url  # pushed, so the link can be shared
    assert phone.locator("form.filters").count() == 1  # only the results were swapped
    before = phone.locator("#results .card").count()
    phone.select_option("#language", "ar")
    expect(phone.locator("#results .card")).not_to_have_count(before)  # no eval under CSP
    assert phone.locator("#results .card").count() < before
    # the count is announced from a live region that stayed in the page (A11Y-04)
    assert phone.locator("#count[role=status]").count() == 1
    assert str(phone.locator("#results .card").count()) in phone.inner_text("#count")
    assert_no_axe(phone, f"browse fragment {lang} after htmx swap")


def test_filters_and_list_without_javascript(live_server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/browse?lang=en")
    page.select_option("#topic", "sprache")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**topic=sprache**")
    page.wait_for_load_state()
    assert page.locator(".card").count() > 1
    boxes = page.locator("input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("button[form=pick]").click()
    expect(page.locator("main .card")).to_have_count(2)  # waits for the new page
    assert "/list?" in page.url
    assert page.locator("main svg.qr").count() == 1
    context.close()


def test_sheet_prints_on_a4(live_server, browser):
    page = browser.new_page()
    one, two = _ids(live_server, 2)
    page.goto(f"{live_server.url}/list?ids={one},{two}&lang=ar")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator(".qr-fig").is_visible()
    assert page.locator(".print-only").first.is_visible()
    counter = page.locator("details.counter [lang=de]").first  # German text for the office
    assert counter.is_visible() and page.locator("details[open]").count() == 0
    screenshot(page, "list-ar-print")
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, pages
    page.close()


def _tab_to(page, selector: str) -> None:
    tab_to(page, selector)
    assert focus_outline_visible(page), selector


def test_keyboard_only_from_browse_to_a_sheet(live_server, phone):
    phone.goto(f"{live_server.url}/browse?lang=ar&kommune=demo&topic=jmd")
    _tab_to(phone, "a.skip")
    phone.keyboard.press("Enter")
    _tab_to(phone, "input[name=ids]")
    phone.keyboard.press("Space")
    _tab_to(phone, "button[form=pick]")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/list?**")
    assert phone.locator("main .card").count() == 1
    _tab_to(phone, "main .card a[href^='geo:'], main .card a[href^='tel:']")
    phone.goto(f"{live_server.url}/browse?lang=de&kommune=demo&topic=jmd")
    _tab_to(phone, ".sheet-link a")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/offer/**")
    _tab_to(phone, "[data-print]")  # shown by lotse.js, reachable by keyboard
