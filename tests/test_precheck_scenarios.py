"""Pre-check scenarios per rule version (issue 18), each written from the legal text and
naming its source in the test id (the scenarios are shipped: app/precheck/scenarios.py):
§§ 25a, 25b AufenthG and § 10 StAG, before and after the Chancen-Aufenthaltsrecht
(31.12.2022), the StAG modernisation (27.06.2024) and the end of the three-year path
(30.10.2025). Every scenario runs twice: on the shipped rules file, and on the rules as
the store holds them after seeding (what the web pre-check applies)."""

from __future__ import annotations

import pytest
from storekit import new_store

from app.main import open_store
from app.precheck import repository
from app.precheck.evaluate import OutOfRange, evaluate
from app.precheck.law import load_rules
from app.precheck.scenarios import (
    NOW,
    OUTCOMES,
    REQUIREMENTS,
    D,
    adult,
    arrived,
    settled,
    state,
    young,
)
from app.settings import Settings


@pytest.fixture(scope="module", params=["file", "store"])
def rules(request, tmp_path_factory):
    """None: evaluate's default, the shipped file; else the rules read back from a store."""
    if request.param == "file":
        yield None
        return
    own = Settings(data_dir=tmp_path_factory.mktemp("rules-store"), model="", load_demo=False,
                   **new_store())
    store = open_store(own)
    with store.session() as s:
        from_store = repository.stored_rules(s)
    assert tuple(from_store) == load_rules()[0]  # seeded, read back, the same law
    yield repository.current_rules(store)
    store.engine.dispose()


@pytest.mark.parametrize("make, day, path, prefix, expected",
                         [pytest.param(*row[1:], id=row[0]) for row in REQUIREMENTS])
def test_requirement_by_the_law_in_force(rules, make, day, path, prefix, expected):
    assert state(evaluate(make(day), day, rules), path, prefix) == expected


@pytest.mark.parametrize("make, day, path, expected",
                         [pytest.param(*row[1:], id=row[0]) for row in OUTCOMES])
def test_path_outcome(rules, make, day, path, expected):
    assert evaluate(make(day), day, rules)[path].outcome == expected


def test_months_left_counts_the_period_still_to_run_25b_abs1_s2_nr1(rules):
    """§ 25b Abs. 1 Satz 2 Nr. 1 (since 31.12.2022): 5 years 5 months -> about 7 months."""
    day = NOW
    a = adult(day, arrived=arrived(day, 5 + 5 / 12))
    found = next(f for f in evaluate(a, day, rules)["25b"].findings if f.rule.id.startswith(
        "25b.residence"))
    assert found.state == "missing" and 6 <= found.months_left <= 8


def test_a_day_before_the_modelled_law_is_refused():
    with pytest.raises(OutOfRange):
        evaluate(young(D(2014, 1, 1)), D(2014, 1, 1))


def test_documents_are_gathered_from_the_requirements_in_force(rules):
    docs = evaluate(settled(NOW), NOW, rules)["stag10"].documents
    assert "language_certificate" in docs and "civics_certificate" in docs
    assert "integration_course_certificate" not in docs  # § 10 Abs. 3 S. 1 ended 26.06.2024
