"""The case-management journey of issue 14 in a real browser (Debian chromium, headless)
against a real server: a newcomer's referral from the assistant -> intake -> assessment
-> Hilfeplan with two goals -> linking to a directory offer -> an appointment message sent
from the case page, which the person reads in Arabic (RTL) on the status page with the
reference and secret of their referral and confirms; the case manager sees the
confirmation on the case -> a follow-up due today -> hand-over to a second Kommune with a
reason -> accepted there with the summary (the receiving team's message panel works and
starts empty: the old team's thread stays with the person, like the old case file it is
not passed on) -> closed with a reason; the sender still sees the record, and the person
still reads the whole thread. The inbox and the case page reflow at 360 px (no horizontal
scrolling). Screenshots go to var/screenshots/case-journey-*.
"""

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from browserkit import (
    assert_no_axe,
    assert_reflow,
    log_in,
    open_status,
    screenshot,
    swapped,
)


@pytest.fixture
def server(staff_server):
    srv, secrets = staff_server({"anna.cm": ("case_manager", "demo", "Anna Beispiel"),
                                 "kai.cm": ("case_manager", "koeln", "Kai Köln")})
    return srv.url, secrets


def status(page, code: str, label: str) -> None:
    from playwright.sync_api import expect

    page.select_option("#status", code)
    page.click("text=Save status")
    expect(page.locator(".case-status")).to_have_text(label)


