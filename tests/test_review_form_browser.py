"""The offer form and the translations to review in a real browser (Debian chromium, headless,
live server on 127.0.0.1), issue 16: a German change in the edit form marks the other
languages, the "translations to review" list shows it, saving the translation clears it;
the form in sections with language tabs fits far better on a screen (page height at
1280x800 and 360x740), axe-core finds nothing, the tabs work by keyboard, and without
JavaScript the errors are summarised at the top with links that reach their fields (also
in a language tab that was not open)."""

from __future__ import annotations

import pytest
from browserkit import PHONE, assert_no_axe, assert_reflow, log_in
from sqlalchemy import select

from directory.models import TranslationReview

#: the form's page height before issue 16 (all 14 languages open): 13,328 px at 1280x800 and
#: 13,988 px at 360x740 for the same offer; the sections and tabs must stay well below it.
MAX_DESKTOP, MAX_PHONE = 4000, 8000


@pytest.fixture
def server(staff_server):
    srv, secrets = staff_server({"erika.ed": ("editor", "demo", "Erika Editor")})
    return srv, secrets["erika.ed"]


def _translated(store) -> str:
    for o in store.offers(kommune_id="demo"):
        if o.kommune_id == "demo" and all(o.translations.get(x, ("", ""))[1]
                                          for x in ("en", "ar", "fa")):
            return o.id
    raise AssertionError("no translated demo offer")


def _marks(store, oid):
    with store.session() as s:
        return {(r.lang, r.field) for r in s.scalars(
            select(TranslationReview).where(TranslationReview.service_id == oid))}


def _height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def test_german_change_marks_lists_and_a_saved_translation_clears(server, browser):
    from playwright.sync_api import expect

    srv, secret = server
    base, store = srv.url, srv.store
    oid = _translated(store)
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 800})
    page = log_in(context, base, "erika.ed", secret)
    page.goto(f"{base}/staff/offers/{oid}")
    desktop = _height(page)
    print(f"offer form height at 1280x800: {desktop} px")
    assert desktop < MAX_DESKTOP, desktop
    assert_no_axe(page, "offer form")

    # the language tabs by keyboard: arrows move between the radios, the panel follows
    page.focus("#tab-en")
    expect(page.locator("#panel-en")).to_be_visible()
    expect(page.locator("#panel-ar")).to_be_hidden()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#panel-ar")).to_be_visible()
    expect(page.locator("#panel-en")).to_be_hidden()
    outline = page.evaluate("""getComputedStyle(document.querySelector("label[for=tab-ar]"))
                               .outlineStyle""")
    assert outline != "none"

    # a German change (htmx posts the form)
    page.fill("#description", page.input_value("#description") + " Neu: nur noch montags.")
    page.click("form[hx-post] button[type=submit]")
    expect(page.locator("p.notice[role=status]").first).to_contain_text("Gespeichert")
    marks = _marks(store, oid)
    assert ("ar", "description") in marks and ("fa", "description") in marks
    expect(page.locator("label[for=tab-ar]")).to_contain_text("zu prüfen")
    expect(page.locator("#offer-review")).to_contain_text("Arabisch")
    expect(page.locator("#panel-de-simple .review-mark, #panel-ar .review-mark").first) \
        .to_be_visible()
    assert_no_axe(page, "offer form with review marks")

    # newcomers reading Persian see the translation with a note
    public = browser.new_context(locale="fa")
    card = public.new_page()
    card.goto(f"{base}/offer/{oid}?lang=fa")
    expect(card.locator(".review-note")).to_be_visible()
    assert_no_axe(card, "card with a translation under review")
    public.close()

    # the list of translations to review, Arabic
    page.goto(f"{base}/staff/translations/review?lang=ar")
    expect(page.locator("table")).to_contain_text("Neu: nur noch montags.")
    assert_no_axe(page, "translations to review")
    page.click(f"a[href^='/staff/offers/{oid}?tab=ar']")
    expect(page.locator("#panel-ar")).to_be_visible()
    page.fill("#tr-ar-description", "الاستشارة يوم الاثنين فقط.")
    page.click("form[hx-post] button[type=submit]")
    expect(page.locator("p.notice[role=status]").first).to_contain_text("Gespeichert")
    assert ("ar", "description") not in _marks(store, oid)
    assert ("fa", "description") in _marks(store, oid)
    page.goto(f"{base}/staff/translations/review?lang=ar")
    expect(page.locator("table")).not_to_contain_text("Neu: nur noch montags.")
    expect(page.locator("table")).to_contain_text("nichts zu prüfen")

    # "still fits" for Persian from the list
    page.goto(f"{base}/staff/translations/review?lang=fa")
    page.click("table button[type=submit]")
    expect(page.locator("p.notice[role=status]")).to_be_visible()
    assert not any(lang == "fa" for lang, _ in _marks(store, oid))


def _errors_in_name_and_a_closed_tab(page):
    """Empty the German name and the Persian name (its tab then closed), then save."""
    from playwright.sync_api import expect

    page.click("label[for=tab-fa]")
    page.fill("#tr-fa-name", "")
    page.click("label[for=tab-en]")
    expect(page.locator("#panel-fa")).to_be_hidden()
    page.fill("#name", "")
    page.click("form[hx-post] button[type=submit]")
    summary = page.locator("#offer-problem")
    expect(summary).to_be_visible()
    links = summary.locator("a")
    assert {links.nth(i).get_attribute("href") for i in range(links.count())} \
        >= {"#name", "#tr-fa-name"}
    expect(page.locator("#panel-fa")).to_be_visible()  # the tab with the error is open
    summary.locator("a[href='#tr-fa-name']").click()
    expect(page.locator("#tr-fa-name")).to_be_in_viewport()


def test_phone_height_reflow_and_errors_with_and_without_javascript(server, browser):
    srv, secret = server
    base = srv.url
    oid = _translated(srv.store)
    plain = browser.new_context(locale="de-DE", java_script_enabled=False)
    # codes are single-use and move forward only
    plain_page = log_in(plain, base, "erika.ed", secret)
    context = browser.new_context(locale="de-DE", viewport=PHONE, is_mobile=True,
                                  has_touch=True)
    page = log_in(context, base, "erika.ed", secret, step=1)
    page.goto(f"{base}/staff/offers/{oid}")
    phone = _height(page)
    print(f"offer form height at 360x740: {phone} px")
    assert phone < MAX_PHONE, phone
    assert_no_axe(page, "offer form on a phone")
    _errors_in_name_and_a_closed_tab(page)  # htmx swaps the form with the summary
    assert_no_axe(page, "offer form with errors on a phone")
    assert_reflow(page, 320)

    # the same without JavaScript (axe needs JavaScript, so it ran above)
    page = plain_page
    page.goto(f"{base}/staff/offers/{oid}")
    _errors_in_name_and_a_closed_tab(page)
    assert "/staff/offers/" in page.url
