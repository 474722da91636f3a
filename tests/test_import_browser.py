"""The editors' import in a real browser (Debian chromium) against a real server: upload the
spreadsheet (multipart form, CSRF field, Origin null), read the report, apply, watch the
htmx-polled progress end, find the offer; axe-core finds nothing on the pages (A11Y-01)."""

import io

import pytest
from browserkit import assert_no_axe, log_in
from openpyxl import load_workbook

from directory.hsds import sheet


@pytest.fixture
def server(staff_server):
    srv, secrets = staff_server({"eva.editor": ("editor", "demo", "Eva Beispiel")})
    return srv.url, secrets["eva.editor"]


def _sheet(path, rows):
    wb = load_workbook(io.BytesIO(sheet.template_xlsx({})))
    ws = wb["Angebote"]
    headers = [c.value.rstrip(" *") for c in ws[1]]
    for row in rows:
        ws.append([row.get(h, "") for h in headers])
    wb.save(path)
    return path


def test_upload_check_apply_in_a_real_browser(server, browser, tmp_path):
    from playwright.sync_api import expect

    base, secret = server
    good = {"Name des Angebots": "Lesepatenschaften Musterstadt", "Beschreibung": "Vorlesen.",
            "Träger": "Bücherei Musterstadt", "Themen": "bildung", "Öffnungszeiten": "Do 15-17"}
    bad = {**good, "Name des Angebots": "Zweites Angebot", "Öffnungszeiten": "immer"}
    context = browser.new_context(locale="de-DE")
    page = log_in(context, base, "eva.editor", secret, then="/staff/import")
    assert_no_axe(page, "upload page")

    page.set_input_files("#file", str(_sheet(tmp_path / "fehler.xlsx", [good, bad])))
    page.click("main button[type=submit]")
    expect(page.locator("#job table").first).to_be_visible(timeout=30000)
    expect(page.locator("#job")).to_contain_text("Zeile 4")
    expect(page.locator("#job")).to_contain_text("Öffnungszeiten")
    assert page.locator("text=Import übernehmen").count() == 0
    assert_no_axe(page, "report with errors")

    page.goto(f"{base}/staff/import")
    page.set_input_files("#file", str(_sheet(tmp_path / "gut.xlsx", [good])))
    page.click("main button[type=submit]")
    page.click("text=Import übernehmen", timeout=30000)
    expect(page.locator("#job")).to_contain_text("Übernommen", timeout=30000)
    assert_no_axe(page, "import applied")
    found = page.request.get(f"{base}/api/v1/search?q=Lesepatenschaften&kommune=demo").json()
    assert found["results"][0]["name"] == "Lesepatenschaften Musterstadt"
    context.close()
