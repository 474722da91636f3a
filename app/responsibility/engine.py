"""The decision: which rules apply to this person, this matter, this place, on this day.

Pure functions over `Rule` records, no database. Conditions are three-valued:
a rule matches, does not match, or might match because an input is missing
(age, residence status, Gemeinde). Benefits that were not given count as "no
special benefit situation". Per subject, the most specific scope with a
matching rule wins (Gemeinde over Kommune over NRW); two rules matching at
that scope are a conflict, and a conflict, a missing input, no rule at all
or a rule marked `varies` make the answer uncertain. Offices get their
level (Gemeinde, Kommune/Kreis, Land, Bund, provider) from the office rules
the same way, else from the office kind's default.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from app.responsibility import vocab
from app.responsibility.place import Place
from app.responsibility.rules import Rule

YES, MAYBE, NO = "yes", "maybe", "no"


@dataclass(frozen=True)
class Query:
    matter: str
    age: int | None = None
    status: str | None = None
    benefits: str | None = None
    day: dt.date = field(default_factory=dt.date.today)


@dataclass(frozen=True)
class Selection:
    rules: tuple[Rule, ...]
    outcome: str  # "one" | "conflict" | "missing" | "none"
    missing: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OfficeDecision:
    kind: str
    level: str | None  # None: it depends (conflicting or missing office rules)
    rule: Rule | None  # the office rule that set the level, if any
    reasons: tuple[str, ...] = ()  # why the level is uncertain; () = certain

    @property
    def certain(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class Answer:
    rule: Rule
    offices: tuple[OfficeDecision, ...]


@dataclass(frozen=True)
class Decision:
    query: Query
    place: Place
    answers: tuple[Answer, ...]
    outcome: str  # as Selection.outcome
    reasons: tuple[str, ...]  # why the answer is uncertain; () = certain

    @property
    def certain(self) -> bool:
        return not self.reasons

    def signature(self) -> tuple:
        """What a person would notice changing: offices and legal domains."""
        return tuple(sorted(
            (a.rule.legal_domain or "", tuple(sorted(o.kind for o in a.offices)),
             a.rule.none_needed)
            for a in self.answers
        ))


def _in(value: str | None, allowed, negate: bool = False) -> tuple[str, str | None]:
    if value is None:
        return MAYBE, None
    hit = value in allowed
    return (NO if hit else YES) if negate else (YES if hit else NO), None


def match(rule: Rule, q: Query, place: Place) -> tuple[str, frozenset[str]]:
    """YES, NO or MAYBE (with the inputs that are missing to decide)."""
    if rule.scope == "kommune" and rule.scope_id != place.kommune_id:
        return NO, frozenset()
    if rule.scope == "gemeinde" and rule.scope_id != place.gemeinde_id:
        return NO, frozenset()
    w = rule.when
    missing: set[str] = set()
    results = []
    checks = (
        ("statuses", q.status, False, "status"), ("not_statuses", q.status, True, "status"),
        ("gemeinde_status", place.gemeinde_status, False, "gemeinde"),
        ("not_gemeinde_status", place.gemeinde_status, True, "gemeinde"),
        ("kommune_kind", place.kommune_kind, False, "kommune"),
    )
    for name, value, negate, input_name in checks:
        if name in w:
            r, _ = _in(value, w[name], negate)
            results.append(r)
            if r == MAYBE:
                missing.add(input_name)
    if "benefits" in w:  # not given = no special benefit situation
        results.append(YES if q.benefits in w["benefits"] else NO)
    if "not_benefits" in w:
        results.append(NO if q.benefits in w["not_benefits"] else YES)
    if "age_min" in w or "age_max" in w:
        if q.age is None:
            results.append(MAYBE)
            missing.add("age")
        else:
            ok = w.get("age_min", 0) <= q.age <= w.get("age_max", 200)
            results.append(YES if ok else NO)
    if NO in results:
        return NO, frozenset()
    return (MAYBE if MAYBE in results else YES), frozenset(missing)


def select(rules: list[Rule], rtype: str, subject: str, q: Query, place: Place) -> Selection:
    """The rule(s) for one subject: most specific scope with a match wins."""
    candidates = [r for r in rules
                  if r.type == rtype and r.subject == subject and r.valid_on(q.day)]
    extra_missing: set[str] = set()
    if place.gemeinde_id is None and any(
        r.scope == "gemeinde" and r.scope_id in place.gemeinden for r in candidates
    ):
        extra_missing.add("gemeinde")  # a Gemeinde of this Kommune has its own rule
    for level in (2, 1, 0):
        hits = []
        for r in candidates:
            if r.specificity != level:
                continue
            result, missing = match(r, q, place)
            if result != NO:
                hits.append((r, result, missing))
        if not hits:
            continue
        found = tuple(h[0] for h in hits)
        missing = frozenset(extra_missing.union(*(h[2] for h in hits)))
        if len(hits) == 1:
            return Selection(found, "one", missing)
        if all(h[1] == YES for h in hits):
            return Selection(found, "conflict", missing)
        return Selection(found, "missing", missing)
    return Selection((), "none", frozenset(extra_missing))


def office_level(rules: list[Rule], kind: str, q: Query, place: Place) -> OfficeDecision:
    """Where the office of this kind sits for this place (Gemeinde, Kreis, ...)."""
    sel = select(rules, "office", kind, q, place)
    missing = tuple(f"missing_{m}" for m in sorted(sel.missing))
    if sel.outcome == "none":
        return OfficeDecision(kind, vocab.OFFICE_KINDS[kind].level, None, missing)
    if sel.outcome == "one":
        rule = sel.rules[0]
        varies = ("varies",) if rule.certainty == "varies" else ()
        return OfficeDecision(kind, rule.level, rule, varies + missing)
    if sel.outcome == "conflict":
        return OfficeDecision(kind, None, None, ("conflict", *missing))
    return OfficeDecision(kind, None, None, missing)


def decide(rules: list[Rule], q: Query, place: Place) -> Decision:
    sel = select(rules, "matter", q.matter, q, place)
    reasons: list[str] = []
    if sel.outcome == "none":
        reasons.append("no_rule")
    elif sel.outcome == "conflict":
        reasons.append("conflict")
    reasons += [f"missing_{m}" for m in sorted(sel.missing) if m != "kommune"]
    answers = []
    for rule in sel.rules:
        offices = []
        for spec in rule.offices:
            if spec.level:
                offices.append(OfficeDecision(spec.kind, spec.level, None))
            else:
                offices.append(office_level(rules, spec.kind, q, place))
        if rule.certainty == "varies":
            reasons.append("varies")
        for o in offices:
            reasons += o.reasons
        if place.gemeinde_id is None and any(o.level == "gemeinde" for o in offices) and \
                len(place.gemeinden) > 1:
            reasons.append("missing_gemeinde")
        answers.append(Answer(rule, tuple(offices)))
    return Decision(q, place, tuple(answers), sel.outcome, tuple(dict.fromkeys(reasons)))


@dataclass(frozen=True)
class Change:
    event: str  # a vocab.EVENTS code
    status: str | None  # the new status, for status events
    age: int | None  # the age at which it changes, for "age"
    decision: Decision


def next_changes(rules: list[Rule], decision: Decision) -> list[Change]:
    """What changes when the status changes next or the person reaches an age limit.

    Each candidate change is looked up with the same rules; only changes that
    lead to other offices or another legal domain are reported.
    """
    q, place = decision.query, decision.place
    if not decision.answers:
        return []
    now = decision.signature()
    out: list[Change] = []
    for event, status in vocab.TRANSITIONS.get(q.status or "", ()):
        if event == "bleiberecht" and status == "ae_25b" and q.age is not None and q.age < 27:
            status = "ae_25a"  # young people: § 25a before § 25b
        later = decide(rules, replace(q, status=status), place)
        if later.answers and later.signature() != now:
            out.append(Change(event, status, None, later))
    if q.age is not None and len(decision.answers) == 1:
        age_max = decision.answers[0].rule.when.get("age_max")
        if age_max is not None and age_max < 120:
            later = decide(rules, replace(q, age=age_max + 1), place)
            if later.answers and later.signature() != now:
                out.append(Change("age", None, age_max + 1, later))
    return out
