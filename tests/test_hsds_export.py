"""HSDS 3.1 export: JSON valid against the official compiled schemas, CSV package valid
with frictionless, the NRW profile as attributes, formulas neutralised (SEC-15)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import frictionless
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from app.settings import Settings
from directory.hsds import profile, tabular
from directory.models import Phone, Service
from ops.cli import main

HSDS = Path(__file__).resolve().parents[2] / "shared" / "hsds-3.1" / "schema" / "compiled"
if not HSDS.exists():  # the worktree layout: /work/wt/<name>
    HSDS = Path("/work/shared/hsds-3.1/schema/compiled")


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((HSDS / f"{name}.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def assert_valid(name: str, obj) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}"
              for e in validator(name).iter_errors(obj)]
    assert not errors, errors[:5]


@pytest.fixture
def data_dir(tmp_path, monkeypatch, demo_store_at):
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LOTSE_MODEL", "")
    store = demo_store_at(Settings())
    return tmp_path, store


def test_json_export_is_valid_hsds_with_the_profile(data_dir, capsys):
    tmp, store = data_dir
    assert main(["export"]) == 0  # the DESIGN contract: bare `lotse export` works
    services = json.loads(capsys.readouterr().out)
    assert len(services) == sum(store.offer_counts().values())
    for s in services:
        assert_valid("service", s)
    assert_valid("service_package", services)
    jmd = next(s for s in services if any(
        a.get("taxonomy_term", {}).get("code") == "jmd" for a in s["attributes"]))
    codes = {a["taxonomy_term"]["code"] for a in jmd["attributes"]}
    assert {"kim-kommune", "kim-scope", "kim-translation-name"} <= codes
    assert jmd["minimum_age"] >= 12 and jmd["maximum_age"] <= 27
    kommune = next(a for a in jmd["attributes"] if a["taxonomy_term"]["code"] == "kim-kommune")
    assert kommune["value"] == "demo" and kommune["taxonomy_term"]["taxonomy_id"] == \
        profile.TAXONOMY_ID


def test_kommune_filter_and_file_output(data_dir):
    tmp, store = data_dir
    out = tmp / "demo.json"
    assert main(["export", "--kommune", "demo", str(out)]) == 0
    services = json.loads(out.read_text())
    assert services and all(
        any(a["value"] == "demo" for a in s["attributes"]
            if a["taxonomy_term"]["code"] == "kim-kommune") for s in services)
    assert main(["export", "--kommune", "nirgendwo", str(out)]) == 2


def test_csv_package_is_valid_folder_and_zip(data_dir):
    tmp, _ = data_dir
    assert main(["export", "--format", "csv", str(tmp / "pkg")]) == 0
    report = frictionless.validate(str(tmp / "pkg" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    names = {r["path"] for r in json.loads((tmp / "pkg" / "datapackage.json").read_text())[
        "resources"]}
    assert {"services.csv", "organizations.csv", "attributes.csv", "schedules.csv",
            "service_at_location.csv", "taxonomy_terms.csv"} <= names
    assert main(["export", "--format", "csv", str(tmp / "pkg.zip")]) == 0
    texts = tabular.read_texts(tmp / "pkg.zip")
    assert texts["services.csv"] == (tmp / "pkg" / "services.csv").read_text()


def test_formulas_are_neutralised_and_restored(data_dir):
    tmp, store = data_dir
    with store.session.begin() as s:
        svc = s.get(Service, next(iter(x.id for x in store.offers("demo"))))
        svc.name = '=HYPERLINK("http://evil.example","klick")'
        svc.description = "@SUM(A1)\tx"
        s.add(Phone(id="00000000-0000-4000-8000-000000000001", service_id=svc.id,
                    number="+49 211 000"))
        sid = svc.id
    assert main(["export", "--format", "csv", str(tmp / "pkg")]) == 0
    text = (tmp / "pkg" / "services.csv").read_text()
    assert "'=HYPERLINK" in text and "'@SUM" in text
    for path in (tmp / "pkg").glob("*.csv"):
        for line in path.read_text().splitlines()[1:]:
            for cell in line.split(","):
                assert not cell.startswith(("=", "+", "@", '"=', '"+', '"@'))
    nested = dict((s["id"], s) for _, s in tabular.nest(tabular.read_texts(tmp / "pkg")))
    assert nested[sid]["name"].startswith("=HYPERLINK")
    assert "+49 211 000" in {p["number"] for p in nested[sid]["phones"]}


def test_a_separator_followed_by_a_formula_is_neutralised_in_every_cell(data_dir):
    """CWE-1236: a German Excel splits a comma-separated cell at `;`, so the part after it
    must not start a formula either; the importers restore the exact text."""
    from directory.hsds.cells import neutralise, restore

    attack = "Kostenlos;=cmd|' /C calc'!A0"
    assert neutralise(attack) == "Kostenlos;'=cmd|' /C calc'!A0"
    for text in (attack, "a,+1", "x\t@SUM(A1)", "b; -2", "c;'=d", "=e;=f", "\t=g",
                 "ohne Formel; mit Text", "Mo-Fr 9-12, Di 14-16", "'quote"):
        assert restore(neutralise(text)) == text, text
        for part in re.split(r"[;,\t]", neutralise(text))[1:]:
            assert not part.lstrip(" ").startswith(("=", "+", "-", "@")), (text, part)
    tmp, store = data_dir
    with store.session.begin() as s:
        svc = s.get(Service, next(iter(x.id for x in store.offers("demo"))))
        svc.fees_description = attack
        sid = svc.id
    assert main(["export", "--format", "csv", str(tmp / "pkg")]) == 0
    assert attack not in (tmp / "pkg" / "services.csv").read_text()
    nested = dict((s["id"], s) for _, s in tabular.nest(tabular.read_texts(tmp / "pkg")))
    assert nested[sid]["fees_description"] == attack
    assert main(["export", "--format", "sheet-csv", "--kommune", "demo",
                 str(tmp / "sheet.csv")]) == 0
    sheet_text = (tmp / "sheet.csv").read_text(encoding="utf-8-sig")
    assert "Kostenlos;'=cmd" in sheet_text and attack not in sheet_text
