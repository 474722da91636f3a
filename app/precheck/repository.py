"""The pre-check's law rules in the store: seeding, the current rule set, edits, import, history.

The shipped file `data/rules.json` seeds the tables once per database (the
first start, under the schema lock of `app.main.open_store`); from then on
the state editors keep the rules here, and every write appends a history row
in the same transaction. Any change of a rule is validated against the whole
rule set (`law.parse_rules_file`: every field, and no two versions of one
requirement in force at once), so the store never holds a set the file
format would refuse.

`current(s)` is what `evaluate` is given: the rules parsed once per change,
cached per process and keyed by the database and its revision (count and
newest change of the history, one small query per call), so a change made
in one process is seen by every other process at its next request - the way
`app.responsibility.repository.cached_rules` does it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.i18n import staff_gettext as _s
from app.precheck.law import (
    LawError,
    LawRule,
    dump_rule,
    dump_rules_file,
    load_rules,
    parse_rules_file,
)
from app.precheck.models import PrecheckRule, PrecheckRuleHistory
from directory.store import Store


class StaleRule(Exception):
    """Someone else changed the rule since the form was opened."""


def _order() -> dict[str, int]:
    return {r.id: i for i, r in enumerate(load_rules()[0])}


def _sorted(rules: list[LawRule]) -> list[LawRule]:
    """The shipped file's order (the order results are shown in); new rules after their path."""
    known = _order()
    return sorted(rules, key=lambda r: (known.get(r.id, len(known)), r.path, r.valid_from, r.id))


def model_start() -> dt.date:
    """The first day the rules model (the shipped file's `model_start`)."""
    return load_rules()[1]


def stored_rules(s: Session) -> list[LawRule]:
    """The rules in the store, parsed and validated as one set; [] if never seeded."""
    rows = list(s.scalars(select(PrecheckRule.data)))
    if not rows:
        return []
    return _sorted(parse_rules_file(dump_rules_file([], model_start()) | {"rules": rows}))


def revision(s: Session) -> tuple:
    """Changes whenever any rule changes (count and newest change of the history)."""
    return tuple(s.execute(select(func.count(PrecheckRuleHistory.id),
                                  func.max(PrecheckRuleHistory.changed_at))).one())


_cache: dict[str, tuple[tuple, tuple[LawRule, ...]]] = {}


def current(s: Session) -> tuple[LawRule, ...]:
    """The rule set in force in the store, parsed once per change (shipped file if unseeded)."""
    key = str(s.get_bind().engine.url)
    rev = revision(s)
    hit = _cache.get(key)
    if hit is None or hit[0] != rev:
        rules = stored_rules(s)
        hit = (rev, tuple(rules) if rules else load_rules()[0])
        _cache[key] = hit
    return hit[1]


def current_rules(store: Store) -> tuple[LawRule, ...]:
    with store.session() as s:
        return current(s)


def get_row(s: Session, rule_id: str) -> PrecheckRule | None:
    return s.get(PrecheckRule, rule_id)


def write_rule(s: Session, rule: LawRule, *, action: str, by: str | None,
               origin: str = "local", comment: str = "",
               expected_version: int | None = None) -> int:
    """Insert or replace one rule and append its history row; returns the new version."""
    data = dump_rule(rule)
    row = get_row(s, rule.id)
    now = dt.datetime.now(dt.UTC)
    if row is None:
        row = PrecheckRule(id=rule.id, version=0)
        s.add(row)
    elif expected_version is not None and row.version != expected_version:
        raise StaleRule(rule.id)
    row.path, row.source = rule.path, rule.source.cite()[:120]
    row.valid_from, row.valid_until, row.checked_on = (rule.valid_from, rule.valid_until,
                                                       rule.checked_on)
    row.data, row.origin = data, origin
    row.version = row.version + 1
    row.updated_at, row.updated_by = now, by
    s.add(PrecheckRuleHistory(rule_id=rule.id, version=row.version, action=action, data=data,
                              comment=comment[:2000], changed_at=now, changed_by=by))
    s.flush()
    return row.version


