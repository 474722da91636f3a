"""The pre-check scenarios (issue 18), shipped: each written from the legal text and named
after its source, for §§ 25a, 25b AufenthG and § 10 StAG before and after the
Chancen-Aufenthaltsrecht (31.12.2022), the StAG modernisation (27.06.2024), the end of
the three-year path (30.10.2025) and of the § 104c wording in §§ 25a, 25b (01.01.2026).

tests/test_precheck_scenarios.py asserts every one against the shipped rules and against
the rules in the store; the state editors' preview (`changes`) runs them against the rules
before and after an edit and lists those whose result changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from app.precheck.evaluate import Answers, OutOfRange, evaluate
from app.precheck.law import LawRule

D = dt.date
BEFORE_CHANCEN = D(2022, 12, 30)
CHANCEN = D(2022, 12, 31)
BEFORE_STAR = D(2024, 6, 26)
STAR = D(2024, 6, 27)
LAST_TURBO = D(2025, 10, 29)
NO_TURBO = D(2025, 10, 30)
NOW = D(2026, 12, 7)


def arrived(day: dt.date, years: float) -> dt.date:
    return day - dt.timedelta(days=round(years * 365.25))


def young(day: dt.date, **kw) -> Answers:
    """A young person with a Duldung, in school, everything else in order."""
    base: dict[str, Any] = dict(
        age=19, arrived=arrived(day, 3.2), uninterrupted=True, status="duldung",
        status_months=14, passport=True, school_years=3, in_training=True,
        livelihood="benefits", german="B1", convictions=False)
    base.update(kw)
    return Answers(**base)


def adult(day: dt.date, **kw) -> Answers:
    """A tolerated adult working most of the time, A2, no children."""
    base: dict[str, Any] = dict(
        age=35, arrived=arrived(day, 6.3), uninterrupted=True, status="duldung",
        status_months=30, passport=True, work="fulltime", livelihood="own",
        german="A2", minor_children=False, convictions=False, civics_test=True)
    base.update(kw)
    return Answers(**base)


def settled(day: dt.date, **kw) -> Answers:
    """Someone with a settlement permit, working, B1, test passed."""
    base: dict[str, Any] = dict(
        age=40, arrived=arrived(day, 5.2), uninterrupted=True, status="settlement",
        passport=True, work="fulltime", livelihood="own", german="B1",
        civics_test=True, convictions=False, minor_children=False)
    base.update(kw)
    return Answers(**base)


def state(result, path: str, rule_prefix: str) -> str:
    found = [f for f in result[path].findings if f.rule.id.startswith(rule_prefix)]
    if len(found) != 1:
        raise ValueError(f"{rule_prefix}: {[f.rule.id for f in result[path].findings]}")
    return found[0].state


# (id naming the source, answers factory, day, path, rule prefix, expected state)
REQUIREMENTS = [
    # § 25a Abs. 1 Satz 1 Nr. 3 AufenthG: application before completing the 21st / 27th year
    ("25a-Abs1-S1-Nr3-v2015-age20-before21", lambda d: young(d, age=20), BEFORE_CHANCEN,
     "25a", "25a.age", "met"),
    ("25a-Abs1-S1-Nr3-v2015-age21-closed", lambda d: young(d, age=21), BEFORE_CHANCEN,
     "25a", "25a.age", "closed"),
    ("25a-Abs1-S1-Nr3-v2022-age21-before27", lambda d: young(d, age=21), CHANCEN,
     "25a", "25a.age", "met"),
    ("25a-Abs1-S1-Nr3-v2022-age26-before27", lambda d: young(d, age=26), NOW,
     "25a", "25a.age", "met"),
    ("25a-Abs1-S1-Nr3-v2022-age27-closed", lambda d: young(d, age=27), NOW,
     "25a", "25a.age", "closed"),
    ("25a-Abs1-S1-Nr3-Jugendlicher-age13-not-yet", lambda d: young(d, age=13), NOW,
     "25a", "25a.age", "missing"),
    # § 25a Abs. 1 Satz 1 Nr. 1: four, since 31.12.2022 three years of uninterrupted stay
    ("25a-Abs1-S1-Nr1-v2015-3years-missing", lambda d: young(d), BEFORE_CHANCEN,
     "25a", "25a.residence", "missing"),
    ("25a-Abs1-S1-Nr1-v2015-4years-met", lambda d: young(d, arrived=arrived(d, 4.1)),
     BEFORE_CHANCEN, "25a", "25a.residence", "met"),
    ("25a-Abs1-S1-Nr1-v2022-3years-met", lambda d: young(d), CHANCEN,
     "25a", "25a.residence", "met"),
    ("25a-Abs1-S1-Nr1-v2022-interrupted-missing", lambda d: young(d, uninterrupted=False),
     NOW, "25a", "25a.residence", "missing"),
    # § 25a Abs. 1 Satz 1 Nr. 2: school in the rule four, since 2022 three years, or a degree
    ("25a-Abs1-S1-Nr2-v2015-3school-missing", lambda d: young(d, arrived=arrived(d, 4.5)),
     BEFORE_CHANCEN, "25a", "25a.school", "missing"),
    ("25a-Abs1-S1-Nr2-v2022-3school-met", lambda d: young(d), NOW, "25a", "25a.school", "met"),
    ("25a-Abs1-S1-Nr2-degree-instead-of-years", lambda d: young(d, school_years=1,
                                                                 degree_de=True), NOW,
     "25a", "25a.school", "met"),
    # § 25a Abs. 1 Satz 1 (since 2022): § 104c permit or at least twelve months Duldung
    ("25a-Abs1-S1-v2022-duldung-11months-missing", lambda d: young(d, status_months=11),
     CHANCEN, "25a", "25a.status", "missing"),
    ("25a-Abs1-S1-v2022-permit104c-met", lambda d: young(d, status="permit_104c",
                                                        status_months=2), CHANCEN,
     "25a", "25a.status", "met"),
    ("25a-Abs1-S1-v2022-gestattung-closed", lambda d: young(d, status="gestattung"), CHANCEN,
     "25a", "25a.status", "closed"),
    # § 25a Abs. 1 Satz 1 since 01.01.2026 (Art. 5 Chancen-Aufenthaltsrecht law): twelve months
    # Duldung; a running § 104c permit is extended only as § 25a/§ 25b (§ 104c Abs. 2 n.F.)
    ("25a-Abs1-S1-v2026-duldung-11months-missing", lambda d: young(d, status_months=11), NOW,
     "25a", "25a.status", "missing"),
    ("25a-Abs1-S1-v2026-AufenthG104c-Abs2-permit104c-met",
     lambda d: young(d, status="permit_104c", status_months=2), NOW, "25a", "25a.status", "met"),
    ("25a-Abs1-S1-v2026-gestattung-closed", lambda d: young(d, status="gestattung"), NOW,
     "25a", "25a.status", "closed"),
    # § 25b Abs. 1 Satz 1: 'geduldet' (2015); since 2022 also § 104c; since 01.01.2026 'geduldet'
    # with the § 104c permit extended only as § 25a/§ 25b (§ 104c Abs. 2 n.F.)
    ("25b-Abs1-S1-v2015-permit104c-closed", lambda d: adult(d, status="permit_104c"),
     BEFORE_CHANCEN, "25b", "25b.status", "closed"),
    ("25b-Abs1-S1-v2022-permit104c-met", lambda d: adult(d, status="permit_104c"), CHANCEN,
     "25b", "25b.status", "met"),
    ("25b-Abs1-S1-v2026-AufenthG104c-Abs2-permit104c-met",
     lambda d: adult(d, status="permit_104c"), NOW, "25b", "25b.status", "met"),
    ("25b-Abs1-S1-v2026-gestattung-closed", lambda d: adult(d, status="gestattung"), NOW,
     "25b", "25b.status", "closed"),
    ("25a-Abs1-S1-v2015-duldung-1month-met", lambda d: young(d, status_months=1),
     BEFORE_CHANCEN, "25a", "25a.status", "met"),
    # § 25a Abs. 1 Satz 2: benefits do not bar the permit while in school or training
    ("25a-Abs1-S2-benefits-in-training-met", lambda d: young(d), NOW,
     "25a", "25a.livelihood", "met"),
    ("25a-Abs1-S2-benefits-not-in-training-missing", lambda d: young(d, in_training=False),
     NOW, "25a", "25a.livelihood", "missing"),
    # § 25a Abs. 1 Satz 3: refusal on own deception about identity -> documents matter
    ("25a-Abs1-S3-no-passport-missing", lambda d: young(d, passport=False), NOW,
     "25a", "25a.deception", "missing"),
    # § 25b Abs. 1 Satz 2 Nr. 1: eight / six, since 31.12.2022 six / four years
    ("25b-Abs1-S2-Nr1-v2015-6years-missing", lambda d: adult(d), BEFORE_CHANCEN,
     "25b", "25b.residence", "missing"),
    ("25b-Abs1-S2-Nr1-v2015-8years-met", lambda d: adult(d, arrived=arrived(d, 8.1)),
     BEFORE_CHANCEN, "25b", "25b.residence", "met"),
    ("25b-Abs1-S2-Nr1-v2015-child-6years-met", lambda d: adult(d, minor_children=True,
                                                                children_school=True),
     BEFORE_CHANCEN, "25b", "25b.residence", "met"),
    ("25b-Abs1-S2-Nr1-v2022-6years-met", lambda d: adult(d), CHANCEN,
     "25b", "25b.residence", "met"),
    ("25b-Abs1-S2-Nr1-v2022-child-4years-met", lambda d: adult(d, arrived=arrived(d, 4.2),
                                                                minor_children=True,
                                                                children_school=True), NOW,
     "25b", "25b.residence", "met"),
    ("25b-Abs1-S2-Nr1-v2022-nochild-4years-missing", lambda d: adult(d, arrived=arrived(d, 4.2)),
     NOW, "25b", "25b.residence", "missing"),
    # § 25b Abs. 1 Satz 2 Nr. 3: livelihood mostly by work
    ("25b-Abs1-S2-Nr3-own-met", lambda d: adult(d), NOW, "25b", "25b.livelihood", "met"),
    ("25b-Abs1-S2-Nr3-benefits-nowork-missing", lambda d: adult(d, work="none",
                                                                 livelihood="benefits"), NOW,
     "25b", "25b.livelihood", "missing"),
    ("25b-Abs1-S3-family-temporary-benefits-office", lambda d: adult(
        d, work="none", livelihood="benefits", minor_children=True, children_school=True), NOW,
     "25b", "25b.livelihood", "office"),
    # § 25b Abs. 1 Satz 2 Nr. 4: oral German at A2
    ("25b-Abs1-S2-Nr4-A1-missing", lambda d: adult(d, german="A1"), NOW,
     "25b", "25b.language", "missing"),
    ("25b-Abs1-S2-Nr4-A2-met", lambda d: adult(d), NOW, "25b", "25b.language", "met"),
    # § 25b Abs. 1 Satz 2 Nr. 5: school-age children actually attend school
    ("25b-Abs1-S2-Nr5-children-not-at-school-missing", lambda d: adult(
        d, minor_children=True, children_school=False), NOW, "25b", "25b.children", "missing"),
    # § 25b Abs. 2 Nr. 2: convictions -> the office weighs the Ausweisungsinteresse
    ("25b-Abs2-Nr2-conviction-office", lambda d: adult(d, convictions=True), NOW,
     "25b", "25b.refusal", "office"),
    ("25b-Abs2-Nr2-skipped-unknown", lambda d: adult(d, convictions=None), NOW,
     "25b", "25b.refusal", "unknown"),
    # § 10 Abs. 1 Satz 1 StAG: eight, since 27.06.2024 five years of lawful habitual residence
    ("StAG10-Abs1-S1-v2015-5years-missing", lambda d: settled(d), BEFORE_STAR,
     "stag10", "stag10.residence", "missing"),
    ("StAG10-Abs1-S1-v2015-8years-met", lambda d: settled(d, arrived=arrived(d, 8.1)),
     BEFORE_STAR, "stag10", "stag10.residence", "met"),
    ("StAG10-Abs1-S1-v2024-5years-met", lambda d: settled(d), STAR,
     "stag10", "stag10.residence", "met"),
    ("StAG10-Abs1-S1-v2024-4years-missing", lambda d: settled(d, arrived=arrived(d, 4.0)), NOW,
     "stag10", "stag10.residence", "missing"),
    # § 10 Abs. 3 Satz 1 StAG (until 26.06.2024): seven years with the integration course
    ("StAG10-Abs3-S1-v2015-7years-course-met", lambda d: settled(
        d, arrived=arrived(d, 7.1), integration_course=True), BEFORE_STAR,
     "stag10", "stag10.shortened.course", "met"),
    # § 10 Abs. 3 Satz 2 StAG (until 26.06.2024): six years, special achievements, above B1
    ("StAG10-Abs3-S2-v2015-6years-special-office", lambda d: settled(
        d, arrived=arrived(d, 6.1), special_integration=True, german="C1"), BEFORE_STAR,
     "stag10", "stag10.shortened.special.2015", "office"),
    # § 10 Abs. 3 StAG (27.06.2024 - 29.10.2025): three years with C1 and own livelihood
    ("StAG10-Abs3-v2024-3years-C1-office", lambda d: settled(
        d, status="permit", arrived=arrived(d, 3.1), special_integration=True, german="C1"),
     LAST_TURBO, "stag10", "stag10.shortened.special.2024", "office"),
    ("StAG10-Abs3-v2024-3years-B2-missing", lambda d: settled(
        d, status="permit", arrived=arrived(d, 3.1), special_integration=True, german="B2"),
     LAST_TURBO, "stag10", "stag10.residence", "missing"),
    ("StAG10-Abs3-abolished-2025-3years-C1-missing", lambda d: settled(
        d, status="permit", arrived=arrived(d, 3.1), special_integration=True, german="C1"),
     NO_TURBO, "stag10", "stag10.residence", "missing"),
    # § 10 Abs. 1 Satz 1 Nr. 2 StAG: Duldung is no residence right for naturalisation
    ("StAG10-Abs1-S1-Nr2-duldung-closed", lambda d: settled(d, status="duldung"), NOW,
     "stag10", "stag10.status", "closed"),
    ("StAG10-Abs1-S1-Nr2-permit-office-checks-purpose", lambda d: settled(d, status="permit"),
     NOW, "stag10", "stag10.status", "office"),
    # § 10 Abs. 1 Satz 1 Nr. 3 StAG: livelihood without SGB II/XII; 2024 narrowed exceptions
    ("StAG10-Abs1-S1-Nr3-v2015-benefits-office", lambda d: settled(
        d, arrived=arrived(d, 8.1), work="parttime", livelihood="partly"), BEFORE_STAR,
     "stag10", "stag10.livelihood", "office"),
    ("StAG10-Abs1-S1-Nr3-v2024-benefits-parttime-missing", lambda d: settled(
        d, work="parttime", livelihood="partly"), NOW, "stag10", "stag10.livelihood", "missing"),
    ("StAG10-Abs1-S1-Nr3-v2024-fulltime-topup-office", lambda d: settled(
        d, work="fulltime", livelihood="partly"), NOW, "stag10", "stag10.livelihood", "office"),
    # § 10 Abs. 1 Satz 1 Nr. 6 with Abs. 4 Satz 1 StAG: B1
    ("StAG10-Abs1-S1-Nr6-A2-missing", lambda d: settled(d, german="A2"), NOW,
     "stag10", "stag10.language", "missing"),
    # § 10 Abs. 1 Satz 1 Nr. 7 StAG: knowledge of the legal and social order (test)
    ("StAG10-Abs1-S1-Nr7-no-test-missing", lambda d: settled(d, civics_test=False), NOW,
     "stag10", "stag10.civics", "missing"),
    # § 10 Abs. 1 Satz 1 Nr. 5 StAG: a conviction goes to the office (§ 12a thresholds)
    ("StAG10-Abs1-S1-Nr5-conviction-office", lambda d: settled(d, convictions=True), NOW,
     "stag10", "stag10.convictions", "office"),
    # § 10 Abs. 1 Satz 1 Nr. 4 StAG (until 26.06.2024): giving up the old citizenship
    ("StAG10-Abs1-S1-Nr4-v2015-renounce-office", lambda d: settled(d), BEFORE_STAR,
     "stag10", "stag10.renounce", "office"),
]


# whole paths: the outcome of every requirement together
OUTCOMES = [
    ("25a-v2022-young-tolerated-pupil-may-open", lambda d: young(d), NOW, "25a", "may_open"),
    ("25a-v2015-same-person-3years-missing", lambda d: young(d), BEFORE_CHANCEN, "25a",
     "missing"),
    ("25a-v2015-age23-closed-v2022-open", lambda d: young(d, age=23), BEFORE_CHANCEN, "25a",
     "closed"),
    ("25a-v2022-age23-may-open", lambda d: young(d, age=23), NOW, "25a", "may_open"),
    ("25b-v2022-adult-6years-A2-work-may-open", lambda d: adult(d), NOW, "25b", "may_open"),
    ("25b-v2015-adult-6years-missing", lambda d: adult(d), BEFORE_CHANCEN, "25b", "missing"),
    ("25b-permit-holder-closed", lambda d: adult(d, status="settlement"), NOW, "25b", "closed"),
    ("StAG10-v2024-settled-5years-may-open", lambda d: settled(d), NOW, "stag10", "may_open"),
    ("StAG10-v2015-settled-5years-missing", lambda d: settled(d), BEFORE_STAR, "stag10",
     "missing"),
    ("StAG10-convictions-skipped-unclear", lambda d: settled(d, convictions=None), NOW,
     "stag10", "unclear"),
]

@dataclass(frozen=True)
class Scenario:
    """One scenario: who (answers made for a day), the day, the path, and the rule prefix
    whose state is expected (None: the whole path's outcome)."""

    id: str
    make: Callable[[dt.date], Answers]
    day: dt.date
    path: str
    prefix: str | None
    expected: str


SCENARIOS = tuple([Scenario(row[0], row[1], row[2], row[3], row[4], row[5])
                   for row in REQUIREMENTS]
                  + [Scenario(row[0], row[1], row[2], row[3], None, row[4]) for row in OUTCOMES])


def result_of(sc: Scenario, rules: Iterable[LawRule], day: dt.date | None = None) -> str:
    """The scenario's state (or outcome) by `rules` on its day (or `day`)."""
    day = day or sc.day
    try:
        found = evaluate(sc.make(day), day, rules)[sc.path]
    except OutOfRange:
        return "out_of_range"
    if sc.prefix is None:
        return found.outcome
    states = sorted({f.state for f in found.findings if f.rule.id.startswith(sc.prefix)})
    return "/".join(states) or "none"


@dataclass(frozen=True)
class Changed:
    id: str
    day: dt.date
    before: str
    after: str
    expected: str | None  # the tested result on the scenario's own day, else None


def changes(before: Iterable[LawRule], after: Iterable[LawRule],
            also_on: dt.date | None = None) -> list[Changed]:
    """Scenarios whose result differs between two rule sets: each on its own day and, with
    `also_on` (an edit's effective day), the same person on that day too."""
    before, after = tuple(before), tuple(after)
    out = []
    for sc in SCENARIOS:
        days = [sc.day] + ([also_on] if also_on and also_on != sc.day else [])
        for day in days:
            a, b = result_of(sc, before, day), result_of(sc, after, day)
            if a != b:
                out.append(Changed(sc.id, day, a, b, sc.expected if day == sc.day else None))
    return out
