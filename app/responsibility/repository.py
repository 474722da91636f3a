"""The rules in the database: seeding the shipped defaults, reading, editing with history.

Every write goes through `save_rule`/`delete_rule`/`import_rules`, which keep
the current row and append a history row in the same transaction
(`store.session.begin()`, so SQLite takes its write lock up front). Readers
get parsed `Rule` records; `revision` is a cheap fingerprint callers use to
cache what they computed from the rules.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.responsibility.models import ResponsibilityRule, ResponsibilityRuleHistory
from app.responsibility.rules import Rule, parse_rule, parse_rules_file, rules_file
from directory.demo import backfill_office_kinds
from directory.models import Gemeinde, Kommune
from directory.store import Store

DATA = Path(__file__).parent / "data"
DEFAULTS_FILE = DATA / "nrw_rules.json"
DEMO_FILE = DATA / "demo_rules.json"


def read_file(path: Path) -> list[Rule]:
    return parse_rules_file(json.loads(path.read_text(encoding="utf-8")))


def default_rules() -> list[Rule]:
    """The shipped NRW defaults (see data/RULES.md)."""
    return read_file(DEFAULTS_FILE)


def demo_rules() -> list[Rule]:
    """The fictional Kreis Musterland's own rules (loaded with the demo directory)."""
    return read_file(DEMO_FILE)


def load_rules(store: Store) -> list[Rule]:
    with store.session() as s:
        rows = s.scalars(select(ResponsibilityRule.data).order_by(ResponsibilityRule.key))
        return [parse_rule(d) for d in rows]


def revision(store: Store) -> tuple:
    """Changes whenever any rule changes (count and newest change)."""
    with store.session() as s:
        return tuple(s.execute(select(func.count(ResponsibilityRuleHistory.id),
                                      func.max(ResponsibilityRuleHistory.changed_at))).one())


def get_row(s: Session, key: str) -> ResponsibilityRule | None:
    return s.scalar(select(ResponsibilityRule).where(ResponsibilityRule.key == key))


def check_scope(s: Session, rule: Rule) -> None:
    """A Kommune or Gemeinde scope must name one that exists."""
    from app.responsibility.rules import RuleError

    if rule.scope == "kommune" and s.get(Kommune, rule.scope_id) is None:
        raise RuleError([f"{rule.key}: unbekannte Kommune {rule.scope_id!r}"])
    if rule.scope == "gemeinde" and s.get(Gemeinde, rule.scope_id) is None:
        raise RuleError([f"{rule.key}: unbekannte Gemeinde {rule.scope_id!r}"])


def write_rule(s: Session, rule: Rule, *, action: str, by: str | None, origin: str = "local",
               comment: str = "", expected_version: int | None = None) -> int:
    """Insert or replace one rule and append its history row; returns the new version."""
    check_scope(s, rule)
    data = rule.to_dict()
    row = get_row(s, rule.key)
    now = dt.datetime.now(dt.UTC)
    if row is None:
        row = ResponsibilityRule(key=rule.key, version=0)
        s.add(row)
    elif expected_version is not None and row.version != expected_version:
        raise StaleRule(rule.key)
    row.origin = origin  # default | demo (seeded), local (edited here), import
    row.type, row.subject = rule.type, rule.subject
    row.scope, row.scope_id = rule.scope, rule.scope_id
    row.valid_from, row.valid_until, row.data = rule.valid_from, rule.valid_until, data
    row.version = row.version + 1
    row.updated_at, row.updated_by = now, by
    s.add(ResponsibilityRuleHistory(rule_key=rule.key, version=row.version, action=action,
                                    data=data, comment=comment[:2000], changed_at=now,
                                    changed_by=by))
    s.flush()
    return row.version


class StaleRule(Exception):
    """Someone else changed the rule since the form was opened."""


def delete_rule(s: Session, key: str, *, by: str | None, comment: str = "",
                expected_version: int | None = None) -> bool:
    row = get_row(s, key)
    if row is None:
        return False
    if expected_version is not None and row.version != expected_version:
        raise StaleRule(key)
    s.add(ResponsibilityRuleHistory(rule_key=key, version=row.version + 1, action="delete",
                                    data=row.data, comment=comment[:2000],
                                    changed_at=dt.datetime.now(dt.UTC), changed_by=by))
    s.delete(row)
    s.flush()
    return True


