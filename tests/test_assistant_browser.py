"""The newcomer's conversation in a real browser (tests/browserkit.py), keyboard only:
language -> place (suggestions while typing) -> question -> clarifying question ->
"did this help?" -> crisis help first -> no fit -> "ask a person" -> the referral form,
prefilled, sent -> confirmation -> "delete this conversation". Focus moves to each new
answer; every state passes axe-core (WCAG 2.1 A/AA) in German and Arabic, reflows at
320 px and is saved as a phone-sized screenshot in var/screenshots/."""

from __future__ import annotations

from functools import partial

import browserkit
import pytest
from browserkit import (
    assert_no_axe,
    assert_reflow,
    focus_outline_visible,
    screenshot,
    small_targets,
    swapped,
)

FOCUSED = "document.activeElement"
tab_to = partial(browserkit.tab_to, limit=120)  # the whole journey within 120 tabs a step


def focus_on(page, selector: str) -> None:
    """Wait until htmx has moved the focus (it does so when the swap settles)."""
    until(page, f"{FOCUSED} && {FOCUSED}.matches({selector!r})")


def until(page, expression: str, seconds: float = 10) -> None:
    """Poll a JS expression (wait_for_function would need eval, which our CSP forbids)."""
    for _ in range(int(seconds * 20)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"still false after {seconds} s: {expression}")


def check(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    assert_no_axe(page, name)
    assert small_targets(page) == [], name
    screenshot(page, name)
    assert_reflow(page, 320)
    page.set_viewport_size({"width": 360, "height": 740})


def test_keyboard_only_conversation_to_referral(live_server, phone):
    page = phone
    page.goto(f"{live_server.url}/")
    tab_to(page, 'a[hreflang="de"]')  # language first: the grid of languages
    page.keyboard.press("Enter")
    page.wait_for_selector("#place")
    tab_to(page, "#place")
    assert focus_outline_visible(page)
    page.keyboard.type("Musterst")
    swapped(page, "#place-choices button")
    check(page, "conversation-place-suggestions-de-phone")
    tab_to(page, "#place-choices button")
    page.keyboard.press("Enter")
    swapped(page, "textarea#q")
    focus_on(page, "#q")  # focus moves on to the question
    page.keyboard.type("Ich suche eine Migrationsberatung")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    swapped(page, "#turn-0 .clarify")
    focus_on(page, "#turn-0-h")  # focus on the new answer
    check(page, "conversation-answer-clarify-de-phone")
    tab_to(page, '.clarify button[value="35"]')
    assert focus_outline_visible(page)
    page.keyboard.press("Enter")
    until(page, "!document.querySelector('#turn-0 .clarify input[value=age]')")  # answered
    tab_to(page, '#feedback-0 button[value="yes"]')
    page.keyboard.press("Enter")
    swapped(page, "#feedback-0 [role=status]")
    check(page, "conversation-feedback-de-phone")

    tab_to(page, "textarea#q", back=True)
    page.keyboard.type("Ich will mich umbringen")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    swapped(page, "#turn-1 .crisis")
    turn = page.inner_html("#turn-1")
    assert turn.index('class="crisis"') < turn.index("turn-1-h") + 40
    focus_on(page, "#turn-1 .crisis h2")  # help first
    check(page, "conversation-crisis-de-phone")

    tab_to(page, "textarea#q")
    page.keyboard.type("Qwxyz blorp")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    swapped(page, "#turn-2 .person a.button")
    tab_to(page, "#turn-2 .person a.button")
    page.keyboard.press("Enter")
    page.wait_for_selector("textarea#message")
    assert page.input_value("textarea#message") == "Qwxyz blorp"  # prefilled on the server
    tab_to(page, "#channel-phone")
    page.keyboard.press("Space")
    tab_to(page, "#contact")
    page.keyboard.type("0151 2345678")
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, 'form.referral button[type="submit"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    errors = page.locator(".error").all_inner_texts()
    assert errors == [], errors
    assert page.locator(".code").count() >= 1  # the confirmation with the reference

    page.goto(f"{live_server.url}/")
    tab_to(page, ".forget button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#conversation [role=status]")
    assert "gelöscht" in page.inner_text("#conversation")
    assert "Migrationsberatung" not in page.content()


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_conversation_states_pass_axe(live_server, phone, lang):
    page = phone
    page.goto(f"{live_server.url}/?lang={lang}")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    check(page, f"conversation-place-{lang}-phone")
    page.fill("#place", "Dortmnd")
    page.click("form button[type=submit]:not([name])")  # "Continue": did you mean
    swapped(page, "#place-choices button")
    check(page, f"conversation-did-you-mean-{lang}-phone")
    page.click('#place-choices button[value="g:05913000"]')
    swapped(page, "textarea#q")
    page.fill("#q", "Ich will mich umbringen")
    page.click(".ask button")
    swapped(page, "#turn-0")
    # Dortmund has no local offers in the directory: the answer says so, shows its KIM
    # case management (contact data still to come) and the referral, and passes axe
    page.fill("#q", "Ich brauche Hilfe bei der Wohnungssuche")
    page.click(".ask button")
    swapped(page, "#turn-1 .person a.button")
    assert page.locator("#turn-1 .person article h3[lang=de]").inner_text() == (
        "Kommunales Integrationszentrum / KIM Case Management Dortmund")
    assert page.locator("#turn-1 bdi[lang=de]").first.inner_text() == "Dortmund"
    check(page, f"conversation-no-local-offers-{lang}-phone")
    page.click('form.inline button[name="change"]')
    swapped(page, "#place")
    page.fill("#place", "Musterstadt")
    page.click("form button[type=submit]:not([name])")
    swapped(page, "textarea#q")
    page.fill("#q", "Ich suche eine Migrationsberatung")
    page.click(".ask button")
    swapped(page, "#turn-2 .clarify")
    check(page, f"conversation-answer-{lang}-phone")
    page.goto(f"{live_server.url}/?lang={lang}")  # the whole page after a reload
    check(page, f"conversation-reloaded-{lang}-phone")
    page.click(".forget button")
    page.wait_for_selector("#conversation [role=status]")
    check(page, f"conversation-deleted-{lang}-phone")
