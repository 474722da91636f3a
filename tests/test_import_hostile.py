"""Hostile import files (SEC-15, SEC-23): zip bombs that lie about their sizes, deep JSON,
wrong JSON types, a lone surrogate, a CSV field over the csv module's limit. Each one is a
German message (by row and field where there is one), nothing applied, `lotse import`
exits 2 (refused) or 1 (errors), never a traceback; the web page shows the messages."""

from __future__ import annotations

import io
import json
import struct
import uuid
import zipfile

import pytest
from staffkit import add_user, csrf_of, login

from app.settings import Settings
from directory.hsds import importer, sheet
from directory.hsds.importer import ImportRefused, Limits
from directory.models import Service
from directory.store import Store
from ops.cli import main

REAL = 20_000_000  # bytes a lying member really inflates to
LIMIT = 5_000_000  # LOTSE_IMPORT_MAX_UNPACKED_BYTES in these tests


def lying_zip(members: dict[str, bytes], liar: str, declared: int = 100) -> bytes:
    """A zip whose member `liar` declares `declared` bytes (central directory and local
    header) but inflates to its real size: the zip bomb of the security test."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    raw = bytearray(buf.getvalue())
    real = len(members[liar])
    name = liar.encode()
    local = raw.find(b"PK\x03\x04" + raw[4:4])  # first local header
    while local != -1:
        if raw[local + 30:local + 30 + len(name)] == name:
            assert struct.unpack_from("<I", raw, local + 22)[0] == real
            struct.pack_into("<I", raw, local + 22, declared)
        local = raw.find(b"PK\x03\x04", local + 4)
    central = raw.find(b"PK\x01\x02")
    while central != -1:
        if raw[central + 46:central + 46 + len(name)] == name:
            assert struct.unpack_from("<I", raw, central + 24)[0] == real
            struct.pack_into("<I", raw, central + 24, declared)
        central = raw.find(b"PK\x01\x02", central + 4)
    patched = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    assert patched.getinfo(liar).file_size == declared
    return bytes(raw)


@pytest.fixture
def store(tmp_path, monkeypatch, demo_store_at) -> Store:
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("LOTSE_MODEL", "")
    monkeypatch.setenv("LOTSE_IMPORT_MAX_UNPACKED_BYTES", str(LIMIT))
    return demo_store_at(Settings())


def _count(store) -> int:
    with store.session() as s:
        return s.query(Service).count()


def _package_bomb() -> bytes:
    return lying_zip({"datapackage.json": b"{}", "services.csv": b"id,name\n" + b"a" * REAL},
                     "services.csv")


def _xlsx_bomb() -> bytes:
    with zipfile.ZipFile(io.BytesIO(sheet.template_xlsx({}))) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    members["xl/sharedStrings.xml"] = b"<sst>" + b" " * REAL + b"</sst>"
    return lying_zip(members, "xl/sharedStrings.xml")


@pytest.mark.parametrize("name,make", [("paket.zip", _package_bomb),
                                       ("angebote.xlsx", _xlsx_bomb)])
def test_zip_bombs_that_lie_are_refused_by_the_bytes_inflated(store, tmp_path, capsys,
                                                              name, make):
    data = make()
    assert len(data) < 200_000
    limits = Limits(max_unpacked_bytes=LIMIT)
    with pytest.raises(ImportRefused, match="entpackt größer als 5 MB"):
        importer.read(name, data, None, limits)
    path = tmp_path / name
    path.write_bytes(data)
    before = _count(store)
    assert main(["import", str(path), "--dry-run"]) == 2
    assert "entpackt größer als 5 MB" in capsys.readouterr().err
    assert main(["import", str(path)]) == 2
    assert _count(store) == before


def test_a_member_smaller_than_declared_is_refused_too():
    data = lying_zip({"services.csv": b"id,name\n" + b"b" * 5000}, "services.csv",
                     declared=9000)
    with pytest.raises(ImportRefused, match="beschädigt"):
        importer.read("p.zip", data, None, Limits())


def _service(**over) -> dict:
    svc = {"id": str(uuid.uuid4()), "name": "Robust", "description": "Test",
           "organization": {"id": str(uuid.uuid4()), "name": "Träger"},
           "attributes": [{"taxonomy_term": {"code": "kim-kommune"}, "value": "demo"},
                          {"taxonomy_term": {"code": "sprache"}}]}
    return svc | over


CASES = {
    "phones_number": ([_service(phones=5)], "phones", "Liste von Objekten"),
    "org_list": ([_service(organization=["x"])], "organization", "erwartet ein Objekt"),
    "name_dict": ([_service(name={"de": "x"})], "name", "keine Liste"),
    "code_number": ([_service(attributes=[{"taxonomy_term": {"code": 7}}])],
                    "attributes[0].taxonomy_term.code", "erwartet einen Text"),
    "label_list": ([_service(languages=[{"code": ["de"]}])], "languages[0].code",
                   "keine Liste"),
    "surrogate": ([_service(name="Kurs \ud800")], "name", "Surrogat"),
    "nested": ([_service(funding=[[[[[[[[[[[[[[["tief"]]]]]]]]]]]]]]])], "funding",
               "verschachtelt"),
    "huge_text": ([_service(description="x" * 30_000)], "description", "länger als"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_json_is_a_message_by_entry_and_field(store, tmp_path, capsys, case):
    doc, field, words = CASES[case]
    path = tmp_path / "x.json"
    path.write_text(json.dumps(doc), encoding="utf-8")  # json escapes the surrogate
    before = _count(store)
    assert main(["import", str(path), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "Eintrag 1" in out and field in out and words in out, out
    assert main(["import", str(path)]) == 1 and _count(store) == before


def test_json_nested_beyond_the_parser_is_refused(store, tmp_path, capsys):
    path = tmp_path / "tief.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    assert main(["import", str(path), "--dry-run"]) == 2
    assert "zu tief verschachtelt" in capsys.readouterr().err


def test_a_csv_field_over_the_csv_modules_limit(store, tmp_path, capsys):
    head = sheet.headers()
    row = [""] * len(head)
    row[head.index("Name des Angebots *")] = "Langer Text"
    row[head.index("Beschreibung *")] = "x" * 131_073
    row[head.index("Träger *")] = "Träger"
    row[head.index("Themen *")] = "sprache"
    path = tmp_path / "lang.csv"
    path.write_bytes(sheet.csv_bytes(head, [row]))
    assert main(["import", str(path), "--dry-run", "--kommune", "demo"]) == 1
    out = capsys.readouterr().out
    assert "Zeile 2, Spalte Beschreibung: ist länger als 20000 Zeichen" in out
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "services.csv").write_text("id,name,description,organization_id\n"
                                      f"{uuid.uuid4()},Lang,{'y' * 131_073},{uuid.uuid4()}\n")
    assert main(["import", str(pkg), "--dry-run", "--kommune", "demo"]) == 1
    out = capsys.readouterr().out
    assert "services.csv, Zeile 2" in out and "description" in out


def test_the_web_page_shows_the_messages(tmp_path, demo_store_at):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.services import Services
    from index.engine import SearchEngine

    own = Settings(data_dir=tmp_path / "web", model="", import_max_unpacked_bytes=LIMIT)
    st = demo_store_at(own)
    engine = SearchEngine(None)
    engine.build(st.offers())
    c = TestClient(create_app(own, Services(own, st, engine, ready=True)),
                   base_url="https://testserver")
    _, secret = add_user(c, "edi", ("editor",), "demo")
    assert login(c, "edi", secret).status_code == 303
    token = csrf_of(c)

    def upload(name: str, data: bytes) -> str:
        import time

        r = c.post("/staff/import", data={"csrf_token": token},
                   files={"file": (name, data, "application/octet-stream")},
                   follow_redirects=False)
        url = r.headers["location"]
        for _ in range(600):
            page = c.get(url, headers={"HX-Request": "true"})
            if "hx-trigger" not in page.text:
                return c.get(url).text
            time.sleep(0.05)
        raise AssertionError("the job did not finish")

    page = upload("x.json", json.dumps([_service(phones=5)]).encode())
    assert "phones" in page and "Liste von Objekten" in page
    page = upload("bombe.zip", _package_bomb())
    assert "entpackt größer als 5 MB" in page
