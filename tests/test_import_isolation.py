"""SEC-22 on every import path: a Kommune-bound import (an editor of Köln, `--kommune koeln`)
that reuses the id of another Kommune's provider, place, address, phone, opening slot or
language is refused on that row and field, and nothing is applied: HSDS JSON, the CSV
data package (zip and folder), the spreadsheet (XLSX and CSV), the web upload and the
CLI. Also: the same child id twice in one file is a check error, not a crash at apply."""

from __future__ import annotations

import copy
import io
import json
import uuid
import zipfile

import pytest
from openpyxl import load_workbook
from staffkit import add_user, csrf_of, login

from app.settings import Settings
from directory.hsds import exporter, importer, sheet, tabular
from directory.models import Address, Language, Location, Organization, Phone, Schedule
from ops.cli import main

OTHER = "koeln"  # the attacker's Kommune; the victim is the demo Kommune


@pytest.fixture
def demo_store(tmp_path, monkeypatch, demo_store_at):
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("LOTSE_MODEL", "")
    return demo_store_at(Settings())


def _victim(store) -> dict:
    """A demo service with a provider, a place with an address, phones, hours, languages."""
    with store.session() as s:
        for svc in exporter.services(s, "demo"):
            locs = svc.get("service_at_locations") or []
            if (svc.get("phones") and svc.get("schedules") and svc.get("languages") and locs
                    and locs[0]["location"].get("addresses")):
                return svc
    raise AssertionError("no demo service with every part")


