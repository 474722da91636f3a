"""The pre-check's law rules kept in the store (issue 18, deliverable 2, last sentence):
state-level editors change them in the staff area with a preview of the scenarios that
change, every version is kept, an edit applies from its effective day and not before,
Kommune editors only read, invalid rules are refused with a clear message and nothing
changes, another process sees a change at its next request, and `lotse precheck
import/export` round-trips a rules file through the store."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from staffkit import csrf_of, staff_client

from app.precheck import editing, repository
from app.precheck.evaluate import evaluate
from app.precheck.law import load_rules
from app.precheck.models import PrecheckRuleHistory
from app.precheck.scenarios import adult, arrived
from app.settings import Settings
from directory.store import Store
from ops.cli import main

RULE = "25b.residence.2022"
LAST_OLD, FIRST_NEW = dt.date(2027, 5, 31), dt.date(2027, 6, 1)


def _form(store, rule_id: str, **changes) -> dict:
    """The edit form as the page fills it for a stored rule, with some fields changed."""
    with store.session() as s:
        row = repository.get_row(s, rule_id)
        values, version = editing.form_values(row.data), row.version
    form = {k: v for k, v in values.items() if k not in ("documents", "checked")}
    form.update(version=str(version), documents=values["documents"])
    if values["checked"]:
        form["checked"] = "1"
    form.update(changes)
    return form


def _history(store, rule_id: str) -> list[tuple[int, str]]:
    return [(h.version, h.action) for h in repository.history(store, rule_id)]


def _count(store) -> int:
    with store.session() as s:
        return s.query(PrecheckRuleHistory).count()


def _residence(rules, day: dt.date, years: float) -> str:
    person = adult(day, arrived=arrived(day, years))
    found = [f for f in evaluate(person, day, rules)["25b"].findings
             if f.rule.id.startswith("25b.residence")]
    return found[0].state if len(found) == 1 else f"{len(found)} rules"


def test_a_land_editor_ends_a_rule_and_adds_its_next_version_with_preview_and_history(
        make_light_client):
    c, _, _ = staff_client(make_light_client, "land", ("admin",), kommune=None)
    store = c.app.state.services.store
    token = csrf_of(c, "/staff/precheck-rules")
    assert 'href="/staff/precheck-rules"' in c.get("/staff").text  # linked from the start
    listing = c.get("/staff/precheck-rules")
    assert RULE in listing.text and "§ 25b Abs. 1 Satz 2 Nr. 1 AufenthG" in listing.text
    # 1. the 2022 version ends on 31.05.2027
    end = _form(store, RULE, valid_until=LAST_OLD.isoformat(), comment="Gesetzesänderung",
                csrf_token=token)
    r = c.post(f"/staff/precheck-rules/{RULE}", data=end | {"action": "save"},
               follow_redirects=False)
    assert r.status_code == 303, r.text[-800:]
    # 2. the next version, 4 years, from 01.06.2027: the preview names the scenario whose
    # result changes on that day, and nothing is stored by a preview
    new = _form(store, RULE, id="25b.residence.2027", valid_from=FIRST_NEW.isoformat(),
                valid_until="", params=json.dumps({"years": 4, "years_with_minor_child": 3}),
                comment="Neue Fassung", csrf_token=token)
    new.pop("version")
    before = _count(store)
    shown = c.post("/staff/precheck-rules/new", data=new | {"action": "preview"})
    assert shown.status_code == 200, shown.text[-800:]
    row = re.search(r"<tr><td>25b-Abs1-S2-Nr1-v2022-nochild-4years-missing</td>"
                    r"<td>2027-06-01</td><td>(\w+)</td><td>(\w+)</td>", shown.text)
    # on that day the 2022 version has ended already: no residence rule before, met after
    assert row and row.groups() == ("none", "met"), shown.text[-2000:]
    assert _count(store) == before and repository.history(store, "25b.residence.2027") == []
    r = c.post("/staff/precheck-rules/new", data=new | {"action": "save"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(
        "/staff/precheck-rules/25b.residence.2027")
    # the law the pre-check applies: 4 years from 01.06.2027, 6 years the day before
    rules = repository.current_rules(store)
    assert _residence(rules, LAST_OLD, 4.2) == "missing"
    assert _residence(rules, FIRST_NEW, 4.2) == "met"
    assert _residence(None, FIRST_NEW, 4.2) == "missing"  # the shipped file is unchanged
    # every version kept, with who and why
    assert _history(store, RULE) == [(2, "update"), (1, "seed")]
    assert _history(store, "25b.residence.2027") == [(1, "create")]
    page = c.get(f"/staff/precheck-rules/{RULE}")
    assert "Gesetzesänderung" in page.text and "2027-05-31" in page.text
    assert "land" in page.text  # the user name, never the id


def test_an_edit_in_force_today_changes_the_public_pre_check_and_another_process(
        make_light_client):
    c, _, _ = staff_client(make_light_client, "land", ("admin",), kommune=None)
    store = c.app.state.services.store
    other = Store(store.url)  # a second process on the same database
    day = dt.datetime.now(dt.UTC).date()
    assert _residence(repository.current_rules(other), day, 5.2) == "missing"
    assert _public_25b(c) == "missing"  # 6 years asked
    token = csrf_of(c, "/staff/precheck-rules")
    form = _form(store, RULE, params=json.dumps({"years": 5, "years_with_minor_child": 4}),
                 csrf_token=token, action="save")
    assert c.post(f"/staff/precheck-rules/{RULE}", data=form,
                  follow_redirects=False).status_code == 303
    assert _residence(repository.current_rules(other), day, 5.2) == "met"
    other.engine.dispose()
    assert _public_25b(c) == "may_open"


def _public_25b(c) -> str:
    """The outcome of § 25b on the public result page for a tolerated adult who came in
    January five years ago (5 to 6 years here)."""
    answers = {"age": "35", "arrived_year": str(dt.date.today().year - 5),
               "arrived_month": "1", "uninterrupted": "yes", "status": "duldung",
               "status_months": "40", "passport": "yes", "work": "fulltime",
               "livelihood": "own", "german": "A2", "minor_children": "no",
               "convictions": "no", "kommune": "demo", "lang": "en"}
    page = c.get("/precheck/result", params=answers).text
    return re.search(r'data-outcome="(\w+)">\s*<h2>Residence permit for sustainable',
                     page).group(1)


@pytest.mark.parametrize("lang, change, message", [
    ("de", {"valid_until": "2020-01-01"}, "valid_until liegt vor valid_from"),
    ("en", {"valid_until": "2020-01-01"}, "valid_until lies before valid_from"),
    ("en", {"params": "{years: 4"}, "Parameters: not valid JSON"),
    ("de", {"valid_from": "2022-01-01"}, "gelten zugleich"),  # overlaps the 2015 version
    ("en", {"source_law": "BGB"}, "the legal source needs law"),
])
def test_an_invalid_rule_is_refused_in_the_editors_language_and_nothing_changes(
        make_light_client, lang, change, message):
    c, _, _ = staff_client(make_light_client, "land", ("admin",), kommune=None)
    store = c.app.state.services.store
    token = csrf_of(c, "/staff/precheck-rules")
    before, rules = _count(store), repository.current_rules(store)
    form = _form(store, RULE, csrf_token=token, action="save", **change)
    r = c.post(f"/staff/precheck-rules/{RULE}?lang={lang}", data=form)
    assert r.status_code == 422 and message in r.text, r.text[-1500:]
    assert _count(store) == before and repository.current_rules(store) == rules


def test_kommune_editors_read_the_rules_and_may_not_change_them(make_light_client):
    c, _, _ = staff_client(make_light_client, "ed-demo", ("editor",), kommune="demo")
    store = c.app.state.services.store
    token = csrf_of(c, "/staff/precheck-rules")
    assert c.get("/staff/precheck-rules").status_code == 200
    page = c.get(f"/staff/precheck-rules/{RULE}")
    assert page.status_code == 200 and 'name="valid_from"' not in page.text
    assert c.get("/staff/precheck-rules/export").json()["rules"]
    before = _count(store)
    form = _form(store, RULE, csrf_token=token, valid_until="2027-05-31", action="save")
    assert c.post(f"/staff/precheck-rules/{RULE}", data=form).status_code == 403
    assert c.post("/staff/precheck-rules/new", data=form | {"id": "x.y.z"}).status_code == 403
    assert c.get("/staff/precheck-rules/new").status_code == 403
    upload = {"file": ("r.json", json.dumps(repository.export_rules(store)).encode(),
                       "application/json")}
    assert c.post("/staff/precheck-rules/import", data={"csrf_token": token, "apply": "1"},
                  files=upload).status_code == 403
    assert _count(store) == before
    cm, _, _ = staff_client(make_light_client, "cm-demo", ("case_manager",), kommune="demo")
    assert cm.get("/staff/precheck-rules").status_code == 403
    assert cm.get(f"/staff/precheck-rules/{RULE}").status_code == 403


def test_the_web_import_checks_first_and_takes_over_on_request(make_light_client):
    c, _, _ = staff_client(make_light_client, "land", ("admin",), kommune=None)
    store = c.app.state.services.store
    token = csrf_of(c, "/staff/precheck-rules")
    data = c.get("/staff/precheck-rules/export").json()
    rule = next(r for r in data["rules"] if r["id"] == "25b.language")
    rule["note"] = "Geprüft gegen die Neufassung."
    upload = {"file": ("r.json", json.dumps(data).encode(), "application/json")}
    checked = c.post("/staff/precheck-rules/import", data={"csrf_token": token, "apply": "0"},
                     files=upload)
    assert checked.status_code == 200 and "25b.language" in checked.text
    assert "Geprüft gegen die Neufassung." in checked.text
    assert _history(store, "25b.language") == [(1, "seed")]
    taken = c.post("/staff/precheck-rules/import", data={"csrf_token": token, "apply": "1"},
                   files=upload)
    assert taken.status_code == 200 and _history(store, "25b.language") == [(2, "import"),
                                                                           (1, "seed")]


def test_cli_import_dry_run_then_import_and_export_round_trip(tmp_path, monkeypatch, capsys,
                                                              demo_store_at):
    settings = Settings(data_dir=tmp_path / "data", model="")
    store = demo_store_at(settings)
    monkeypatch.setenv("LOTSE_DATA_DIR", str(settings.data_dir))
    out = tmp_path / "rules.json"
    assert main(["precheck", "export", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in data["rules"]] == [r.id for r in load_rules()[0]]
    data["rules"][0]["checked_on"] = "2026-12-08"
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    first = data["rules"][0]["id"]
    capsys.readouterr()
    assert main(["precheck", "import", str(out), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert f"updated   {first}" in text and "checked_on: 2026-12-07 -> 2026-12-08" in text
    assert _history(store, first) == [(1, "seed")]  # a dry run writes nothing
    assert main(["precheck", "import", str(out), "--comment", "geprüft"]) == 0
    assert _history(store, first) == [(2, "import"), (1, "seed")]
    again = tmp_path / "again.json"
    assert main(["precheck", "export", "-o", str(again)]) == 0
    assert json.loads(again.read_text(encoding="utf-8"))["rules"] == data["rules"]
    # an invalid file: every problem named, nothing imported
    data["rules"][1]["valid_until"] = "2000-01-01"
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["precheck", "import", str(out)]) == 1
    err = capsys.readouterr().err
    assert "valid_until liegt vor valid_from" in err and "nothing imported" in err
    assert _history(store, data["rules"][1]["id"]) == [(1, "seed")]
    store.engine.dispose()


def test_a_stale_form_is_refused_and_keeps_the_newer_version(make_light_client):
    c, _, _ = staff_client(make_light_client, "land", ("admin",), kommune=None)
    store = c.app.state.services.store
    token = csrf_of(c, "/staff/precheck-rules")
    first = _form(store, RULE, csrf_token=token, action="save", note="Erste Änderung.")
    second = _form(store, RULE, csrf_token=token, action="save", note="Zweite Änderung.")
    assert c.post(f"/staff/precheck-rules/{RULE}", data=first,
                  follow_redirects=False).status_code == 303
    r = c.post(f"/staff/precheck-rules/{RULE}", data=second)
    assert r.status_code == 409 and "Zweite Änderung." in r.text  # the input is kept
    with store.session() as s:
        assert repository.get_row(s, RULE).data["note"] == "Erste Änderung."
