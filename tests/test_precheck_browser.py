"""Done-when of issue 18 in a real browser: a Persian pre-check runs to a referral; the
result and the referral reference are in the Personal Book offline, and in German at the
counter view; axe finds no violations on the new pages in de and ar."""

from __future__ import annotations

import datetime as dt

from browserkit import assert_no_axe, kept_offline

YEAR = str(dt.date.today().year - 7)


def answer(page, name: str, value: str) -> None:
    page.check(f'input[name="{name}"][value="{value}"]')


def test_persian_precheck_to_referral_then_book_offline_and_counter(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/precheck?lang=fa")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    page.fill("#age", "35")
    page.fill("#arrived_year", YEAR)
    answer(page, "uninterrupted", "yes")
    page.click("form.ask button[type=submit]")
    page.wait_for_selector('input[name="status"]')
    answer(page, "status", "duldung")
    page.fill("#status_months", "40")
    answer(page, "passport", "yes")
    page.click("form.ask button[type=submit]")
    page.wait_for_selector('input[name="work"]')
    answer(page, "work", "fulltime")
    answer(page, "livelihood", "own")
    page.click("form.ask button[type=submit]")
    page.wait_for_selector("#german")
    page.select_option("#german", "A2")
    page.click("form.ask button[type=submit]")
    page.wait_for_selector('input[name="minor_children"]')
    answer(page, "minor_children", "no")  # convictions: skipped
    page.click("form.ask button[type=submit]")
    page.wait_for_selector("#kommune")
    page.select_option("#kommune", "demo")
    with page.expect_navigation():
        page.click("form.ask button[type=submit]")
    assert "/precheck/result" in page.url
    assert page.locator('article[data-outcome="unclear"]').count() >= 1  # § 25b: skipped
    assert_no_axe(page, "precheck result fa")
    with page.expect_navigation():
        page.click("[data-precheck-referral]")  # also keeps the result in the book
    assert page.input_value("textarea#message").startswith("Vorab-Check vom")
    page.check("#channel-phone")
    page.fill("#contact", "0151 2345678")
    page.check("#consent")
    page.check("#consent_special")  # residence matters: the extra consent (Art. 9 GDPR)
    with page.expect_navigation():
        page.click('form.referral button[type="submit"]')
    assert page.locator(".error").all_inner_texts() == []
    reference = page.locator(".code").first.inner_text()

    page.goto(f"{live_server.url}/book?lang=fa")  # online once: the book keeps itself
    page.wait_for_selector('[data-book-list="prechecks"] li')
    kept_offline(page, "fa")
    context.set_offline(True)
    page.goto(f"{live_server.url}/book?lang=fa")
    items = page.locator('[data-book-list="prechecks"] li').all_inner_texts()
    assert len(items) == 1 and dt.date.today().isoformat() in items[0]
    assert "§ 25b" in items[0]
    refs = page.locator('[data-book-list="referrals"] li').all_inner_texts()
    assert any(reference in r for r in refs)
    page.click('a[href="/book/counter?lang=de"]')
    page.wait_for_selector('[data-book-list="prechecks"] li')
    counter = page.inner_text(".book-counter")
    assert "Aufenthaltserlaubnis bei nachhaltiger Integration" in counter
    assert reference in counter
    context.set_offline(False)
    context.close()


def test_book_moves_with_a_code_and_deletes_at_once(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/book?lang=de")
    page.fill("#sp-name", "Integrationskurs DTZ")
    page.select_option("#sp-level", "B1")
    page.fill("#sp-date", "2026-03-01")
    page.click("form.book-form button")
    page.check('[data-book-documents] input[value="passport"]')
    page.click("[data-book-export]")  # the code is made after the saved offers are read
    page.wait_for_function("document.querySelector('[data-book-code]').value !== ''")
    code = page.input_value("[data-book-code]")
    assert code.startswith("LOTSE1:")
    other = browser.new_context().new_page()  # the new phone
    other.goto(f"{live_server.url}/book?lang=ar")
    other.fill("[data-book-code]", code)
    other.click("[data-book-import]")
    assert "Integrationskurs DTZ" in other.inner_text('[data-book-list="languages"]')
    assert other.is_checked('[data-book-documents] input[value="passport"]')
    other.on("dialog", lambda d: d.accept())
    other.click("[data-book-delete]")
    other.wait_for_function("localStorage.getItem('lotse-book') === null")
    assert "Integrationskurs" not in other.inner_text('[data-book-list="languages"]')
    other.context.close()
    context.close()


def test_new_pages_have_no_axe_violations_in_de_and_ar(live_server, browser):
    page = browser.new_page()
    result = ("/precheck/result?kommune=demo&age=19&status=duldung&status_months=14"
              f"&arrived_year={YEAR}&uninterrupted=yes&school_years=3&in_training=yes")
    for lang in ("de", "ar"):
        for path in ("/precheck", "/precheck?step=2", "/precheck?step=4", "/precheck?step=6",
                     result, "/book", "/book/counter"):
            sep = "&" if "?" in path else "?"
            page.goto(f"{live_server.url}{path}{sep}lang={lang}")
            assert_no_axe(page, f"{path} {lang}")
    page.close()
