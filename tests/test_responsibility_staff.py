"""Staff pages of the responsibility lookup: case managers' lookup, editing rules with history.

Logged in as real users (Argon2, TOTP) through the staff login; CSRF tokens and
the audit log are the staff area's own. Each test gets an app on its own store.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from staffkit import csrf_of, staff_client

from app.staff.models import AuditEntry


def new_rule_form(token, **over) -> dict:
    form = {"csrf_token": token, "key": "beispieldorf-jugendamt-eigen", "type": "office",
            "subject_office": "jugendamt", "scope": "gemeinde", "scope_id": "demo-beispieldorf",
            "level": "gemeinde", "certainty": "certain",
            "legal_basis": "§ 2 AG-KJHG NRW; Rechtsverordnung vom 01.01.2027 (Beispiel)",
            "explanation": "Beispieldorf ist örtlicher Träger der Jugendhilfe geworden.",
            "valid_from": "", "valid_until": "", "comment": "Eigenes Jugendamt ab 2027"}
    form.update(over)
    return form


def api_jugendamt(c) -> dict:
    body = c.get("/api/v1/responsibility", params={
        "matter": "jugendhilfe", "gemeinde": "demo-beispieldorf", "age": 10}).json()
    return body["answers"][0]["offices"][0]


def audit_actions(c) -> list[str]:
    with c.app.state.services.store.session() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_staff_pages_need_a_login(make_light_client):
    c = make_light_client()
    for path in ("/staff/responsibility", "/staff/rules", "/staff/rules/kita",
                 "/staff/rules/new", "/staff/rules/export"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/staff/login"), path
    assert c.post("/staff/rules/new", data={"key": "x"}).status_code in (401, 403)


def test_case_manager_lookup_is_german_and_precise(make_light_client):
    c, _, _ = staff_client(make_light_client, "cm.demo", ("case_manager",))
    r = c.get("/staff/responsibility", params={
        "matter": "lebensunterhalt", "kommune": "demo", "gemeinde": "demo-probehausen",
        "status": "ae_25_2_subsidiaer", "age": "28", "benefits": "asylblg",
        "date": "2026-11-25"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    for text in ("lu-wechsel", "§ 1 Abs. 3 Satz 1 Nr. 2 AsylbLG", "Jobcenter Kreis Musterland",
                 "Sozialamt Probehausen", "KIM-Lotsen beim Wechsel", "Rechtskreiswechsel"):
        assert text in r.text, text
    r = c.get("/staff/responsibility", params={"matter": "aufenthalt", "kommune": "demo",
                                               "status": "duldung", "date": "31.12.2026"})
    assert r.status_code == 200 and 'role="alert"' in r.text and 'aria-invalid="true"' in r.text
    assert "31.12.2026" in r.text  # the input is kept
    assert c.get("/staff/rules").status_code == 200  # everybody may read
    assert "✎" not in c.get("/staff/rules").text  # but a case manager edits nothing
    token = csrf_of(c)
    assert c.post("/staff/rules/new", data=new_rule_form(token)).status_code == 403


def test_editor_adds_a_gemeinde_rule_that_changes_the_answer(make_light_client):
    c, _, _ = staff_client(make_light_client, "ed.demo", ("editor",))
    assert api_jugendamt(c)["level"] == "kommune"  # NRW rule: the Kreisjugendamt
    token = csrf_of(c, "/staff/rules/new")
    r = c.post("/staff/rules/new", data=new_rule_form(token), follow_redirects=False)
    assert r.status_code == 303, r.text
    office = api_jugendamt(c)
    assert office["level"] == "gemeinde" and office["rule"] == "beispieldorf-jugendamt-eigen"
    page = c.get("/staff/rules/beispieldorf-jugendamt-eigen/history")
    assert "Eigenes Jugendamt ab 2027" in page.text and "ed.demo" in page.text
    assert "rule.create" in audit_actions(c)
    # the audit log names the rule, never its texts
    with c.app.state.services.store.session() as s:
        ids = list(s.scalars(select(AuditEntry.object_id)))
    assert "beispieldorf-jugendamt-eigen" in ids and not any("Träger" in (i or "") for i in ids)


def test_editor_changes_with_version_check_and_history(make_light_client):
    c, _, _ = staff_client(make_light_client, "ed.demo", ("editor",))
    key = "demo-probehausen-jugendamt"
    page = c.get(f"/staff/rules/{key}")
    assert page.status_code == 200 and 'name="version" value="1"' in page.text
    token = csrf_of(c, f"/staff/rules/{key}")
    form = new_rule_form(token, key=key, scope_id="demo-probehausen", level="gemeinde",
                         version="1", comment="Jugendamt seit Januar")
    assert c.post(f"/staff/rules/{key}", data=form, follow_redirects=False).status_code == 303
    stale = c.post(f"/staff/rules/{key}", data={**form, "explanation": "Alte Seite"})
    assert stale.status_code == 409 and "Alte Seite" in stale.text
    history = c.get(f"/staff/rules/{key}/history").text
    assert "Jugendamt seit Januar" in history and "kommune" in history and "gemeinde" in history
    bad = c.post(f"/staff/rules/{key}", data={**form, "version": "2", "age_min": "zwölf",
                                              "legal_basis": ""})
    assert bad.status_code == 422 and "age_min" in bad.text and "legal_basis" in bad.text
    assert "Jugendamt seit Januar" in bad.text  # the input is kept
    r = c.post(f"/staff/rules/{key}/delete", data={"csrf_token": token, "version": "2",
                                                   "comment": "Regel entfällt"},
               follow_redirects=False)
    assert r.status_code == 303
    assert "Regel entfällt" in c.get(f"/staff/rules/{key}/history").text
    assert c.get(f"/staff/rules/{key}").status_code == 404
    assert {"rule.update", "rule.delete"} <= set(audit_actions(c))


def test_the_editor_is_warned_of_rules_that_contradict_each_other(make_light_client):
    c, _, _ = staff_client(make_light_client, "ed.demo", ("editor",))
    token = csrf_of(c, "/staff/rules/new")
    form = new_rule_form(token, key="probehausen-ja-2", scope_id="demo-probehausen")
    assert c.post("/staff/rules/new", data=form, follow_redirects=False).status_code == 303
    page = c.get("/staff/rules/probehausen-ja-2")
    assert "demo-probehausen-jugendamt" in page.text
    assert "Widerspruch" in page.text  # German by default
    office = c.get("/api/v1/responsibility", params={
        "matter": "jugendhilfe", "gemeinde": "demo-probehausen", "age": 10}).json()
    assert office["certain"] is False
    assert "conflict" in [r["code"] for r in office["reasons"]]
    assert "demo-probehausen-jugendamt" not in c.get("/staff/rules/kita").text


def test_editors_stay_in_their_kommune(make_light_client):
    c, _, _ = staff_client(make_light_client, "ed-koeln", ("editor",), kommune="koeln")
    token = csrf_of(c, "/staff/rules/new")
    assert c.get("/staff/rules/demo-probehausen-jugendamt").status_code == 404
    assert "demo-probehausen-jugendamt" not in c.get("/staff/rules").text
    r = c.post("/staff/rules/new", data=new_rule_form(token))  # a rule for Beispieldorf
    assert r.status_code == 422 and "eigenen Kommune" in r.text or "own Kommune" in r.text
    r = c.post("/staff/rules/new", data=new_rule_form(token, key="x-nrw", scope="nrw",
                                                      scope_id=""))
    assert r.status_code == 422
    page = c.get("/staff/rules/kita")  # NRW defaults: read only
    assert page.status_code == 200 and 'action="/staff/rules/kita"' not in page.text
    assert c.post("/staff/rules/kita/delete", data={"csrf_token": token}).status_code == 403
    r = c.post("/staff/rules/new", data=new_rule_form(
        token, key="koeln-abh", subject_office="auslaenderbehoerde", scope="kommune",
        scope_id="koeln", level="kommune"), follow_redirects=False)
    assert r.status_code == 303


def test_export_and_import_a_rules_file(make_light_client):
    c, _, _ = staff_client(make_light_client, "admin", ("admin",), kommune=None)
    r = c.get("/staff/rules/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["format"] == "kim-lotse-rules/1" and len(data["rules"]) > 80
    next(x for x in data["rules"] if x["key"] == "kita")["explanation"] = "Neu gefasst."
    token = csrf_of(c, "/staff/rules")
    files = {"file": ("regeln.json", json.dumps(data).encode(), "application/json")}
    r = c.post("/staff/rules/import", data={"csrf_token": token, "comment": "Jahresupdate"},
               files=files)
    assert r.status_code == 200 and re.search(r"\b1\b", r.text)
    assert "Neu gefasst." in c.get("/staff/rules/kita").text
    bad = {"file": ("regeln.json", b"{not json", "application/json")}
    assert c.post("/staff/rules/import", data={"csrf_token": token}, files=bad).status_code \
        == 422
    data["rules"][0]["type"] = "weird"
    r = c.post("/staff/rules/import", data={"csrf_token": token},
               files={"file": ("r.json", json.dumps(data).encode(), "application/json")})
    assert r.status_code == 422 and "weird" in r.text
    assert {"rules.export", "rules.import"} <= set(audit_actions(c))


def test_an_editor_may_not_import_nrw_rules(make_light_client):
    c, _, _ = staff_client(make_light_client, "ed.demo", ("editor",))
    data = c.get("/staff/rules/export").json()
    token = csrf_of(c, "/staff/rules")
    r = c.post("/staff/rules/import", data={"csrf_token": token},
               files={"file": ("r.json", json.dumps(data).encode(), "application/json")})
    assert r.status_code == 422 and "lu-asylblg" in r.text


def test_forms_without_csrf_token_are_refused(make_light_client):
    c, _, _ = staff_client(make_light_client, "ed.demo", ("editor",))
    r = c.post("/staff/rules/new", data=new_rule_form(""))
    assert r.status_code == 403
    assert "beispieldorf-jugendamt-eigen" not in c.get("/staff/rules").text


@pytest.mark.parametrize("path", ["/staff/rules/new?copy=kita&scope=gemeinde"
                                  "&scope_id=demo-musterstadt"])
def test_override_form_is_prefilled_from_the_nrw_rule(make_light_client, path):
    c, _, _ = staff_client(make_light_client, "ed.demo", ("editor",))
    page = c.get(path)
    assert page.status_code == 200
    assert "kita-demo-musterstadt" in page.text and "§§ 22, 24 SGB VIII" in page.text