def _fresh(obj):
    """Every `id` in a nested HSDS object replaced by a new UUID."""
    if isinstance(obj, dict):
        return {k: (str(uuid.uuid4()) if k == "id" else _fresh(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_fresh(x) for x in obj]
    return obj


def _kommune(svc: dict, kommune: str) -> dict:
    for a in svc.get("attributes") or []:
        if (a.get("taxonomy_term") or {}).get("code") == "kim-kommune":
            a["value"] = kommune
    return svc


REUSED = {
    # part: (where its id is taken from the victim, field named in the report)
    "organization": "organization.id",
    "location": "service_at_locations.location.id",
    "address": "service_at_locations.location.addresses.id",
    "phone": "phones",
    "schedule": "schedules",
    "language": "languages",
}


def _hostile(victim: dict, part: str) -> dict:
    """The victim with new ids everywhere except `part`, new names, owned by Köln."""
    svc = _fresh(copy.deepcopy(victim))
    svc["name"] = "Übernahme Test"
    svc["organization_id"] = svc["organization"]["id"]
    for sal in svc["service_at_locations"]:
        sal["location_id"] = sal["location"]["id"]
        for a in sal["location"].get("addresses") or []:
            a["location_id"] = sal["location"]["id"]
    svc["organization"]["name"] = "Gekaperter Träger"
    loc = svc["service_at_locations"][0]["location"]
    loc["addresses"][0]["address_1"] = "Gekaperte Straße 1"
    vloc = victim["service_at_locations"][0]["location"]
    if part == "organization":
        svc["organization"]["id"] = victim["organization"]["id"]
        svc["organization_id"] = victim["organization"]["id"]
    elif part == "location":
        loc["id"] = vloc["id"]
        for a in loc["addresses"]:
            a["location_id"] = vloc["id"]
        svc["service_at_locations"][0]["location_id"] = vloc["id"]
    elif part == "address":
        loc["addresses"][0]["id"] = vloc["addresses"][0]["id"]
    else:
        key = part + "s"
        svc[key][0]["id"] = victim[key][0]["id"]
        svc[key][0]["number" if part == "phone" else "description"] = "0000 666"
    for key in ("phones", "schedules", "languages", "contacts", "service_areas"):
        for child in svc.get(key) or []:
            child["service_id"] = svc["id"]
    for sal in svc.get("service_at_locations") or []:
        sal["service_id"] = svc["id"]
    return _kommune(svc, OTHER)


def _snapshot(store) -> dict:
    with store.session() as s:
        return {m.__name__: sorted(map(repr, s.execute(m.__table__.select()).all()))
                for m in (Organization, Location, Address, Phone, Schedule, Language)}


def _refused(report, field: str) -> None:
    assert not report.ok and not report.applied
    assert any(field in p.field and "gehört" in p.message for p in report.errors), \
        [p.text() for p in report.errors]


@pytest.mark.parametrize("part", list(REUSED))
def test_hsds_json_reusing_another_kommunes_ids_is_refused(demo_store, part):
    victim = _victim(demo_store)
    before = _snapshot(demo_store)
    data = json.dumps([_hostile(victim, part)]).encode()
    report = importer.run(demo_store, ("angriff.json", data), kommune_id=OTHER)
    _refused(report, REUSED[part])
    assert report.result.new == [] and _snapshot(demo_store) == before


@pytest.mark.parametrize("part", ["organization", "location", "address", "phone"])
def test_csv_package_zip_reusing_ids_is_refused(demo_store, part):
    victim = _victim(demo_store)
    before = _snapshot(demo_store)
    texts = tabular.files(tabular.flatten([_hostile(victim, part)], [], []))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in texts.items():
            z.writestr(name, text)
    report = importer.run(demo_store, ("paket.zip", buf.getvalue()), kommune_id=OTHER)
    _refused(report, REUSED[part])
    assert _snapshot(demo_store) == before


def test_cli_folder_package_and_json_with_kommune_are_refused(demo_store, tmp_path, capsys):
    victim = _victim(demo_store)
    before = _snapshot(demo_store)
    folder = tmp_path / "paket"
    tabular.write(folder, tabular.flatten([_hostile(victim, "schedule")], [], []))
    assert main(["import", str(folder), "--kommune", OTHER]) == 1
    out = capsys.readouterr().out
    assert "schedules" in out and "gehört zu einem anderen Angebot" in out
    one = tmp_path / "angriff.json"
    one.write_text(json.dumps(_hostile(victim, "organization")))
    assert main(["import", str(one), "--kommune", OTHER]) == 1
    out = capsys.readouterr().out
    assert "organization.id" in out and "'demo'" in out and "Nichts übernommen" in out
    assert _snapshot(demo_store) == before


def _shared_offer(store, victim: dict) -> str:
    """A state-wide import (no Kommune) gives Köln an offer on demo's provider and place."""
    svc = _hostile(victim, "organization")
    vloc = victim["service_at_locations"][0]["location"]
    svc["service_at_locations"][0]["location"] = copy.deepcopy(vloc)
    svc["service_at_locations"][0]["location_id"] = vloc["id"]
    svc["organization"] = copy.deepcopy(victim["organization"])
    report = importer.run(store, ("admin.json", json.dumps([svc]).encode()))
    assert report.applied, [p.text() for p in report.errors]
    return svc["id"]


def _sheet_row(store, sid: str) -> dict:
    """The spreadsheet row of Köln's offer as the export writes it."""
    with store.session() as s:
        head, rows = exporter._sheet(s, OTHER)
    row = next(r for r in rows if r[0] == sid)
    return {h.rstrip(" *"): v for h, v in zip(head, row, strict=True)}


def _xlsx(rows: list[dict]) -> bytes:
    wb = load_workbook(io.BytesIO(sheet.template_xlsx({})))
    ws = wb["Angebote"]
    headers = [c.value.rstrip(" *") for c in ws[1]]
    for row in rows:
        ws.append([row.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv(rows: list[dict]) -> bytes:
    headers = sheet.headers()
    return sheet.csv_bytes(headers, [[row.get(h.rstrip(" *"), "") for h in headers]
                                     for row in rows])


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_spreadsheet_cannot_change_a_provider_or_place_shared_with_another_kommune(
        demo_store, kind):
    victim = _victim(demo_store)
    sid = _shared_offer(demo_store, victim)
    before = _snapshot(demo_store)
    row = _sheet_row(demo_store, sid) | {"Website des Trägers": "https://gekapert.example"}
    data = _xlsx([row]) if kind == "xlsx" else _csv([row])
    report = importer.run(demo_store, (f"angebote.{kind}", data), kommune_id=OTHER)
    assert not report.ok and not report.applied
    fields = {p.field for p in report.errors if p.where == "Zeile 3" or kind == "csv"}
    assert {"Träger", "Standort"} <= fields, [p.text() for p in report.errors]
    assert _snapshot(demo_store) == before


def test_duplicate_phone_and_language_ids_in_one_file_are_check_errors(demo_store,
                                                                       tmp_path, capsys):
    victim = _victim(demo_store)
    a, b = (_fresh(copy.deepcopy(victim)) for _ in range(2))
    for x, name in ((a, "Doppelt A"), (b, "Doppelt B")):
        x["name"] = name
        _kommune(x, "demo")
    b["phones"][0]["id"] = a["phones"][0]["id"]
    b["languages"][0]["id"] = a["languages"][0]["id"]
    path = tmp_path / "doppelt.json"
    path.write_text(json.dumps([a, b]))
    assert main(["import", str(path), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "phones" in out and "languages" in out and "mehrfach in der Datei" in out
    assert main(["import", str(path)]) == 1  # no IntegrityError at apply: refused before


def test_another_kommunes_phone_id_is_refused_even_state_wide(demo_store):
    """Without a Kommune (state-wide) a phone id of another offer still cannot be taken."""
    victim = _victim(demo_store)
    report = importer.run(demo_store, ("x.json", json.dumps(
        [_kommune(_hostile(victim, "phone"), "demo")]).encode()))
    _refused(report, "phones")


def test_legitimate_reimport_of_the_own_export_still_works(demo_store):
    with demo_store.session() as s:
        own = exporter.to_json(s, "demo")
    report = importer.run(demo_store, ("demo.json", own.encode()), kommune_id="demo")
    assert report.ok, [p.text() for p in report.errors][:5]
    assert report.applied and report.result.new == [] and report.result.changed == []


# --- the web upload, as an editor of Köln -------------------------------------------------


def _app(tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app, open_store
    from app.services import Services
    from index.engine import SearchEngine

    own = Settings(data_dir=tmp_path / "web", model="")
    store = open_store(own)
    engine = SearchEngine(None)
    engine.build(store.offers())
    return TestClient(create_app(own, Services(own, store, engine, ready=True)),
                      base_url="https://testserver")


def _finished(client, url: str) -> str:
    import time

    for _ in range(600):
        page = client.get(url, headers={"HX-Request": "true"})
        if "hx-trigger" not in page.text:
            return client.get(url).text
        time.sleep(0.05)
    raise AssertionError("the import job did not finish")


def test_web_upload_by_another_kommunes_editor_is_refused(tmp_path):
    c = _app(tmp_path)
    store = c.app.state.services.store
    _, secret = add_user(c, "edi_koeln", ("editor",), OTHER)
    assert login(c, "edi_koeln", secret).status_code == 303
    token = csrf_of(c)
    victim = _victim(store)
    before = _snapshot(store)
    data = json.dumps([_hostile(victim, "organization"), _hostile(victim, "address")]).encode()
    r = c.post("/staff/import", data={"csrf_token": token},
               files={"file": ("angriff.json", data, "application/json")},
               follow_redirects=False)
    url = r.headers["location"]
    page = _finished(c, url)
    assert "organization.id" in page and "addresses.id" in page and "gehört" in page
    applied = c.post(f"{url}/apply", data={"csrf_token": token}, follow_redirects=False)
    assert applied.status_code == 409
    assert _snapshot(store) == before
