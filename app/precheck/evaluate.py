"""The evaluator: `evaluate(answers, on_date)` applies the rules in force on that day.

Each requirement comes out `met`, `missing` (not met yet: a period still to
run, a level still to reach), `closed` (a gate of the path: age limit passed,
a status that this path does not take), `unknown` (the person skipped it or
did not know) or `office` (only the deciding office can judge it). A path is
`closed` if any gate is closed, `missing` if anything is missing, `unclear` if
something is unknown, else `may_open`: it never decides; the office does.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from app.precheck.law import LEVELS, LawRule, load_rules

OUTCOMES = ("may_open", "unclear", "missing", "closed")


class OutOfRange(ValueError):
    """The day lies before the first day the rules model."""


@dataclass(frozen=True)
class Answers:
    """What the person said; None means skipped or not known."""

    age: int | None = None
    arrived: dt.date | None = None          # first day of the month of arrival
    uninterrupted: bool | None = None       # always with permit, Gestattung or Duldung
    status: str | None = None               # law.STATUSES
    status_months: int | None = None        # months in the current status
    passport: bool | None = None            # identity documents / identity clarified
    school_years: int | None = None         # years of school in Germany
    degree_de: bool | None = None           # school or vocational degree recognised here
    in_training: bool | None = None         # school, training or studies now
    work: str | None = None                 # fulltime, parttime, none
    livelihood: str | None = None           # own, partly, benefits
    german: str | None = None               # law.LEVELS
    integration_course: bool | None = None
    civics_test: bool | None = None
    special_integration: bool | None = None
    minor_children: bool | None = None
    children_school: bool | None = None     # school-age children attend school (None: none)
    convictions: bool | None = None

    def years_at(self, day: dt.date) -> float | None:
        if self.arrived is None:
            return None
        return max(0.0, (day - self.arrived).days / 365.25)


@dataclass(frozen=True)
class Finding:
    rule: LawRule
    state: str                     # met, missing, closed, unknown, office
    months_left: int | None = None  # a period not reached yet: months still to run
    detail: str = ""


@dataclass
class PathResult:
    path: str
    outcome: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def documents(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.findings:
            for d in f.rule.documents:
                seen.setdefault(d, None)
        return list(seen)

    def by_state(self, state: str) -> list[Finding]:
        return [f for f in self.findings if f.state == state]


def _level_at_least(have: str | None, need: str) -> bool | None:
    if have is None or have not in LEVELS:
        return None
    return LEVELS.index(have) >= LEVELS.index(need)


def _months_left(have_years: float, need_years: int) -> int:
    return max(1, math.ceil((need_years - have_years) * 12))


def _years(rule: LawRule, a: Answers, day: dt.date) -> Finding:
    need = rule.params["years"]
    if a.minor_children and "years_with_minor_child" in rule.params:
        need = rule.params["years_with_minor_child"]
    have = a.years_at(day)
    if have is None:
        return Finding(rule, "unknown")
    if have < need:
        return Finding(rule, "missing", _months_left(have, need), f"{need}")
    if a.uninterrupted is False:
        return Finding(rule, "missing", detail="interrupted")
    if rule.params.get("lawful") and a.status in {"duldung", "gestattung", "none"}:
        return Finding(rule, "missing", detail="not_lawful")
    return Finding(rule, "met" if a.uninterrupted else "unknown", detail=f"{need}")


def _status(rule: LawRule, a: Answers) -> Finding:
    if a.status is None:
        return Finding(rule, "unknown")
    if a.status not in rule.params["any_of"]:
        return Finding(rule, "closed")
    need = rule.params.get("min_months", 0)
    if need and a.status in rule.params.get("months_apply_to", rule.params["any_of"]):
        if a.status_months is None:
            return Finding(rule, "unknown")
        if a.status_months < need:
            return Finding(rule, "missing", need - a.status_months)
    return Finding(rule, "met")


def _livelihood(rule: LawRule, a: Answers) -> Finding:
    p = rule.params
    if p.get("training_exempt") and a.in_training:
        return Finding(rule, "met", detail="training")
    if a.livelihood == "own":
        return Finding(rule, "met")
    if a.livelihood is None:
        return Finding(rule, "unknown")
    if p.get("mode") == "mostly_work":
        if a.livelihood == "partly" and a.work in {"fulltime", "parttime"}:
            return Finding(rule, "office", detail="prognosis")
        if p.get("family_exempt") and (a.minor_children or a.in_training):
            return Finding(rule, "office", detail="temporary")
        return Finding(rule, "missing")
    if p.get("exception") == "not_responsible":
        return Finding(rule, "office", detail="not_responsible")
    if p.get("exception") == "fulltime" and a.work == "fulltime":
        return Finding(rule, "office", detail="fulltime")
    return Finding(rule, "missing")


def _one(rule: LawRule, a: Answers, day: dt.date) -> Finding:
    c = rule.check
    if c == "min_years":
        return _years(rule, a, day)
    if c == "status":
        return _status(rule, a)
    if c == "age_range":
        if a.age is None:
            return Finding(rule, "unknown")
        if a.age >= rule.params["below"]:
            return Finding(rule, "closed")
        if a.age < rule.params["min"]:
            return Finding(rule, "missing", (rule.params["min"] - a.age) * 12)
        return Finding(rule, "met")
    if c == "school":
        if a.degree_de or (a.school_years is not None and a.school_years >= rule.params["years"]):
            return Finding(rule, "met")
        if a.school_years is None and a.degree_de is None:
            return Finding(rule, "unknown")
        return Finding(rule, "missing")
    if c == "livelihood":
        return _livelihood(rule, a)
    if c == "language":
        ok = _level_at_least(a.german, rule.params["level"])
        return Finding(rule, "unknown" if ok is None else "met" if ok else "missing")
    if c == "civics":
        return Finding(rule, {True: "met", False: "missing", None: "unknown"}[a.civics_test])
    if c == "children_school":
        if a.minor_children is False or a.children_school:
            return Finding(rule, "met")
        return Finding(rule, "missing" if a.children_school is False else "unknown")
    if c == "convictions":
        return Finding(rule, {False: "met", True: "office", None: "unknown"}[a.convictions])
    if c == "identity":
        return Finding(rule, {True: "met", False: "missing", None: "unknown"}[a.passport])
    if c == "naturalisation_status":
        if a.status is None:
            return Finding(rule, "unknown")
        if a.status == "settlement":
            return Finding(rule, "met")
        if a.status in {"permit", "permit_104c"}:
            return Finding(rule, "office", detail="purpose")
        return Finding(rule, "closed")
    return Finding(rule, "office")


def _shortened(rule: LawRule, a: Answers) -> bool:
    for key, want in rule.params["needs"].items():
        if key == "german_min":
            if not _level_at_least(a.german, want):
                return False
        elif getattr(a, key) != want:
            return False
    return True


def _residence_stag(rules: list[LawRule], a: Answers, day: dt.date) -> list[Finding]:
    """§ 10 StAG: the base period, or a shortened one where its conditions hold."""
    base = [r for r in rules if r.check == "min_years"]
    shorter = sorted((r for r in rules if r.check == "shortened" and _shortened(r, a)),
                     key=lambda r: r.params["years"])
    out = []
    for b in base:
        found = _years(b, a, day)
        for s in shorter:
            alt = _years(replace(b, params={**b.params, "years": s.params["years"]}), a, day)
            if alt.state in {"met", "unknown"} or (found.state == "missing" and alt.months_left
                                                    and found.months_left
                                                    and alt.months_left < found.months_left):
                out.append(Finding(s, "office" if s.params["discretion"] and alt.state == "met"
                                   else alt.state, alt.months_left, f"{s.params['years']}"))
                break
        else:
            out.append(found)
    return out


def rules_in_force(day: dt.date, rules: Iterable[LawRule] | None = None) -> list[LawRule]:
    if rules is None:
        loaded, start = load_rules()
        if day < start:
            raise OutOfRange(day.isoformat())
        rules = loaded
    return [r for r in rules if r.in_force(day)]


def evaluate(answers: Answers, on_date: dt.date,
             rules: Iterable[LawRule] | None = None) -> dict[str, PathResult]:
    """Every path's result by the law in force on `on_date`."""
    from app.precheck.law import PATHS

    active = rules_in_force(on_date, rules)
    results = {}
    for path in PATHS:
        mine = [r for r in active if r.path == path]
        if path == "stag10":
            findings = _residence_stag(mine, answers, on_date) + [
                _one(r, answers, on_date) for r in mine
                if r.check not in {"min_years", "shortened"}]
        else:
            findings = [_one(r, answers, on_date) for r in mine]
        states = {f.state for f in findings}
        outcome = ("closed" if "closed" in states else "missing" if "missing" in states
                   else "unclear" if "unknown" in states else "may_open")
        results[path] = PathResult(path, outcome, findings)
    return results
