"""The Personal Book (issue 18, deliverable 5) in a real browser (Debian chromium) against
the real app: an appointment the case manager sends reaches the book through the status
page and is listed offline and in German at the counter; a full book prints on one A4
page; the move code as a QR code (made in the page) carries the book to a second
browser context, with nothing of it sent to the server; axe finds no violations on a
filled /book in de and ar."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import segno
from browserkit import assert_no_axe, kept_offline, open_status, post_referral
from playwright.sync_api import expect
from segno import encoder
from sqlalchemy import select

from app.messages import kinds, thread
from app.referrals.models import Referral
from app.staff import accounts

YEAR = "2019"
PLACE = "Rathaus Musterstadt, Marktplatz 1, Zimmer 12"
#: the status page's note on the book (open_status waits for it)
BOOK_NOTE = "[data-book-appointments]"


@pytest.fixture(scope="module")
def case_manager(live_server):
    with live_server.store.session.begin() as s:
        user, _ = accounts.create_user(s, "cli", "book.cm", "korrekt pferd batterie heft",
                                       ["case_manager"], "demo", "Bea Beispiel")
        return user.id


def referral(page, base: str, lang: str) -> tuple[str, str]:
    return post_referral(page, base, lang, "Ich suche einen Sprachkurs")


def appointment(live_server, user_id: str, reference: str, date: str, time: str,
                bring: list[str], note: str = "") -> None:
    """What the case manager's form sends (app.messages.kinds.check_out checks it)."""
    from app.staff.models import StaffUser

    with live_server.store.session.begin() as s:
        ref = s.scalar(select(Referral).where(Referral.reference == reference))
        staff = s.get(StaffUser, user_id)
        fields = kinds.check_out("appointment", {"date": date, "time": time, "place": PLACE,
                                                 "bring": bring, "note": note},
                                 {}, dt.date(2026, 12, 7))
        thread.send(s, staff, ref, "appointment", fields)


def fill_book(page, base: str) -> None:
    """A full book: three pre-checks, four courses, every document, a saved offer."""
    for age, months in (("19", "14"), ("35", "40"), ("45", "80")):
        page.goto(f"{base}/precheck/result?kommune=demo&age={age}&status=duldung"
                  f"&status_months={months}&arrived_year={YEAR}&uninterrupted=yes"
                  f"&school_years=3&in_training=yes&lang=de")
        page.click("[data-book-save] button")
        page.wait_for_selector("[data-book-save] [data-book-status]:has-text('Heft')")
    page.goto(f"{base}/book?lang=de")
    for name, level, day in (("Integrationskurs Modul 1–3", "A2", "2025-02-01"),
                             ("Integrationskurs Modul 4–6", "B1", "2025-09-15"),
                             ("Deutsch-Test für Zuwanderer (DTZ)", "B1", "2025-10-20"),
                             ("Berufssprachkurs B2", "B2", "2026-06-30")):
        page.fill("#sp-name", name)
        page.select_option("#sp-level", level)
        page.fill("#sp-date", day)
        if "Test" in name:
            page.check("form.book-form input[name=certificate]")
        page.click("form.book-form button")
    for box in page.locator("[data-book-documents] input").all():
        box.check()


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def test_appointment_reaches_the_book_offline_counter_and_print(live_server, browser,
                                                                case_manager):
    base = live_server.url
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    reference, secret = referral(page, base, "ar")
    appointment(live_server, case_manager, reference, "2030-03-04", "09:30",
                ["passport", "letters"], "Schulzeugnis von 2024")
    appointment(live_server, case_manager, reference, "2030-02-10", "14:00", [])

    open_status(page, base, "ar", reference, secret, BOOK_NOTE)
    assert page.get_attribute("html", "dir") == "rtl"
    page.goto(f"{base}/book?lang=ar")  # online once: the book keeps its pages
    page.wait_for_selector('[data-book-list="appointments"] li:has-text("09:30")')
    kept_offline(page, "ar")
    context.set_offline(True)
    page.goto(f"{base}/book?lang=ar")
    items = page.locator('[data-book-list="appointments"] li').all_inner_texts()
    assert len(items) == 2
    assert "14:00" in items[0] and "09:30" in items[1]  # in order of time
    assert PLACE in items[1] and reference in items[1] and "Schulzeugnis von 2024" in items[1]
    assert "جواز السفر أو بطاقة الهوية" in items[1]  # what to bring, in Arabic
    assert "KIM" in items[1] and "Musterland" in items[1]  # with whom: the team's Kommune
    box = page.locator("#book-appointments").bounding_box()
    assert box["x"] + box["width"] > 360 * 0.6  # heading on the right: RTL renders

    page.click('a[href="/book/counter?lang=de"]')  # one tap, still offline
    page.wait_for_selector('[data-book-list="appointments"] li:has-text("09:30")')
    counter = page.locator('.book-counter [data-book-list="appointments"] li').all_inner_texts()
    assert "04.03.2030" in counter[1] and "09:30 Uhr" in counter[1]
    assert "Reisepass oder Personalausweis" in counter[1] and "Briefe von Behörden" in counter[1]
    assert "mit dem KIM-Case-Management Kreis Musterland" in counter[1]
    assert "جواز" not in page.inner_text(".book-counter")  # all German
    context.set_offline(False)

    # a full book still prints as one A4 page, in German at the counter and in the UI language
    offer = live_server.store.offers()[0].id
    page.goto(f"{base}/offer/{offer}?lang=de")
    page.click("[data-save]")
    page.wait_for_selector("[data-save-status]:has-text('Gespeichert')")
    fill_book(page, base)
    page.goto(f"{base}/book/counter?lang=de")
    page.wait_for_selector('[data-book-list="offers"] li')
    text = page.inner_text(".book-counter")
    assert text.count("Integrationskurs") >= 2 and "Zertifikat bestanden" in text
    assert "Reisepass oder anderes Identitätsdokument" in text
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf_pages(pdf) == 1, pdf_pages(pdf)
    page.goto(f"{base}/book?lang=ar")
    page.wait_for_selector('[data-book-list="offers"] li a')
    assert pdf_pages(page.pdf(format="A4")) == 1
    context.close()


