"""The editors' pages in a real browser (Debian chromium, headless, live server on 127.0.0.1):
axe-core (WCAG 2.1 A/AA) on every editor page and state, an edit with htmx and one without
JavaScript, field errors and 320 px reflow."""

from __future__ import annotations

import pytest
from browserkit import assert_no_axe, assert_reflow, log_in


@pytest.fixture
def server(staff_server):
    srv, secrets = staff_server({"erika.ed": ("editor", "demo", "Erika Editor"),
                                 "adam.admin": ("admin", None, "Adam Admin")})
    return srv, secrets["erika.ed"], secrets["adam.admin"]


def test_editor_pages_pass_axe_and_save_with_and_without_javascript(server, browser):
    from playwright.sync_api import expect

    srv, editor, admin = server
    base = srv.url
    offer_id = next(o.id for o in srv.store.offers(kommune_id="demo") if o.kommune_id == "demo")
    context = browser.new_context(locale="de-DE")
    page = log_in(context, base, "erika.ed", editor)
    for path in ("/staff", "/staff/offers", "/staff/offers/new", f"/staff/offers/{offer_id}",
                 f"/staff/offers/{offer_id}/preview?in=ar", "/staff/offers/stale",
                 "/staff/kommunen/demo"):
        page.goto(base + path)
        assert_no_axe(page, path)
    page.goto(f"{base}/staff/offers/{offer_id}")
    assert_reflow(page, 320)

    page.fill("#cost", "Browser-Test: kostenlos")  # htmx posts the form, then reloads it
    page.fill("#name", "")
    page.click("form[hx-post] button[type=submit]")
    expect(page.locator("#name-error")).to_be_visible()
    assert_no_axe(page, "edit form with errors")
    assert page.input_value("#cost") == "Browser-Test: kostenlos"  # nothing typed is lost
    page.fill("#name", "Zaunkönig Beratung")
    page.click("form[hx-post] button[type=submit]")
    expect(page.locator("p.notice[role=status]").first).to_contain_text("Gespeichert")
    page.goto(f"{base}/staff/offers/{offer_id}/history")
    expect(page.locator("main")).to_contain_text("Zaunkönig Beratung")
    assert_no_axe(page, "history")

    plain_context = browser.new_context(locale="de-DE", java_script_enabled=False)
    plain = log_in(plain_context, base, "erika.ed", editor, step=1)
    plain.goto(f"{base}/staff/offers/{offer_id}")
    plain.fill("#cost", "ohne JavaScript")
    plain.click("form[hx-post] button[type=submit]")
    expect(plain.locator("#cost")).to_have_value("ohne JavaScript")
    plain.click("text=Noch gültig")
    assert "Zuletzt geprüft" in plain.inner_text("main")
    hits = srv.app.state.services.engine.search("Zaunkönig", kommune="demo")
    assert hits.results[0].id == offer_id, [(h.name, h.score) for h in hits.results]

    admin_page = log_in(browser.new_context(locale="de-DE"), base, "adam.admin", admin)
    for path in ("/staff/kommunen", "/staff/kommunen/demo", "/staff/offers/new?kommune=demo"):
        admin_page.goto(base + path)
        assert_no_axe(admin_page, path)
