"""The pre-check's law rules editor in a real browser (Debian chromium, headless, live server
on 127.0.0.1): axe-core (WCAG 2.1 A/AA) on the list, a rule with its history, the form with
errors, the preview of changed scenarios and the read-only page of a Kommune editor, in de
and en; 320 px reflow; the edit is saved through the plain form."""

from __future__ import annotations

import pytest
from browserkit import assert_no_axe, assert_reflow, log_in

from app.precheck import repository

RULE = "25b.residence.2022"


@pytest.fixture
def server(staff_server):
    srv, secrets = staff_server({"erika.ed": ("editor", "demo", "Erika Editor"),
                                 "lena.land": ("admin", None, "Lena Land")})
    return srv, secrets["erika.ed"], secrets["lena.land"]


def test_law_rules_editor_pages_pass_axe_and_an_edit_is_previewed_and_saved(server, browser):
    from playwright.sync_api import expect

    srv, editor, admin = server
    base = srv.url
    context = browser.new_context(locale="de-DE")
    page = log_in(context, base, "lena.land", admin)
    for path in ("/staff/precheck-rules", f"/staff/precheck-rules/{RULE}",
                 f"/staff/precheck-rules/new?copy={RULE}", "/staff/precheck-rules?lang=en"):
        page.goto(base + path)
        assert_no_axe(page, path)
    page.goto(f"{base}/staff/precheck-rules/{RULE}?lang=de")  # back to German (cookie)
    assert_reflow(page, 320)
    page.fill("#valid_until", "2020-01-01")  # before valid_from
    page.click("button[value=save]")
    expect(page.locator("#precheck-rule-errors")).to_contain_text("liegt vor valid_from")
    assert_no_axe(page, "form with errors")
    page.fill("#valid_until", "")
    page.fill("#params", '{"years": 4, "years_with_minor_child": 4}')
    page.click("button[value=preview]")
    expect(page.locator("#precheck-preview")).to_contain_text("25b-Abs1-S2-Nr1-v2022-nochild")
    assert_no_axe(page, "preview")
    page.fill("#comment", "Browser-Test")
    page.click("button[value=save]")
    expect(page.locator("p.notice[role=status]").first).to_contain_text("Gespeichert")
    assert [h.action for h in repository.history(srv.store, RULE)] == ["update", "seed"]
    expect(page.locator("main")).to_contain_text("Browser-Test")
    context.close()

    reader = browser.new_context(locale="en-GB")
    page = log_in(reader, base, "erika.ed", editor)
    page.goto(f"{base}/staff/precheck-rules/{RULE}?lang=en")
    expect(page.locator("main")).to_contain_text("Only state-level editors change them")
    assert page.locator("#valid_from").count() == 0
    assert_no_axe(page, "read-only rule, en")
    reader.close()
