"""SEC-22 for rules files: the permission check of an import looks at the stored rule's scope
too, so an editor of one Kommune can neither move (re-scope), change nor delete another
Kommune's rule or an NRW default (web and `lotse rules import --kommune`); the web export
holds only the rules the staff member may see (the NRW rules and their own Kommune's)."""

from __future__ import annotations

import json

from staffkit import csrf_of, staff_client

from app.main import open_store
from app.responsibility import repository
from app.responsibility.models import ResponsibilityRule
from app.settings import Settings
from ops.cli import main


def _stored(store, key: str) -> tuple | None:
    with store.session() as s:
        row = repository.get_row(s, key)
        return None if row is None else (row.scope, row.scope_id, row.version)


def _file(rules: list[dict]) -> dict:
    return {"file": ("regeln.json", json.dumps(
        {"format": "kim-lotse-rules/1", "rules": rules}).encode(), "application/json")}


def _rule(store, key: str) -> dict:
    with store.session() as s:
        return dict(repository.get_row(s, key).data)


def test_an_editor_cannot_move_another_kommunes_rule_or_an_nrw_default(make_light_client):
    c, _, _ = staff_client(make_light_client, "ed-koeln", ("editor",), kommune="koeln")
    store = c.app.state.services.store
    token = csrf_of(c, "/staff/rules")
    for key in ("demo-probehausen-jugendamt", "kita"):
        before = _stored(store, key)
        moved = _rule(store, key) | {"scope": "kommune", "scope_id": "koeln",
                                     "explanation": "Übernommen."}
        r = c.post("/staff/rules/import", data={"csrf_token": token}, files=_file([moved]))
        assert r.status_code == 422 and key in r.text, r.text[-500:]
        assert _stored(store, key) == before  # not moved, not changed
    own = {"key": "koeln-jugendamt-eigen", "type": "office", "subject": "jugendamt",
           "scope": "kommune", "scope_id": "koeln", "level": "kommune",
           "legal_basis": "§ 69 SGB VIII", "explanation": "Köln ist Träger."}
    r = c.post("/staff/rules/import", data={"csrf_token": token}, files=_file([own]))
    assert r.status_code == 200 and _stored(store, own["key"])[:2] == ("kommune", "koeln")


def test_rules_export_holds_only_the_rules_the_staff_member_may_see(make_light_client):
    c, _, _ = staff_client(make_light_client, "ed-koeln", ("editor",), kommune="koeln")
    keys = {r["key"] for r in c.get("/staff/rules/export").json()["rules"]}
    assert "kita" in keys  # NRW rules are everybody's
    assert not {k for k in keys if k.startswith("demo-")}  # the list pages hide them too
    admin, _, _ = staff_client(make_light_client, "admin", ("admin",), kommune=None)
    everything = {r["key"] for r in admin.get("/staff/rules/export").json()["rules"]}
    assert "demo-probehausen-jugendamt" in everything


def test_cli_rules_import_bound_to_a_kommune(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("LOTSE_MODEL", "")
    store = open_store(Settings())
    repository.seed(store)
    moved = _rule(store, "demo-probehausen-jugendamt") | {"scope": "kommune",
                                                          "scope_id": "koeln"}
    path = tmp_path / "regeln.json"
    path.write_text(json.dumps({"format": "kim-lotse-rules/1", "rules": [moved]}))
    before = _stored(store, "demo-probehausen-jugendamt")
    assert main(["rules", "import", str(path), "--kommune", "koeln"]) == 1
    assert "demo-probehausen-jugendamt" in capsys.readouterr().err
    assert _stored(store, "demo-probehausen-jugendamt") == before
    own = {"key": "koeln-jugendamt-eigen", "type": "office", "subject": "jugendamt",
           "scope": "kommune", "scope_id": "koeln", "level": "kommune",
           "legal_basis": "§ 69 SGB VIII", "explanation": "Köln ist Träger."}
    path.write_text(json.dumps({"format": "kim-lotse-rules/1", "rules": [own]}))
    with store.session() as s:
        total = s.query(ResponsibilityRule).count()
    # replace semantics bound to Köln: no NRW default, no demo rule is deleted
    assert main(["rules", "import", str(path), "--kommune", "koeln", "--replace-all"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"] == 0
    with store.session() as s:
        assert s.query(ResponsibilityRule).count() == total + 1
    assert _stored(store, "kita") is not None and _stored(store, before and
                                                          "demo-probehausen-jugendamt")
    assert main(["rules", "import", str(path), "--kommune", "nirgendwo"]) == 2
