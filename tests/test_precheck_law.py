"""The pre-check's rules file: the shipped file validates, every rule names its source
and its check, bad files are refused with every problem named, and `lotse precheck`
checks, exports and shows the rules (issue 18)."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from app.precheck.law import DATA, LawError, dump_rules_file, load_rules, parse_rules_file
from ops.cli import main


def shipped() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def test_the_shipped_rules_validate_and_name_source_and_check():
    rules, start = load_rules()
    assert start == dt.date(2015, 8, 1)
    assert {r.path for r in rules} == {"25a", "25b", "stag10"}
    for r in rules:
        assert r.source.cite().startswith("§ ") and r.checked_how
        assert r.checked or r.note  # an unconfirmed rule says why


def test_the_known_changes_are_dated():
    rules = {r.id: r for r in load_rules()[0]}
    assert rules["25a.age.2015"].valid_until == dt.date(2022, 12, 30)
    assert rules["25a.age.2022"].valid_from == dt.date(2022, 12, 31)
    assert rules["25b.residence.2022"].params == {"years": 6, "years_with_minor_child": 4}
    assert rules["stag10.residence.2024"].valid_from == dt.date(2024, 6, 27)
    assert rules["stag10.shortened.special.2024"].valid_until == dt.date(2025, 10, 29)
    # Art. 5 Chancen-Aufenthaltsrecht law (buzer.de/gesetz/15683/a293517.htm): the § 104c
    # words leave §§ 25a, 25b Abs. 1 Satz 1 with effect from 01.01.2026
    assert rules["25b.status.2022"].valid_until == dt.date(2025, 12, 31)
    assert rules["25b.status.2026"].valid_from == dt.date(2026, 1, 1)
    assert rules["25a.status.2026"].params["min_months"] == 12


def test_export_is_the_inverse_of_parse():
    rules, start = load_rules()
    again = parse_rules_file(dump_rules_file(list(rules), start))
    assert tuple(again) == rules


@pytest.mark.parametrize("change, problem", [
    (lambda d: d["rules"][0].update(valid_from="2022-31-12"), "kein Datum"),
    (lambda d: d["rules"][0].update(check="magic"), "unbekannt"),
    (lambda d: d["rules"][0]["source"].update(law="BGB"), "Rechtsquelle"),
    (lambda d: d["rules"][0].update(checked=False, note=""), "braucht eine note"),
    (lambda d: next(r for r in d["rules"] if r["id"] == "25a.residence.2015").update(
        valid_until=None), "gelten zugleich"),
    (lambda d: d["rules"][1].update(id=d["rules"][0]["id"]), "doppelt"),
    (lambda d: d["rules"][0].update(documents=["visa_stamp"]), "documents"),
    (lambda d: d["rules"][0].update(valid_until="2010-01-01"), "vor valid_from"),
])
def test_bad_files_are_refused_with_the_problem_named(change, problem):
    data = copy.deepcopy(shipped())
    change(data)
    with pytest.raises(LawError) as exc:
        parse_rules_file(data)
    assert any(problem in p for p in exc.value.problems), exc.value.problems


def test_cli_check_export_show(tmp_path, capsys):
    out = tmp_path / "rules.json"
    assert main(["precheck", "export", "--shipped", "-o", str(out)]) == 0
    assert main(["precheck", "check", str(out)]) == 0
    assert "rules ok" in capsys.readouterr().out
    bad = shipped()
    bad["rules"][0]["path"] = "25c"
    out.write_text(json.dumps(bad))
    assert main(["precheck", "check", str(out)]) == 1
    assert "path" in capsys.readouterr().err
    assert main(["precheck", "show", "--shipped", "--date", "2025-10-29"]) == 0
    text = capsys.readouterr().out
    assert "§ 10 Abs. 3 Satz 1 StAG" in text and "Abs. 3 Satz 2" not in text
    assert main(["precheck", "show", "--shipped", "--date", "2025-10-30"]) == 0
    assert "§ 10 Abs. 3" not in capsys.readouterr().out
