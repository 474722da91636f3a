"""Imports never undo newer work (issue 16): the dry run lists per offer the fields that
change, old -> new; a row older than the offer's last change is a conflict, kept as the
directory has it unless the editor takes the file's row or merges field by field; the
template and the exports carry all 14 UI languages and a re-import round-trips them.
Every import path (spreadsheet XLSX and CSV, HSDS JSON, the CSV data package), the web
upload and the CLI; an editor of another Kommune changes nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from staffkit import add_user, csrf_of, login
from test_hsds_upload import _finished, _upload, app_client  # noqa: F401 (fixture)

from app.responsibility.vocab import LEGAL_DOMAINS
from app.settings import UI_LANGUAGES, Settings
from directory import drafts, editing
from directory.hsds import conflicts, exporter, importer, sheet
from directory.records import read_records
from ops.cli import main

ED = editing.Actor("u-web", "Erika Web")
NEW_PHONE = "0221 999 000"


@pytest.fixture
def store(tmp_path, monkeypatch, demo_store_at):
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("LOTSE_MODEL", "")
    return demo_store_at(Settings())


def _offer(store, kommune="demo"):
    """A demo offer with a phone and opening hours (the fields the issue saw go back)."""
    with store.session() as s:
        return next(r for r in read_records(s, kommune_id=kommune)
                    if r.phones and r.schedules)


def _web_edit(store, offer_id, **values):
    """An editor's change in the web form (the newer work an old export must not undo)."""
    raw = {"phones": [{"number": NEW_PHONE, "description": None}],
           "schedule": [{"days": ["TU"], "opens": "10:00", "closes": "11:00"}],
           "cost": "2 € pro Treffen", **values}
    with store.session.begin() as s:
        return editing.update(s, offer_id, raw, ED, drafts.choices(s, LEGAL_DOMAINS), None)


def _state(store, offer_id):
    with store.session() as s:
        return read_records(s, [offer_id])[0]


