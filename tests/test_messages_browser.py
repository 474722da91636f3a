"""The message thread in a real browser (Debian chromium) against a real server: a case
manager sends an appointment from the case page (htmx panel), the person opens the status
page in Arabic (RTL), reads the appointment in Arabic and confirms it; the case manager
sees the confirmation. axe-core checks both sides of the thread."""

import json
import re

from browserkit import (
    assert_no_axe,
    assert_reflow,
    log_in,
    open_status,
    post_referral,
    screenshot,
)


def test_appointment_read_in_arabic_and_confirmed(cm_server, browser):
    from playwright.sync_api import expect

    base, secret = cm_server
    person = browser.new_page(locale="ar")
    reference, code = post_referral(person, base, "ar", "أبحث عن دورة لغة")

    staff = log_in(browser.new_context(locale="en-US"), base, "anna.cm", secret)
    staff.goto(f"{base}/staff/referrals")
    staff.click(f"text={reference}")
    case_url = staff.url
    staff.wait_for_selector("#case-messages #msg-kind")  # the panel came in by htmx
    staff.select_option("#msg-kind", "appointment")
    staff.fill("#msg-date", "2030-03-04")
    staff.fill("#msg-time", "09:30")
    staff.fill("#msg-place", "Rathaus Musterstadt, Marktplatz 1, Zimmer 12")
    staff.check("input[name=bring][value=passport]")
    staff.check("input[name=bring][value=letters]")
    staff.click("text=Send message")
    expect(staff.locator("#case-messages-thread")).to_contain_text("The message was sent.")
    expect(staff.locator("#case-messages-thread")).to_contain_text("not read yet")
    assert staff.url == case_url  # swapped in place

    open_status(person, base, "ar", reference, code)
    assert person.get_attribute("html", "dir") == "rtl"
    assert person.get_attribute("html", "lang") == "ar"
    text = person.inner_text("article.appointment")
    assert "موعد مع مدير حالتك" in text and "جواز السفر أو بطاقة الهوية" in text
    assert "Rathaus Musterstadt" in text and "2030" in text
    data = json.loads(person.get_attribute("article.appointment", "data-lotse-appointment"))
    assert {k: data[k] for k in ("type", "date", "time", "tz")} == {
        "type": "appointment", "date": "2030-03-04", "time": "09:30", "tz": "Europe/Berlin"}
    box = person.locator("article.appointment h3").bounding_box()
    width = person.viewport_size["width"]
    assert box["x"] + box["width"] > width * 0.6  # right-aligned heading: RTL really renders
    assert_no_axe(person, "status page with an appointment, Arabic")
    screenshot(person, "messages-status-ar")
    person.click("button[name=answer][value=confirm]")
    expect(person.locator("p.notice")).to_have_text("شكرًا. تم إرسال ردك.")
    expect(person.locator("li.msg-in")).to_contain_text("سأحضر إلى الموعد")
    assert person.locator("button[name=answer][value=confirm]").count() == 0

    staff.goto(f"{base}{re.sub(r'^https?://[^/]+', '', case_url)}/messages")
    main = staff.inner_text("main")
    assert "Confirmed the appointment" in main and "read by the person" in main
    assert_no_axe(staff, "staff message thread")
    staff.set_viewport_size({"width": 360, "height": 740})
    assert_reflow(staff, 360)
    screenshot(staff, "messages-staff-confirmed")
