"""Import: HSDS JSON, CSV data package and spreadsheet template; round trip, all or nothing,
stable ids, German report by row and field, limits (SEC-15)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from app.settings import Settings
from directory.demo import demo_data, load_demo_kommune
from directory.hsds import exporter, importer, sheet
from directory.hsds.hours import HoursError, parse_hours
from directory.hsds.importer import ImportRefused, Limits
from directory.models import Service
from directory.store import Store
from ops.cli import main


@pytest.fixture
def demo_store(tmp_path, monkeypatch, demo_store_at):
    """A store with the demo directory (the source of exports)."""
    monkeypatch.setenv("LOTSE_MODEL", "")
    return demo_store_at(Settings(data_dir=tmp_path / "full"))


@pytest.fixture
def empty_store(tmp_path, monkeypatch):
    """Reference data and the demo Kommune, no offers; the CLI points at it."""
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("LOTSE_MODEL", "")
    store = Store(Settings().resolved_database_url)
    store.init()
    with store.session.begin() as s:
        load_demo_kommune(s)
    return store


def _count(store) -> int:
    with store.session() as s:
        return s.query(Service).count()


#: offers in the demo file (the fictional Kommune and the nationwide entries)
DEMO_OFFERS = len(demo_data()["offers"])


def test_json_round_trip_and_reimport_changes_nothing(demo_store, empty_store, tmp_path,
                                                      capsys):
    with demo_store.session() as s:
        first = exporter.to_json(s)
    path = tmp_path / "export.json"
    path.write_text(first)
    assert main(["import", str(path)]) == 0
    assert f"neu {DEMO_OFFERS}" in capsys.readouterr().out
    with empty_store.session() as s:
        assert exporter.to_json(s) == first  # ids, times and the NRW profile survive
    assert main(["import", str(path)]) == 0
    assert f"neu 0, geändert 0, unverändert {DEMO_OFFERS}" in capsys.readouterr().out
    with empty_store.session() as s:
        assert exporter.to_json(s) == first


def test_csv_package_round_trip(demo_store, empty_store, tmp_path):
    with demo_store.session() as s:
        exporter.write_package(s, tmp_path / "pkg.zip")
        first = exporter.package_files(s)
    report = importer.run(empty_store, tmp_path / "pkg.zip")
    assert report.ok and report.applied and len(report.result.new) == DEMO_OFFERS
    with empty_store.session() as s:
        again = exporter.package_files(s)
    # the package says when it was taken; everything else is the same
    created = [json.loads(x.pop("datapackage.json")).pop("created") for x in (first, again)]
    assert created[0] <= created[1] and again == first
    folder = importer.run(empty_store, tmp_path / "pkg.zip", dry_run=True)
    assert folder.result.unchanged == DEMO_OFFERS


def test_single_object_and_all_or_nothing(demo_store, empty_store, tmp_path, capsys):
    with demo_store.session() as s:
        services = exporter.services(s, "demo")
    one = tmp_path / "one.json"
    one.write_text(json.dumps(services[0]))
    assert main(["import", str(one), "--dry-run"]) == 0
    assert _count(empty_store) == 0  # a dry run writes nothing
    bad = [services[1], {**services[2], "status": "kaputt", "minimum_age": "alt"}]
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    assert main(["import", str(tmp_path / "bad.json")]) == 1
    out = capsys.readouterr().out
    assert "Eintrag 2" in out and "Spalte status" in out and "Spalte minimum_age" in out
    assert _count(empty_store) == 0  # the good entry was not written either
    assert main(["import", str(one)]) == 0
    assert _count(empty_store) == 1


def test_kommune_binding(demo_store, empty_store, tmp_path, capsys):
    with demo_store.session() as s:
        services = exporter.services(s, "demo")[:2]
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(services))
    assert main(["import", str(path), "--kommune", "koeln"]) == 1
    assert "eingespielt wird nur für 'koeln'" in capsys.readouterr().out
    report = importer.run(empty_store, path, kommune_id="demo", allow_national=False)
    assert report.ok


def _sheet_bytes(rows: list[dict]) -> bytes:
    wb = load_workbook(io.BytesIO(sheet.template_xlsx({"sprache": "Deutsch lernen"})))
    ws = wb["Angebote"]
    headers = [c.value for c in ws[1]]
    for row in rows:
        ws.append([row.get(h.rstrip(" *"), "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROW = {"Name des Angebots": "Sprachcafé Beispieldorf", "Beschreibung": "Deutsch üben.",
       "Träger": "Verein Miteinander", "Themen": "sprache, Ehrenamt",
       "Gemeinden": "Beispieldorf", "Öffnungszeiten": "Mo-Fr 9-12, Di 14-16",
       "Straße und Hausnummer": "Dorfstraße 1", "PLZ": "99998", "Ort": "Beispieldorf",
       "Telefon": "0000 1; 0000 2", "Sprachen": "de, Arabisch", "Alter von": 16,
       "Aufenthaltsstatus": "duldung, Aufenthaltsgestattung", "Zuletzt geprüft": "01.10.2026",
       "Name (en)": "Language café", "Art der Stelle": "", "Nur mit Termin": "nein"}


def test_spreadsheet_template_import_is_stable(empty_store):
    data = _sheet_bytes([ROW])
    first = importer.run(empty_store, ("angebote.xlsx", data), kommune_id="demo")
    assert first.ok, [p.text() for p in first.problems]
    assert len(first.result.new) == 1  # the BEISPIEL row is not imported
    offer = empty_store.offers("demo")[0]
    assert offer.name == "Sprachcafé Beispieldorf" and offer.kommune_id == "demo"
    assert set(offer.categories) == {"sprache", "ehrenamt"}
    assert offer.gemeinde_ids == ("demo-beispieldorf",)
    assert [(s.days, s.opens_at, s.closes_at) for s in offer.schedule] == [
        (("MO", "TU", "WE", "TH", "FR"), "09:00", "12:00"), (("TU",), "14:00", "16:00")]
    assert offer.languages == ("de", "ar") and offer.min_age == 16
    assert offer.residence_statuses == ("duldung", "gestattung")
    assert offer.translations["en"][0] == "Language café"
    again = importer.run(empty_store, ("angebote.xlsx", data), kommune_id="demo")
    assert again.result.unchanged == 1 and not again.result.touched


def test_spreadsheet_report_names_row_and_column(empty_store):
    bad = {**ROW, "Öffnungszeiten": "Mo-Fr 9-12 mittags", "Themen": "kochen",
           "Gemeinden": "Köln", "Nur mit Termin": "vielleicht"}
    report = importer.run(empty_store, ("a.xlsx", _sheet_bytes([ROW, bad])),
                          kommune_id="demo")
    texts = [p.text() for p in report.errors]
    assert any(t.startswith("Zeile 4, Spalte Öffnungszeiten: 'Mo-Fr 9-12 mittags'")
               and "Mo-Fr 9-12, Di 14-16" in t for t in texts), texts
    assert any(t.startswith("Zeile 4, Spalte Themen: 'kochen'") for t in texts)
    assert any(t.startswith("Zeile 4, Spalte Gemeinden: 'Köln'") for t in texts)
    assert any(t.startswith("Zeile 4, Spalte Nur mit Termin") for t in texts)
    assert not report.applied and _count(empty_store) == 0


def test_csv_template_with_semicolons(empty_store):
    text = sheet.template_csv().decode("utf-8-sig")
    header = text.splitlines()[0].split(";")
    buf = io.StringIO()
    csv.writer(buf, delimiter=";").writerow([ROW.get(h.rstrip(" *"), "") for h in header])
    data = (text + buf.getvalue()).encode("utf-8-sig")
    report = importer.run(empty_store, ("angebote.csv", data), kommune_id="demo")
    assert report.ok and len(report.result.new) == 1, [p.text() for p in report.problems]


def test_template_has_help_sheet_and_neutral_cells():
    wb = load_workbook(io.BytesIO(sheet.template_xlsx({"sprache": "Deutsch lernen"})))
    assert wb.sheetnames == ["Angebote", "Hilfe"]
    help_text = " ".join(str(c.value) for row in wb["Hilfe"].iter_rows() for c in row)
    assert "Öffnungszeiten" in help_text and "sprache" in help_text and "duldung" in help_text
    for row in wb["Angebote"].iter_rows():
        for c in row:
            assert c.data_type != "f"


def test_limits_refuse_big_files_rows_and_zip_bombs(empty_store):
    with pytest.raises(ImportRefused, match="MB"):
        importer.run(empty_store, ("a.json", b"[" + b" " * 5000 + b"]"),
                     limits=Limits(max_bytes=1000))
    rows = json.dumps([{"name": f"x{i}"} for i in range(11)]).encode()
    with pytest.raises(ImportRefused, match="mehr als 10"):
        importer.run(empty_store, ("a.json", rows), limits=Limits(max_rows=10))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("services.csv", "id\n" + "0" * 2_000_000)
    with pytest.raises(ImportRefused, match="entpackt"):
        importer.run(empty_store, ("p.zip", buf.getvalue()),
                     limits=Limits(max_unpacked_bytes=1_000_000))
    wb = Workbook()
    for i in range(12):
        wb.active.append([f"r{i}"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ImportRefused, match="mehr als 10"):
        importer.run(empty_store, ("a.xlsx", out.getvalue()), limits=Limits(max_rows=10))


@pytest.mark.parametrize(("text", "slots", "appointment"), [
    ("Mo-Fr 9-12, Di 14-16", [("MO,TU,WE,TH,FR", "09:00", "12:00"), ("TU", "14:00", "16:00")],
     False),
    ("Mo, Mi 9:00-12:30 und 14-16 Uhr", [("MO,WE", "09:00", "12:30"),
                                          ("MO,WE", "14:00", "16:00")], False),
    ("nach Vereinbarung", [], True),
    ("Termine nach Vereinbarung; Do 8.30 bis 12", [("TH", "08:30", "12:00")], True),
    ("täglich 0-24", [("MO,TU,WE,TH,FR,SA,SU", "00:00", "24:00")], False),
    ("Montags 9-11; Sa geschlossen", [("MO", "09:00", "11:00")], False),
])
def test_opening_hours(text, slots, appointment):
    h = parse_hours(text)
    assert [(",".join(d), o, c) for d, o, c in h.slots] == slots
    assert h.appointment_only is appointment


@pytest.mark.parametrize("text", ["Mo-Fr 9-12 mittags", "9-12", "Mo 12-9", "Mo 25-26",
                                  "Mo-Fr", "Fr-Mo 9-12"])
def test_opening_hours_errors_say_what_is_expected(text):
    with pytest.raises(HoursError, match="erwartet z. B. 'Mo-Fr 9-12, Di 14-16'"):
        parse_hours(text)


def test_import_writes_the_offer_history_and_can_be_undone(empty_store):
    from directory import editing
    from directory.hsds.history import ImportHistory

    actor = editing.Actor("cli", "lotse import")
    first = importer.run(empty_store, ("a.xlsx", _sheet_bytes([ROW])), kommune_id="demo",
                         history=ImportHistory(actor))
    sid = first.result.new[0]
    changed = {**ROW, "Beschreibung": "Deutsch üben, jetzt auch samstags."}
    second = importer.run(empty_store, ("a.xlsx", _sheet_bytes([changed])),
                          kommune_id="demo", history=ImportHistory(actor))
    assert second.result.changed == [sid]
    with empty_store.session.begin() as s:
        entries = editing.history(s, sid)
        assert [e.action for e in entries] == ["import", "create"]
        assert [c["field"] for c in entries[0].changes] == ["description"]
        editing.undo(s, entries[0].id, actor, sid)
    assert empty_store.offers("demo")[0].description == "Deutsch üben."


def test_organization_by_id_from_the_file_or_the_store(demo_store, empty_store, tmp_path):
    with demo_store.session() as s:
        services = [x for x in exporter.services(s, "demo")][:40]
    org_id = services[0]["organization_id"]
    same_org = [x for x in services if x["organization_id"] == org_id]
    lean = [same_org[0]] + [{k: v for k, v in x.items() if k != "organization"}
                            for x in same_org[1:]]
    path = tmp_path / "lean.json"
    path.write_text(json.dumps(lean))
    report = importer.run(empty_store, path)
    assert report.ok, [p.text() for p in report.problems]
    again = {k: v for k, v in same_org[0].items() if k != "organization"}
    path.write_text(json.dumps(again))
    assert importer.run(empty_store, path).result.unchanged == 1  # found in the store
    orphan = {**again, "organization_id": "00000000-0000-4000-8000-00000000abcd"}
    path.write_text(json.dumps(orphan))
    assert any(p.field == "organization" for p in importer.run(empty_store, path).errors)


def test_official_hsds_example_imports_with_a_kommune(empty_store):
    from pathlib import Path

    example = Path("/work/shared/hsds-3.1/examples/service_full.json")
    if not example.exists():
        pytest.skip("the HSDS examples are not next to this checkout")
    report = importer.run(empty_store, example, kommune_id="demo")
    assert report.ok and report.applied, [p.text() for p in report.problems]
    assert {p.level for p in report.problems} == {"Hinweis"}  # foreign topics, free-text area
    assert empty_store.offers("demo")[0].name == "Community Counselling"


def test_offers_as_spreadsheet_import_unchanged_and_edit_one(demo_store, tmp_path):
    """A Kommune downloads its offers as the template, edits one cell, uploads it again."""
    with demo_store.session() as s:
        data = exporter.sheet_xlsx(s, "demo")
        before = exporter.to_json(s, "demo")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Angebote", "Hilfe"]
    rows = list(wb["Angebote"].iter_rows(values_only=True))
    assert len(rows) - 1 == len(demo_store.offers("demo")) - len(
        [o for o in demo_store.offers("demo") if o.scope == "national"])
    same = importer.run(demo_store, ("angebote.xlsx", data), kommune_id="demo")
    assert same.ok, [p.text() for p in same.errors][:5]
    assert not same.result.touched and same.result.unchanged == len(rows) - 1
    with demo_store.session() as s:
        assert exporter.to_json(s, "demo") == before  # coordinates, contacts, ids all kept
    header = [str(h).rstrip(" *") for h in rows[0]]
    col = header.index("Öffnungszeiten") + 1
    wb["Angebote"].cell(row=2, column=col, value="Mo-Fr 8-18")
    buf = io.BytesIO()
    wb.save(buf)
    edited = importer.run(demo_store, ("angebote.xlsx", buf.getvalue()), kommune_id="demo")
    assert len(edited.result.changed) == 1 and edited.result.unchanged == len(rows) - 2
    offer = demo_store.offers(ids=edited.result.changed)[0]
    assert [(s.days, s.opens_at, s.closes_at) for s in offer.schedule] == [
        (("MO", "TU", "WE", "TH", "FR"), "08:00", "18:00")]
    with demo_store.session() as s:
        csv_text = exporter.sheet_csv(s, "demo").decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("ID;Name des Angebots *")


def test_a_kommune_bound_import_cannot_touch_another_kommunes_offer(empty_store):
    koeln = importer.run(empty_store, ("k.xlsx", _sheet_bytes([{**ROW, "Gemeinden": ""}])),
                         kommune_id="koeln")
    assert koeln.ok, [p.text() for p in koeln.problems]
    sid = koeln.result.new[0]
    takeover = {**ROW, "ID": sid, "Name des Angebots": "Übernommen?"}
    report = importer.run(empty_store, ("d.xlsx", _sheet_bytes([takeover])), kommune_id="demo")
    assert any(p.where == "Zeile 3" and p.field == "ID" and "gehört nicht zur Kommune"
               in p.message for p in report.errors)
    assert not report.applied
    assert empty_store.offers(ids=[sid])[0].kommune_id == "koeln"
