"""The rules as data: file format, validation, the shipped defaults' consistency, history.

Properties over the whole input space: no two shipped rules contradict each other
for any person or any of the 396 Gemeinden; every code the rules and the demo
directory use is known; export and import give back the same rules.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from sqlalchemy import select

from app.responsibility import repository, vocab
from app.responsibility.engine import Place, Query, decide
from app.responsibility.engine import select as select_rules
from app.responsibility.models import ResponsibilityRuleHistory
from app.responsibility.rules import RuleError, parse_rule, parse_rules_file, rules_file
from directory.demo import demo_data
from directory.models import stable_id
from directory.reference import gemeinden, kommunen, office_kinds, topic_codes
from directory.store import Store

AGES = (0, 1, 5, 6, 7, 11, 12, 15, 16, 17, 18, 19, 20, 21, 24, 25, 26, 27, 28, 40, 64, 65, 66,
        67, 90)
DAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def defaults():
    return repository.default_rules()


def minimal(**over) -> dict:
    d = {"key": "x-test", "type": "matter", "subject": "kita", "offices": ["jugendamt"],
         "legal_basis": "§ 24 SGB VIII", "explanation": "Test."}
    d.update(over)
    return d


def test_shipped_files_parse_and_are_documented(defaults):
    assert len(defaults) >= 80
    text = (repository.DATA / "RULES.md").read_text(encoding="utf-8")
    for r in defaults + repository.demo_rules():
        assert r.legal_basis and r.explanation, r.key
        assert f"`{r.key}`" in text, f"{r.key} is not documented in RULES.md"
    assert {r.subject for r in defaults if r.type == "matter"} == set(vocab.MATTERS)


def test_bad_rules_are_refused_with_every_problem_named():
    with pytest.raises(RuleError) as exc:
        parse_rule(minimal(key="X!", subject="nope", when={"statuses": ["martian"], "age_min": 9,
                                                           "age_max": 3, "colour": ["red"]},
                           valid_from="2025-13-01", legal_basis=""))
    text = " ".join(exc.value.problems)
    for fragment in ("key:", "subject", "martian", "age_min", "colour", "valid_from",
                     "legal_basis"):
        assert fragment in text, fragment
    with pytest.raises(RuleError):
        parse_rule(minimal(scope="gemeinde"))  # no scope_id
    with pytest.raises(RuleError):
        parse_rule(minimal(offices=[{"kind": "jugendamt", "level": "mars"}]))
    with pytest.raises(RuleError):
        parse_rule(minimal(when={"statuses": ["eu"], "not_statuses": ["eu"]}))
    with pytest.raises(RuleError):
        parse_rule(minimal(valid_from="2025-01-02", valid_until="2025-01-01"))
    with pytest.raises(RuleError):
        parse_rules_file({"format": "other", "rules": []})
    with pytest.raises(RuleError) as exc:
        parse_rules_file({"format": "kim-lotse-rules/1", "rules": [minimal(), minimal()]})
    assert "doppelt" in str(exc.value)


def test_a_rule_survives_the_file_format():
    rule = parse_rule(minimal(when={"age_max": 6, "statuses": ["eu", "deutsch"]},
                              notes=[{"event": "age", "text": "Schule ab 6."}],
                              valid_from="2024-08-01", sources=["https://example.org/x"]))
    again = parse_rule(json.loads(json.dumps(rule.to_dict())))
    assert again == rule


def test_no_two_shipped_matter_rules_contradict_each_other(defaults):
    """For every matter, status, age and benefit: at most one rule decides (no conflict)."""
    place = Place("kreis-kleve", "Kreis Kleve", "kreis", "05154020", "Issum", "gemeinde")
    statuses = (*vocab.STATUSES, None)
    benefits = (*vocab.BENEFITS, None)
    decided = 0
    for matter, status, age, ben in itertools.product(vocab.MATTERS, statuses, AGES, benefits):
        q = Query(matter, age, status, ben, DAY)
        sel = select_rules(defaults, "matter", matter, q, place)
        assert sel.outcome != "conflict", (matter, status, age, ben,
                                           [r.key for r in sel.rules])
        decided += sel.outcome == "one" and status is not None
    assert decided > 20000


def test_every_gemeinde_gets_one_level_for_every_office(defaults):
    by_id = {k.id: k for k in kommunen()}
    for g in gemeinden():
        k = by_id[g.kommune_id]
        place = Place(k.id, k.name, k.kind, g.id, g.name, g.status, (g.id,))
        for kind in vocab.OFFICE_KINDS:
            sel = select_rules(defaults, "office", kind, Query("aufenthalt", day=DAY), place)
            assert sel.outcome in ("one", "none"), (g.name, kind, [r.key for r in sel.rules])


def test_grosse_kreisangehoerige_staedte_have_their_own_auslaenderbehoerde(defaults):
    by_id = {k.id: k for k in kommunen()}
    levels = {}
    for g in gemeinden():
        k = by_id[g.kommune_id]
        place = Place(k.id, k.name, k.kind, g.id, g.name, g.status, (g.id,))
        d = decide(defaults, Query("aufenthalt", 30, "duldung", None, DAY), place)
        levels.setdefault(g.status, set()).add(d.answers[0].offices[0].level)
    assert levels["grosse_kreisangehoerige_stadt"] == {"gemeinde"}
    assert levels["gemeinde"] == levels["stadt"] == levels["mittlere_kreisangehoerige_stadt"] \
        == {"kommune"}


def test_every_code_in_rules_and_demo_is_known(defaults):
    for r in defaults + repository.demo_rules():
        for o in r.offices:
            assert o.kind in vocab.OFFICE_KINDS
    assert office_kinds() == {k: t.de for k, t in vocab.OFFICE_KINDS.items()}
    kinds = {o.get("office_kind") for o in demo_data()["offers"]} - {None}
    assert kinds <= set(office_kinds())
    used = {o.kind for r in defaults for o in r.offices}
    assert used - kinds <= {"bamf"}, "every office the rules name has a demo entry (but BAMF)"
    assert set(vocab.TOPIC_MATTERS) <= set(topic_codes())


def test_expired_and_future_rules_are_not_applied(defaults):
    place = Place("demo", "Kreis Musterland", "kreis", "demo-beispieldorf", "Beispieldorf",
                  "gemeinde", ("demo-beispieldorf",))
    q = Query("lebensunterhalt", 30, "gestattung", None, dt.date(2024, 2, 26))
    assert decide(defaults, q, place).answers[0].rule.key == "lu-asylblg-2019"
    q = Query("lebensunterhalt", 30, "gestattung", None, dt.date(2024, 2, 27))
    assert decide(defaults, q, place).answers[0].rule.key == "lu-asylblg"


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'lotse.db'}")
    s.init()
    s.load_demo_if_empty()
    return s


def test_seed_once_then_edit_with_history_and_export_import(store):
    n = repository.seed(store)
    assert n == len(repository.default_rules()) + len(repository.demo_rules())
    assert repository.seed(store) == 0  # only once per database
    rules = repository.load_rules(store)
    assert {r.key for r in rules} >= {"lu-asylblg", "demo-musterstadt-jugendamt"}
    before = repository.revision(store)
    changed = parse_rule({**next(r for r in rules if r.key == "kita").to_dict(),
                          "explanation": "Geändert."})
    with store.session.begin() as s:
        assert repository.write_rule(s, changed, action="update", by="user-1",
                                     expected_version=1) == 2
    assert repository.revision(store) != before
    with store.session.begin() as s, pytest.raises(repository.StaleRule):
        repository.write_rule(s, changed, action="update", by="user-2", expected_version=1)
    rows = repository.history(store, "kita")
    assert [(h.version, h.action, h.changed_by) for h in rows] == [(2, "update", "user-1"),
                                                                    (1, "seed", None)]
    assert rows[1].data["explanation"] != "Geändert."

    exported = repository.export_rules(store)
    assert parse_rules_file(json.loads(json.dumps(exported)))
    with store.session.begin() as s:
        assert repository.delete_rule(s, "kita", by="user-1")
    counts = repository.import_rules(store, parse_rules_file(exported), by="user-1")
    assert counts["created"] == 1 and counts["updated"] == 0
    assert counts["unchanged"] == len(exported["rules"]) - 1
    assert {r.key for r in repository.load_rules(store)} == {r["key"]
                                                             for r in exported["rules"]}
    with store.session() as s:
        actions = [h.action for h in s.scalars(select(ResponsibilityRuleHistory).where(
            ResponsibilityRuleHistory.rule_key == "kita").order_by(
            ResponsibilityRuleHistory.changed_at))]
    assert actions == ["seed", "update", "delete", "import"]


def test_a_demo_store_from_before_office_kinds_gets_them(store):
    from directory.models import Service

    with store.session.begin() as s:
        s.execute(Service.__table__.update().values(office_kind=None))
    repository.seed(store)
    offers = {o.id: o for o in store.offers("demo")}
    assert offers[stable_id("service:demo-aufenthalt-2")].office_kind == "auslaenderbehoerde"
    assert sum(o.office_kind is not None for o in offers.values()) == 39


def test_import_refuses_unknown_places_and_keeps_everything(store):
    repository.seed(store)
    before = repository.export_rules(store)["rules"]
    bad = parse_rule(minimal(key="x-atlantis", scope="gemeinde", scope_id="atlantis"))
    with pytest.raises(RuleError):
        repository.import_rules(store, [parse_rule(minimal(key="x-ok")), bad], by="u")
    assert repository.export_rules(store)["rules"] == before


def test_replace_all_removes_rules_missing_from_the_file(store):
    repository.seed(store)
    keep = [r for r in repository.load_rules(store) if r.subject == "kita"]
    counts = repository.import_rules(store, keep, by="u", replace_all=True)
    assert counts["deleted"] == len(repository.default_rules()) + len(
        repository.demo_rules()) - len(keep)
    assert rules_file(repository.load_rules(store))["rules"] == rules_file(keep)["rules"]