def seed(store: Store, *, demo: bool | None = None) -> int:
    """On a store without any rule history: write the NRW defaults (and the demo rules).

    Runs once per database; later changes to the shipped file are taken over
    explicitly with `lotse rules import --defaults` (history shows the change).
    """
    with store.session.begin() as s:
        if demo is None:
            demo = s.get(Kommune, "demo") is not None
        if demo:  # a demo store from before office kinds existed
            backfill_office_kinds(s)
        if s.scalar(select(func.count(ResponsibilityRuleHistory.id))):
            return 0
        rules = [(r, "default") for r in default_rules()]
        if demo:
            rules += [(r, "demo") for r in demo_rules()]
        for rule, origin in rules:
            write_rule(s, rule, action="seed", by=None, origin=origin)
        return len(rules)


def import_rules(store: Store, rules: list[Rule], *, by: str | None, comment: str = "",
                 replace_all: bool = False,
                 allowed: Callable[[str, str | None], bool] | None = None) -> dict:
    """Upsert rules by key (unchanged ones are skipped); `replace_all` deletes the rest.

    `allowed(scope, scope_id)`: whether the importer may change a rule of that scope
    (None: every rule). It is asked for the scope in the file AND the scope of the rule
    stored under the same key, so nobody moves, changes or deletes a rule they may not
    edit (SEC-22); `replace_all` deletes only rules the importer may change.
    """
    from app.responsibility.rules import RuleError

    counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    keys = {r.key for r in rules}
    with store.session() as s:  # asked before the write lock: `allowed` may read the store
        stored = {row.key: (row.scope, row.scope_id, row.data)
                  for row in s.scalars(select(ResponsibilityRule))}
    if allowed is not None:
        refused = [r.key for r in rules if (r.key not in stored or stored[r.key][2]
                                            != r.to_dict())
                   and (not allowed(r.scope, r.scope_id) or (
                       r.key in stored and not allowed(*stored[r.key][:2])))]
        if refused:
            raise RuleError([f"Diese Regeln dürfen Sie nicht ändern: "
                             f"{', '.join(refused[:20])}"])
    gone = [key for key, (scope, scope_id, _) in stored.items() if key not in keys
            and (allowed is None or allowed(scope, scope_id))] if replace_all else []
    with store.session.begin() as s:
        for rule in rules:
            check_scope(s, rule)
        for rule in rules:
            row = get_row(s, rule.key)
            if row is not None and row.data == rule.to_dict():
                counts["unchanged"] += 1
                continue
            if allowed is not None and row is not None and (row.scope, row.scope_id) != \
                    stored.get(rule.key, (None, None))[:2]:
                raise RuleError([f"{rule.key}: wurde gerade geändert, bitte erneut einspielen"])
            counts["updated" if row is not None else "created"] += 1
            write_rule(s, rule, action="import", by=by, origin="import", comment=comment)
        for key in gone:
            if delete_rule(s, key, by=by, comment=comment or "import --replace-all"):
                counts["deleted"] += 1
    return counts


def export_rules(store: Store, visible: Callable[[str, str | None], bool] | None = None
                 ) -> dict:
    """The rules in force as a rules file; `visible(scope, scope_id)` picks the ones shown
    (a Kommune's staff: the NRW rules and their own Kommune's, as the list pages)."""
    rules = [r for r in load_rules(store) if visible is None or visible(r.scope, r.scope_id)]
    return rules_file(rules, title="KIM-Lotse Zuständigkeitsregeln",
                      exported=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat())


def history(store: Store, key: str | None = None,
            limit: int = 200) -> list[ResponsibilityRuleHistory]:
    with store.session() as s:
        q = select(ResponsibilityRuleHistory).order_by(
            ResponsibilityRuleHistory.changed_at.desc(), ResponsibilityRuleHistory.version.desc())
        if key:
            q = q.where(ResponsibilityRuleHistory.rule_key == key)
        return list(s.scalars(q.limit(limit)))


def rule_rows(store: Store) -> list[ResponsibilityRule]:
    with store.session() as s:
        return list(s.scalars(select(ResponsibilityRule).order_by(
            ResponsibilityRule.subject, ResponsibilityRule.scope, ResponsibilityRule.key)))


_cache: dict[str, tuple[tuple, list[Rule]]] = {}


def cached_rules(store: Store) -> list[Rule]:
    """The rules in force, parsed once per change (keyed by the store and its revision)."""
    rev = revision(store)
    hit = _cache.get(store.url)
    if hit is None or hit[0] != rev:
        hit = (rev, load_rules(store))
        _cache[store.url] = hit
    return hit[1]
