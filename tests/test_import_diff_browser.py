"""An old export re-imported in a real browser (Debian chromium) against a real server: the
conflict is listed with its fields (directory vs file), the editor merges field by field,
the other offer's change of the same file is applied, and nothing of the newer web edit is
lost; axe-core finds nothing on the conflict page (A11Y-01)."""

import io

import pytest
from browserkit import assert_no_axe, log_in
from openpyxl import load_workbook

from app.responsibility.vocab import LEGAL_DOMAINS
from directory import drafts, editing
from directory.records import read_records

NEW_PHONE = "0221 555 1234"


@pytest.fixture
def server(staff_server):
    srv, secrets = staff_server({"eva.editor": ("editor", "demo", "Eva Beispiel")})
    return srv, secrets["eva.editor"]


def _records(store, *ids):
    with store.session() as s:
        return read_records(s, list(ids)) if ids else read_records(s, kommune_id="demo")


def test_old_export_conflict_listed_resolved_nothing_lost(server, browser, tmp_path):
    from playwright.sync_api import expect

    srv, secret = server
    base, store = srv.url, srv.store
    offer, other = [r for r in _records(store) if r.phones and r.schedules][:2]
    context = browser.new_context(locale="de-DE")
    page = log_in(context, base, "eva.editor", secret, then="/staff/import")

    # the editor downloads the offers, then a colleague changes one of them on the web
    exported = page.request.get(f"{base}/staff/import/offers.xlsx")
    assert exported.ok
    with store.session.begin() as s:
        editing.update(s, offer.id, {
            "phones": [{"number": NEW_PHONE, "description": None}],
            "schedule": [{"days": ["TU"], "opens": "10:00", "closes": "11:00"}]},
            editing.Actor("u-2", "Kai Kollege"), drafts.choices(s, LEGAL_DOMAINS), None)
    newer = _records(store, offer.id)[0]

    # ... and the editor uploads the old file with a change to another offer
    wb = load_workbook(io.BytesIO(exported.body()))
    ws = wb["Angebote"]
    head = [str(c.value or "").rstrip(" *") for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == other.id:
            row[head.index("Kosten")].value = "4 € im Monat"
    path = tmp_path / "alt.xlsx"
    wb.save(path)
    page.set_input_files("#file", str(path))
    page.click("main button[type=submit]")

    conflict = page.locator(f"#conflict-{offer.id}")
    expect(conflict).to_be_visible(timeout=30000)
    expect(conflict).to_contain_text("Telefon")
    expect(conflict).to_contain_text("Öffnungszeiten")
    expect(conflict).to_contain_text(NEW_PHONE)  # ours, beside the file's older number
    changes = page.locator("table.import-changes")
    expect(changes).to_contain_text(other.name)
    expect(changes).to_contain_text("4 € im Monat")
    assert_no_axe(page, "import conflict")

    # merge: the opening hours from the file, the phone stays as edited on the web
    conflict.locator("input[value=merge]").check()
    conflict.locator(f"input[name='take-{offer.id}'][value=schedule]").check()
    page.click("text=Import übernehmen")
    expect(page.locator(f"#outcome-{offer.id}")).to_contain_text("zusammengeführt",
                                                                 timeout=30000)
    expect(page.locator("#job")).to_contain_text("Übernommen")
    assert_no_axe(page, "import applied with a merge")
    context.close()

    by_id = {r.id: r for r in _records(store, offer.id, other.id)}
    now, changed = by_id[offer.id], by_id[other.id]
    assert [p.number for p in now.phones] == [NEW_PHONE]  # the newer work kept
    assert [(x.byday, x.opens_at, x.closes_at) for x in now.schedules] == \
        [(x.byday, x.opens_at, x.closes_at) for x in offer.schedules]  # taken from the file
    assert now.name == newer.name and now.translations == newer.translations
    assert changed.fees_description == "4 € im Monat"
    with store.session() as s:  # both steps are in the offer's history (undo possible)
        actions = [c.action for c in editing.history(s, offer.id)]
    assert "update" in actions and "import" in actions
