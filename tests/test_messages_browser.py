"""The message thread in a real browser (Debian chromium) against a real server: a case
manager sends an appointment from the case page (htmx panel), the person opens the status
page in Arabic (RTL), reads the appointment in Arabic and confirms it; the case manager
sees the confirmation. axe-core checks both sides of the thread."""

import json
import re

import pytest
from browserkit import LiveServer, assert_no_axe, assert_reflow, light_app, screenshot

from app.staff import accounts, totp


@pytest.fixture
def server(tmp_path):
    with LiveServer(light_app(tmp_path)) as srv:
        with srv.store.session.begin() as s:
            _, secret = accounts.create_user(s, "cli", "anna.cm", "korrekt pferd batterie",
                                             ["case_manager"], "demo", "Anna Beispiel")
        yield srv.url, secret


def test_appointment_read_in_arabic_and_confirmed(server, browser):
    from playwright.sync_api import expect

    base, secret = server
    person = browser.new_page(locale="ar")
    r = person.request.post(f"{base}/api/v1/referrals", data=json.dumps({
        "kommune": "demo", "contact": "0170 1234567", "consent": True, "language": "ar",
        "topics": ["sprache"], "message": "أبحث عن دورة لغة"}),
        headers={"Content-Type": "application/json"})
    assert r.status == 201, r.text()
    reference, code = r.json()["reference"], r.headers["referral-secret"]

    staff = browser.new_context(locale="en-US").new_page()
    staff.goto(f"{base}/staff/login")
    staff.fill("#username", "anna.cm")
    staff.fill("#password", "korrekt pferd batterie")
    staff.fill("#code", totp.code_now(secret))
    staff.click("main button[type=submit]")
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

    person.goto(f"{base}/referral/status?lang=ar")
    person.fill("#reference", reference)
    person.fill("#secret", code)
    person.click("button[name=action][value=status]")
    person.wait_for_selector("article.appointment")
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