def matrix_of(svg_path: str, size: int) -> list[list[int]]:
    grid = [[0] * size for _ in range(size)]
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", svg_path):
        grid[int(y) - 4][int(x) - 4] = 1
    return grid


def iso_segno(text: str, version: int, error: str, mask: int):
    """segno 1.6.6 writes a whole 0 byte of padding bits when the data already ends on a
    codeword boundary (ISO/IEC 18004 7.4.10 adds them only when it does not); decoders
    stop at the terminator either way. Corrected here, segno is the reference."""
    original = encoder.write_padding_bits

    def iso(buff, ver, length):
        if length % 8:
            original(buff, ver, length)

    encoder.write_padding_bits = iso
    try:
        return segno.make(text, error=error, version=version, mask=mask, mode="byte",
                          boost_error=False)
    finally:
        encoder.write_padding_bits = original


def test_qr_code_moves_the_book_to_a_new_phone(live_server, browser, case_manager):
    base = live_server.url
    old = browser.new_context().new_page()
    reference, secret = referral(old, base, "de")
    appointment(live_server, case_manager, reference, "2030-05-06", "11:15", ["insurance"])
    open_status(old, base, "de", reference, secret, BOOK_NOTE)
    old.goto(f"{base}/precheck/result?kommune=demo&age=35&status=duldung&status_months=40"
             f"&arrived_year={YEAR}&uninterrupted=yes&lang=de")
    old.click("[data-book-save] button")
    old.wait_for_selector("[data-book-save] [data-book-status]:has-text('Heft')")
    old.goto(f"{base}/book?lang=fa")
    old.fill("#sp-name", "Integrationskurs DTZ")
    old.select_option("#sp-level", "B1")
    old.fill("#sp-date", "2026-03-01")
    old.click("form.book-form button")
    old.check('[data-book-documents] input[value="passport"]')
    old.click("[data-book-export]")
    fig = old.wait_for_selector("[data-book-qr] figure.book-qr")
    assert old.input_value("[data-book-code]").startswith("LOTSE1:")  # the text code stays
    payload = fig.get_attribute("data-payload")
    assert payload.startswith(f"{base}/book?lang=fa#LOTSE2:")
    assert "Integrationskurs" not in payload  # compressed, not readable at a glance
    version, ecc, mask = (fig.get_attribute(a) for a in ("data-version", "data-ecc", "data-mask"))
    path = old.get_attribute("[data-book-qr] svg path", "d")
    reference_qr = iso_segno(payload, int(version), ecc.lower(), int(mask))
    size = len(reference_qr.matrix)
    assert matrix_of(path, size) == [list(row) for row in reference_qr.matrix]
    assert old.get_attribute("[data-book-qr] svg", "aria-label")

    new = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    seen: list[str] = []
    new.on("request", lambda r: seen.append(r.url + " " + (r.post_data or "")))
    phone = new.new_page()
    phone.goto(payload)  # what the camera opens
    assert phone.input_value("[data-book-code]").startswith("LOTSE2:")
    assert "Integrationskurs" not in phone.inner_text('[data-book-list="languages"]')  # not unseen
    assert phone.evaluate("document.activeElement.matches('[data-book-import]')")
    phone.click("[data-book-import]")
    phone.wait_for_selector('[data-book-list="languages"] li:has-text("Integrationskurs DTZ")')
    assert "11:15" in phone.inner_text('[data-book-list="appointments"]')
    # the QR leaves the pre-check texts out; the page names the paths in its own language
    result = phone.inner_text('[data-book-list="prechecks"] li')
    assert "§ 25b AufenthG" in result and "Aufenthaltserlaubnis" not in result
    phone.goto(f"{base}/book/counter?lang=de")
    assert "Aufenthaltserlaubnis bei nachhaltiger Integration" in phone.inner_text(
        '[data-book-list="prechecks"]')
    phone.goto(f"{base}/book?lang=fa")
    assert phone.is_checked('[data-book-documents] input[value="passport"]')
    assert "#" not in phone.url  # the book does not stay in the address bar
    assert seen and not [u for u in seen if "LOTSE" in u or "Integrationskurs" in u]

    phone.fill("#sp-name", "Zusatzkurs")  # a book that is not empty is replaced only on request
    phone.fill("#sp-date", "2026-11-01")
    phone.click("form.book-form button")
    phone.goto(payload)  # the same page with the book in the fragment: no reload
    expect(phone.locator("[data-book-code]")).to_have_value(re.compile("^LOTSE2:"))
    asked: list[str] = []
    phone.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    phone.click("[data-book-import]")
    for _ in range(100):
        if asked:
            break
        phone.wait_for_timeout(50)
    assert asked  # the question came and was answered "no"
    expect(phone.locator("[data-book-code]")).to_have_value(re.compile("^LOTSE2:"))
    assert "Zusatzkurs" in phone.inner_text('[data-book-list="languages"]')
    phone.once("dialog", lambda d: d.accept())
    phone.click("[data-book-import]")
    expect(phone.locator('[data-book-list="languages"]')).not_to_contain_text("Zusatzkurs")
    new.close()
    old.context.close()


def test_filled_book_has_no_axe_violations_in_de_and_ar(live_server, browser, case_manager):
    base = live_server.url
    page = browser.new_context().new_page()
    reference, secret = referral(page, base, "ar")
    appointment(live_server, case_manager, reference, "2030-01-08", "10:00", ["passport"])
    open_status(page, base, "ar", reference, secret, BOOK_NOTE)
    assert_no_axe(page, "status page with the book note, ar")
    for lang in ("de", "ar"):
        page.goto(f"{base}/book?lang={lang}")
        page.wait_for_selector('[data-book-list="appointments"] li:has-text("10:00")')
        page.click("[data-book-export]")
        page.wait_for_selector("[data-book-qr] figure.book-qr")
        assert_no_axe(page, f"/book filled {lang}")
        page.goto(f"{base}/book/counter?lang={lang}")
        page.wait_for_selector('[data-book-list="appointments"] li:has-text("10:00")')
        assert_no_axe(page, f"/book/counter filled {lang}")
    page.context.close()
