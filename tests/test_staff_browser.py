"""A real browser (Debian chromium, headless) against a real server on 127.0.0.1: a newcomer
sends the referral form, a case manager logs in with TOTP, works the case with htmx and
without JavaScript, and logs out (SEC-05/06/10 as browsers really behave: `__Host-` cookies
on http://127.0.0.1, `Origin: null` under no-referrer, the CSRF header from hx-headers)."""

import re

from browserkit import fill_login


def test_referral_to_inbox_in_a_real_browser(cm_server, browser):
    from playwright.sync_api import expect

    base, secret = cm_server
    person = browser.new_page(locale="de-DE")
    person.goto(f"{base}/referral?lang=de&kommune=demo&topics=sprache")
    person.fill("#message", "Browser-Test: ich suche einen Abendkurs")
    person.check("#channel-phone")
    person.fill("#contact", "0170 1234567")
    person.check("#consent")
    person.click("button[type=submit]")
    person.wait_for_selector(".receipt")
    reference = re.search(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", person.inner_text("main")).group(0)

    staff = browser.new_context(locale="en-US")
    page = staff.new_page()
    page.goto(f"{base}/staff/referrals")  # not logged in: sent to the login page
    assert "/staff/login" in page.url
    fill_login(page, "anna.cm", secret)
    page.wait_for_url(re.compile(r".*/staff/referrals$"))
    assert {c["name"] for c in staff.cookies()} >= {"__Host-lotse_staff"}
    page.click(f"text={reference}")
    assert "Browser-Test: ich suche einen Abendkurs" in page.inner_text("main")
    page.select_option("#status", "erstkontakt")
    page.click("text=Save status")  # htmx swaps the case in place, CSRF from hx-headers
    expect(page.locator("#case dl dd").first).to_have_text("First contact (intake)")
    page.fill("#note", "Rückruf vereinbart")
    page.click("text=Add note")
    expect(page.locator("#case ul.plain")).to_contain_text("Rückruf vereinbart")

    nojs = browser.new_context(locale="en-US", java_script_enabled=False)
    plain = nojs.new_page()
    plain.goto(f"{base}/staff/login")
    fill_login(plain, "anna.cm", secret, step=1)
    plain.click("text=Referrals inbox")
    plain.click(f"text={reference}")
    plain.select_option("#status", "assessment")
    plain.click("text=Save status")  # a plain form post with the hidden token
    expect(plain.locator("#case dl dd").first).to_have_text("Assessment")
    plain.click("text=Log out")
    plain.goto(f"{base}/staff/referrals")
    assert "/staff/login" in plain.url