def test_case_journey_from_the_assistant_to_closing_after_a_hand_over(server, browser):
    from playwright.sync_api import expect

    base, secrets = server
    # the newcomer asks the assistant in Musterstadt and asks for a person
    person = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 740})
    p = person.new_page()
    p.goto(f"{base}/")
    p.click('a[hreflang="de"]')
    p.wait_for_selector("#place")
    p.fill("#place", "Musterst")
    swapped(p, "#place-choices button")
    p.click("#place-choices button")
    swapped(p, "textarea#q")
    p.fill("#q", "Ich suche einen Deutschkurs am Abend")
    p.focus("#q")
    p.keyboard.press("Tab")
    p.keyboard.press("Enter")
    swapped(p, "#turn-0 .person a.button")
    p.click("#turn-0 .person a.button")
    p.wait_for_selector("textarea#message")
    assert "Deutschkurs" in p.input_value("textarea#message")  # from the conversation
    p.fill("#name", "Amira Al-Hassan")
    p.check("#channel-phone")
    p.fill("#contact", "0151 2345678")
    p.check("#consent")
    if p.locator("#consent_special").count():  # topics of the conversation may need it
        p.check("#consent_special")
    with p.expect_navigation():
        p.click('form.referral button[type="submit"]')
    assert p.locator(".error").all_inner_texts() == []
    p.wait_for_selector(".code")
    reference = re.search(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", p.inner_text("main")).group(0)
    codes = p.locator("strong.code")
    assert codes.nth(0).inner_text() == reference
    secret = codes.nth(1).inner_text().strip()

    # the case manager of the demo Kommune finds the case by name
    cm = log_in(browser.new_context(locale="en-US"), base, "anna.cm", secrets["anna.cm"])
    cm.goto(f"{base}/staff/referrals")
    assert_reflow(cm, 360)
    screenshot(cm, "case-journey-inbox-360")
    cm.set_viewport_size({"width": 1100, "height": 900})
    cm.fill("#q", "al-hassan")
    cm.click("form.case-search button")
    cm.click(f"text={reference}")
    expect(cm.locator(".case-gemeinde")).to_have_text("Musterstadt")
    status(cm, "erstkontakt", "First contact (intake)")
    cm.fill("#intake", "Erstberatung: sucht Abendkurs, arbeitet tagsüber")
    cm.click("text=Save intake")
    swapped(cm, "#intake")
    status(cm, "assessment", "Assessment")
    cm.fill("#area-language", "A2, Abendkurs B1 gewünscht")
    cm.fill("#area-work", "Helferin in der Pflege, Anerkennung offen")
    cm.click("text=Save assessment")
    expect(cm.locator("#area-work")).to_have_value("Helferin in der Pflege, Anerkennung offen")
    status(cm, "hilfeplanung", "Goals and support plan")
    for goal, who in (("Deutsch B1 bis Sommer", "Frau Al-Hassan"),
                      ("Anerkennung der Pflegeausbildung", "Case Management")):
        cm.fill("#goal", goal)
        cm.fill("#measure", "Anmeldung und Unterlagen")
        cm.fill("#who", who)
        cm.fill("#due", "2027-06-30")
        cm.check("#agreed")
        cm.click("text=Add goal")
        expect(cm.locator("table.goals")).to_contain_text(goal)
    assert cm.locator("table.goals tbody tr").count() == 2
    status(cm, "linking", "Linking")
    cm.select_option("#link-kind", "offer")
    offer = cm.locator("#link-offer option").nth(1)
    offer_name = offer.inner_text()
    cm.select_option("#link-offer", index=1)
    cm.select_option("#link-outcome", "contacted")
    cm.click("text=Add linking")
    expect(cm.locator("table.links")).to_contain_text(offer_name)

    # an appointment from the case page; the person reads it in Arabic and confirms it
    day = dt.datetime.now(ZoneInfo("Europe/Berlin")).date() + dt.timedelta(days=14)
    cm.wait_for_selector("#case-messages #msg-kind")  # the panel came in by htmx
    cm.select_option("#msg-kind", "appointment")
    cm.fill("#msg-date", day.isoformat())
    cm.fill("#msg-time", "09:30")
    cm.fill("#msg-place", "Rathaus Musterstadt, Marktplatz 1, Zimmer 12")
    cm.check("input[name=bring][value=passport]")
    cm.click("text=Send message")
    thread = cm.locator("#case-messages-thread")
    expect(thread).to_contain_text("The message was sent.")
    expect(thread).to_contain_text("not read yet")
    expect(cm.locator("table.links")).to_contain_text(offer_name)  # still the case page
    open_status(p, base, "ar", reference, secret)
    assert p.get_attribute("html", "dir") == "rtl"
    assert p.get_attribute("html", "lang") == "ar"
    text = p.inner_text("article.appointment")
    assert "موعد مع مدير حالتك" in text and "جواز السفر أو بطاقة الهوية" in text
    assert "Rathaus Musterstadt" in text and str(day.year) in text
    data = json.loads(p.get_attribute("article.appointment", "data-lotse-appointment"))
    assert (data["date"], data["time"]) == (day.isoformat(), "09:30")
    assert_reflow(p, 360)
    screenshot(p, "case-journey-appointment-ar")
    p.click("button[name=answer][value=confirm]")
    expect(p.locator("p.notice")).to_have_text("شكرًا. تم إرسال ردك.")
    expect(p.locator("li.msg-in")).to_contain_text("سأحضر إلى الموعد")
    cm.reload()
    thread = cm.locator("#case-messages-thread")
    expect(thread).to_contain_text("Confirmed the appointment")
    expect(thread).to_contain_text("read by the person")
    expect(cm.locator(".case-status")).to_have_text("Linking")  # the case file is unchanged

    status(cm, "monitoring", "Monitoring")
    today = dt.datetime.now(ZoneInfo("Europe/Berlin")).date()
    cm.fill("#fu-day", today.isoformat())
    cm.fill("#fu-time", "00:05")
    cm.fill("#fu-note", "Kursbeginn nachfragen")
    cm.click("text=Add follow-up")
    expect(cm.locator("table.followups")).to_contain_text(today.strftime("%d.%m.%Y") + " 00:05")
    screenshot(cm, "case-journey-case-desktop")
    assert_no_axe(cm, "case page with a full case file")
    assert_reflow(cm, 360)
    screenshot(cm, "case-journey-case-360")
    cm.set_viewport_size({"width": 1100, "height": 900})
    cm.goto(f"{base}/staff/cases/due")
    expect(cm.locator("table.due-list")).to_contain_text(reference)
    cm.click(f"text={reference}")

    # hand-over: no default Kommune, a reason, a summary with consent, a confirmation
    assert cm.input_value("#kommune") == ""
    cm.select_option("#kommune", "koeln")
    cm.fill("#handover-reason", "Umzug nach Köln zum 1.1.")
    cm.fill("#handover-summary", "Ziele: Deutsch B1, Anerkennung Pflege; VHS kontaktiert")
    cm.check("#handover-consent")
    cm.click("text=Continue to confirmation")
    expect(cm.locator(".handover-confirm")).to_contain_text("Köln")
    cm.click("text=Confirm the hand-over")
    cm.wait_for_url(re.compile(r".*status=weitergeleitet.*"))
    expect(cm.locator("table.handed")).to_contain_text("not yet accepted")

    # the receiving team sees who sent it, why, and the summary, and accepts it
    koeln = log_in(browser.new_context(locale="en-US"), base, "kai.cm", secrets["kai.cm"],
                   step=1)
    koeln.goto(f"{base}/staff/referrals")
    koeln.click(f"text={reference}")
    panel = koeln.locator(".handover-in")
    expect(panel).to_contain_text("Anna Beispiel")
    expect(panel).to_contain_text("Umzug nach Köln zum 1.1.")
    expect(panel).to_contain_text("Ziele: Deutsch B1, Anerkennung Pflege")
    assert "Erstberatung: sucht Abendkurs" not in koeln.inner_text("main")  # not the old file
    screenshot(koeln, "case-journey-handover-received")
    assert_no_axe(koeln, "case page with a hand-over to accept")
    koeln.click("text=Accept the hand-over")
    expect(koeln.locator(".handover-in")).to_have_count(0)
    # the receiving team's thread: the panel works; the old team's messages are not passed on
    koeln.wait_for_selector("#case-messages #msg-kind")
    expect(koeln.locator("#case-messages-thread")).to_contain_text("No messages yet.")
    assert "Rathaus Musterstadt" not in koeln.inner_text("#case-messages-thread")
    status(koeln, "erstkontakt", "First contact (intake)")
    koeln.select_option("#close-reason", "goals_reached")
    koeln.fill("#close-text", "Kurs in Köln gefunden")
    koeln.click("text=Close the case")
    expect(koeln.locator(".case-status")).to_have_text("Closed")
    expect(koeln.locator("ol.history")).to_contain_text("Kurs in Köln gefunden")

    # the sender still has the record, with the time it was accepted
    cm.goto(f"{base}/staff/referrals?status=weitergeleitet")
    row = cm.locator("table.handed tr", has_text=reference)
    expect(row).to_contain_text("Köln")
    expect(row).not_to_contain_text("not yet accepted")
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", row.locator("td").nth(3).inner_text())
    screenshot(cm, "case-journey-sender-record")

    # the person still reads the whole thread after the hand-over and the closing
    open_status(p, base, "ar", reference, secret)
    assert "Rathaus Musterstadt" in p.inner_text("article.appointment")
    expect(p.locator("li.msg-in")).to_contain_text("سأحضر إلى الموعد")