def seed(store: Store) -> int:
    """On a store without any rule history: write the shipped rules (once per database).

    Later changes to the shipped file are taken over explicitly with
    `lotse precheck import app/precheck/data/rules.json --apply` (history shows it).
    """
    with store.session.begin() as s:
        if s.scalar(select(func.count(PrecheckRuleHistory.id))):
            return 0
        rules = load_rules()[0]
        for rule in rules:
            write_rule(s, rule, action="seed", by=None, origin="default")
        return len(rules)


def merged(base: list[LawRule] | tuple[LawRule, ...], changed: list[LawRule]) -> list[LawRule]:
    """`base` with `changed` put in (by id): the set a change would leave in force."""
    by_id = {r.id: r for r in base}
    by_id.update({r.id: r for r in changed})
    return _sorted(list(by_id.values()))


def validate_set(rules: list[LawRule]) -> None:
    """`LawError` unless the whole set is valid as a rules file (overlaps included)."""
    parse_rules_file(dump_rules_file(rules, model_start()))


@dataclass
class Change:
    """What an import or an edit does to one rule: created, updated or unchanged."""

    id: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)


def diff(before: dict | None, after: dict) -> list[tuple[str, str, str]]:
    """(field, before, after) for every field that changed (the source by its parts)."""
    before = before or {}
    out = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if name == "source" and isinstance(a, dict) and isinstance(b, dict):
            out += [(f"source.{k}", _show(a.get(k)), _show(b.get(k)))
                    for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        elif a != b:
            out.append((name, _show(a), _show(b)))
    return out


def _show(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value)


def plan_import(s: Session, rules: list[LawRule]) -> tuple[list[Change], list[str]]:
    """Per rule of the file what taking it over changes, and the ids kept that the file lacks.

    Raises `LawError` if the store's rules with the file's put in are no valid set."""
    stored = {row.id: row.data for row in s.scalars(select(PrecheckRule))}
    validate_set(merged(stored_rules(s), rules))
    changes = []
    for rule in rules:
        after = dump_rule(rule)
        before = stored.get(rule.id)
        action = "created" if before is None else "unchanged" if before == after else "updated"
        changes.append(Change(rule.id, action, diff(before, after) if before else []))
    ids = {r.id for r in rules}
    return changes, sorted(set(stored) - ids)


def import_rules(store: Store, rules: list[LawRule], *, by: str | None, comment: str = "",
                 apply: bool = False) -> tuple[list[Change], list[str]]:
    """Check (and with `apply` write) a rules file: upsert by id, unchanged ones skipped.
    Rules in the store that the file lacks are kept (a rule of the law ends by its
    `valid_until`, it is not deleted). All or nothing: one invalid rule, nothing written."""
    with store.session.begin() as s:
        changes, kept = plan_import(s, rules)
        if apply:
            by_id = {r.id: r for r in rules}
            for c in changes:
                if c.action != "unchanged":
                    write_rule(s, by_id[c.id], action="import", by=by, origin="import",
                               comment=comment)
    return changes, kept


def save_rule(store: Store, rule: LawRule, *, by: str | None, comment: str,
              expected_version: int | None, new: bool) -> int:
    """One rule from the editor: validated with the whole set, written with its history."""
    with store.session.begin() as s:
        row = get_row(s, rule.id)
        if new and row is not None:
            raise LawError([_s("Rule {id}: id twice").format(id=rule.id)])
        if not new and row is None:
            raise StaleRule(rule.id)
        validate_set(merged(stored_rules(s) or list(load_rules()[0]), [rule]))
        return write_rule(s, rule, action="create" if new else "update", by=by,
                          comment=comment, expected_version=None if new else expected_version)


def export_rules(store: Store) -> dict:
    """The rules in the store as a rules file (the format `lotse precheck import` reads)."""
    data = dump_rules_file(list(current_rules(store)), model_start())
    data["updated"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return data


def rows(store: Store) -> list[PrecheckRule]:
    with store.session() as s:
        return list(s.scalars(select(PrecheckRule)))


def history(store: Store, rule_id: str, limit: int = 50) -> list[PrecheckRuleHistory]:
    with store.session() as s:
        return list(s.scalars(select(PrecheckRuleHistory)
                              .where(PrecheckRuleHistory.rule_id == rule_id)
                              .order_by(PrecheckRuleHistory.version.desc()).limit(limit)))