def _xlsx_with(data: bytes, offer_id: str, **cells) -> bytes:
    """The exported sheet with some cells of one offer's row changed (by header)."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Angebote"]
    head = [str(c.value or "").rstrip(" *") for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == offer_id:
            for header, value in cells.items():
                row[head.index(header)].value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _export(store, kind="xlsx") -> tuple[str, bytes]:
    with store.session() as s:
        if kind == "xlsx":
            return "angebote.xlsx", exporter.sheet_xlsx(s, "demo")
        if kind == "csv":
            return "angebote.csv", exporter.sheet_csv(s, "demo")
        if kind == "package":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                for name, text in exporter.package_files(s, "demo").items():
                    z.writestr(name, text)
            return "paket.zip", buf.getvalue()
        return "angebote.json", exporter.to_json(s, "demo").encode()


@pytest.mark.parametrize("kind", ["xlsx", "csv", "json", "package"])
def test_an_old_export_is_a_conflict_and_keeps_the_newer_work(store, kind):
    offer = _offer(store)
    old = _export(store, kind)
    _web_edit(store, offer.id)
    edited = _state(store, offer.id)

    dry = importer.run(store, old, kommune_id="demo", dry_run=True)
    assert dry.ok and [d.id for d in dry.conflicts] == [offer.id]
    fields = {c.field: c for c in dry.conflicts[0].changes}
    assert {"phones", "schedule", "cost"} <= set(fields)
    assert NEW_PHONE in fields["phones"].before and NEW_PHONE not in fields["phones"].after
    assert fields["schedule"].before.startswith("Di")
    assert dry.summary()["conflicts"] == 1
    assert not [d for d in dry.offers if d.state != conflicts.CONFLICT]  # nothing else

    applied = importer.run(store, old, kommune_id="demo")
    assert applied.applied and applied.kept == [offer.id] and not applied.result.touched
    assert _state(store, offer.id) == edited  # nothing lost

    taken = importer.run(store, old, kommune_id="demo", take_theirs=True)
    assert taken.resolved == {offer.id: "take"}
    back = _state(store, offer.id)
    assert [p.number for p in back.phones] == [p.number for p in offer.phones]
    assert back.last_modified > edited.last_modified  # taking theirs is a new change


def test_merge_takes_the_ticked_fields_and_keeps_the_others(store):
    offer = _offer(store)
    old = _export(store)
    _web_edit(store, offer.id)
    report = importer.run(store, old, kommune_id="demo",
                          choices={offer.id: ["merge", ["schedule", "no-such-field"]]})
    assert report.resolved == {offer.id: "merge"}
    now = _state(store, offer.id)
    assert [p.number for p in now.phones] == [NEW_PHONE]  # ours
    assert now.fees_description == "2 € pro Treffen"  # ours
    assert [(x.byday, x.opens_at) for x in now.schedules] == \
        [(x.byday, x.opens_at) for x in offer.schedules]  # theirs


def test_a_newer_row_lists_its_fields_old_to_new_and_is_applied(store):
    offer = _offer(store)
    name, data = _export(store)
    changed = _xlsx_with(data, offer.id, **{"Kosten": "5 € im Monat", "Telefon": "0221 1"})
    dry = importer.run(store, (name, changed), kommune_id="demo", dry_run=True)
    assert [(d.id, d.state) for d in dry.offers] == [(offer.id, "changed")]
    got = {c.field: (c.before, c.after) for c in dry.offers[0].changes}
    assert got["cost"][1] == "5 € im Monat" and got["phones"][1] == "0221 1"
    assert set(got) == {"cost", "phones"}
    importer.run(store, (name, changed), kommune_id="demo")
    assert _state(store, offer.id).fees_description == "5 € im Monat"


def test_a_row_without_time_that_moves_last_verified_back_is_a_conflict(store):
    offer = _offer(store)
    name, data = _export(store)
    with store.session.begin() as s:
        editing.confirm(s, offer.id, ED, dt.date(2026, 12, 6))
    hand = _xlsx_with(data, offer.id, **{"Zuletzt geändert": None, "Exportiert am": None,
                                         "Zuletzt geprüft": "01.01.2025"})
    dry = importer.run(store, (name, hand), kommune_id="demo", dry_run=True)
    assert [d.id for d in dry.conflicts] == [offer.id]
    assert {c.field for c in dry.conflicts[0].changes} == {"last_verified"}


def test_the_template_and_the_exports_carry_all_14_languages_and_round_trip(store):
    langs = [x for x in UI_LANGUAGES if x != "de"]
    assert len(langs) == 14
    keys = {c.key for c in sheet.COLUMNS}
    expected = {"de-simple" if x == "de-x-simple" else x for x in langs}
    assert {f"name:{x}" for x in expected} | {f"description:{x}" for x in expected} <= keys
    offer = _offer(store)
    name, data = _export(store)
    head = [str(c.value or "").rstrip(" *")
            for c in load_workbook(io.BytesIO(data))["Angebote"][1]]
    for lang in expected:
        assert f"Name ({lang})" in head and f"Beschreibung ({lang})" in head
    assert "Zuletzt geändert" in head and "Exportiert am" in head
    # every language written is read back: a change in each reaches the store
    cells = {f"Beschreibung ({x})": f"Text {x} neu" for x in expected}
    cells.update({f"Name ({x})": f"Name {x} neu" for x in expected})
    importer.run(store, (name, _xlsx_with(data, offer.id, **cells)), kommune_id="demo")
    stored = {t.lang: (t.name, t.description) for t in _state(store, offer.id).translations}
    assert {x: stored.get(x) for x in expected} == {x: (f"Name {x} neu", f"Text {x} neu")
                                                     for x in expected}
    for kind in ("xlsx", "csv", "json", "package"):  # an unchanged export re-imports unchanged
        again = importer.run(store, _export(store, kind), kommune_id="demo")
        assert again.ok and not again.offers and not again.result.touched, kind


def test_a_row_time_cut_by_a_spreadsheet_program_is_compared_at_its_precision(store):
    offer = _offer(store)
    later = dt.datetime(2026, 12, 7, 8, 30, 15, 123456, tzinfo=dt.UTC)
    stored = dataclasses.replace(offer, last_modified=later)
    for row_time, conflict in ((later, False), (later.replace(microsecond=0), False),
                               (later.replace(second=0, microsecond=0), False),
                               (later - dt.timedelta(microseconds=1), True),
                               (later.replace(second=0, microsecond=0)
                                - dt.timedelta(minutes=1), True)):
        assert conflicts.is_conflict(row_time, stored, offer) is conflict, row_time


# --- the command line --------------------------------------------------------------


def test_cli_reports_conflicts_keeps_the_newer_and_takes_theirs_on_request(store, tmp_path,
                                                                          capsys):
    offer = _offer(store)
    path = tmp_path / "alt.xlsx"
    assert main(["export", "--format", "xlsx", "--kommune", "demo", str(path)]) == 0
    _web_edit(store, offer.id)
    capsys.readouterr()
    assert main(["import", str(path), "--kommune", "demo", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"KONFLIKT: {offer.name}" in out and "Konflikte 1" in out
    assert re.search(rf"Telefon: {NEW_PHONE} -> ", out)
    assert main(["import", str(path), "--kommune", "demo"]) == 0
    assert "1 behalten wie im Verzeichnis" in capsys.readouterr().out
    assert [p.number for p in _state(store, offer.id).phones] == [NEW_PHONE]
    assert main(["import", str(path), "--kommune", "demo", "--take-theirs"]) == 0
    assert "1 aus der Datei übernommen" in capsys.readouterr().out
    assert NEW_PHONE not in [p.number for p in _state(store, offer.id).phones]


def test_cli_bound_to_another_kommune_changes_nothing(store, tmp_path, capsys):
    offer = _offer(store)
    path = tmp_path / "demo.xlsx"
    assert main(["export", "--format", "xlsx", "--kommune", "demo", str(path)]) == 0
    path.write_bytes(_xlsx_with(path.read_bytes(), offer.id, Kosten="gekapert"))
    before = _state(store, offer.id)
    for extra in ([], ["--take-theirs"]):
        assert main(["import", str(path), "--kommune", "koeln", *extra]) == 1
        assert "Nichts übernommen" in capsys.readouterr().out
    assert _state(store, offer.id) == before


# --- the web upload ----------------------------------------------------------------


def _editor(client, name, kommune):
    _, secret = add_user(client, name, ("editor",), kommune)
    assert login(client, name, secret).status_code == 303
    return csrf_of(client)


def _job(client, token, name, data):
    r = _upload(client, token, data, name)
    assert r.status_code == 303
    url = r.headers["location"]
    return url, _finished(client, url)


def test_web_dry_run_lists_the_conflict_with_fields_and_the_editor_resolves_it(app_client):  # noqa: F811
    c = app_client()
    store = c.app.state.services.store
    token = _editor(c, "edi", "demo")
    with store.session() as s:
        offer, other = [r for r in read_records(s, kommune_id="demo")
                        if r.phones and r.schedules][:2]
    export = c.get("/staff/import/offers.xlsx")
    assert export.status_code == 200
    _web_edit(store, offer.id)
    data = _xlsx_with(export.content, other.id, Kosten="3 € neu")
    url, page = _job(c, token, "alt.xlsx", data)
    assert f'id="conflict-{offer.id}"' in page and NEW_PHONE in page
    assert "Öffnungszeiten" in page and "3 € neu" in page  # the other offer's change
    assert f'name="take-{offer.id}" value="phones"' in page
    # the form names the conflict's fields; a choice for an offer that is no conflict
    # (or another Kommune's) is not read
    r = c.post(url + "/apply", data={"csrf_token": token, f"choice-{offer.id}": "merge",
                                     f"take-{offer.id}": ["schedule"],
                                     f"choice-{other.id}": "keep"},
               follow_redirects=False)
    assert r.status_code == 303
    done = _finished(c, url)
    assert "merged field by field" in done or "Feld für Feld" in done
    now = _state(store, offer.id)
    assert [p.number for p in now.phones] == [NEW_PHONE]
    assert [(x.byday, x.opens_at) for x in now.schedules] == \
        [(x.byday, x.opens_at) for x in offer.schedules]
    assert _state(store, other.id).fees_description == "3 € neu"


def test_web_import_into_another_kommune_is_refused_on_every_write_path(app_client):  # noqa: F811
    c = app_client()
    store = c.app.state.services.store
    demo_token = _editor(c, "edi", "demo")
    offer = _offer(store)
    export = c.get("/staff/import/offers.xlsx").content
    url_demo, _ = _job(c, demo_token, "alt.xlsx", export)
    c.cookies.clear()
    token = _editor(c, "koelner", "koeln")
    before = _state(store, offer.id)
    for name, data in (("a.xlsx", _xlsx_with(export, offer.id, Kosten="gekapert")),
                       _export(store, "csv"), _export(store, "json"),
                       _export(store, "package")):
        url, page = _job(c, token, name, data)
        assert "koeln" in page and f'action="{url}/apply"' not in page  # errors, no apply
        r = c.post(url + "/apply", data={"csrf_token": token, f"choice-{offer.id}": "take"},
                   follow_redirects=False)
        assert r.status_code == 409
    # the demo editor's job is not Köln's to see or apply
    assert c.get(url_demo).status_code == 404
    assert c.post(url_demo + "/apply", data={"csrf_token": token}).status_code == 404
    assert _state(store, offer.id) == before
