"""Editing rules in the staff area: who may change which rule, the form in and out, diffs.

Permissions: an administrator may change every rule; an editor bound to a
Kommune may change the rules scoped to that Kommune or to one of its
Gemeinden (overrides), never the NRW defaults; everybody else reads.
The rule form is a plain HTML form (no JavaScript needed): checkboxes for
the conditions, one select per office kind, text areas for the texts.
"""

from __future__ import annotations

import datetime as dt

from app.responsibility import vocab
from app.responsibility.rules import Rule
from directory.store import Store

LIST_FIELDS = ("statuses", "not_statuses", "benefits", "not_benefits", "gemeinde_status",
               "not_gemeinde_status", "kommune_kind")
LEVEL_CHOICES = ("", "auto", *vocab.LEVELS)  # "" = not responsible, "auto" = office rules decide


def kommune_of_scope(store: Store, scope: str, scope_id: str | None) -> str | None:
    """The Kommune a rule belongs to (None for NRW rules or unknown places)."""
    if scope == "kommune":
        return scope_id
    if scope == "gemeinde" and scope_id:
        from directory.models import Gemeinde

        with store.session() as s:
            g = s.get(Gemeinde, scope_id)
            return g.kommune_id if g else None
    return None


def may_edit(staff, store: Store, scope: str, scope_id: str | None) -> bool:
    if staff.has("admin") and staff.state_wide:
        return True
    if not staff.has("editor", "admin") or staff.state_wide:
        return False
    return scope != "nrw" and kommune_of_scope(store, scope, scope_id) == staff.kommune_id


def may_see(staff, store: Store, scope: str, scope_id: str | None) -> bool:
    """NRW rules for everybody; Kommune rules for that Kommune's staff and state-wide staff."""
    if scope == "nrw" or staff.state_wide:
        return True
    return kommune_of_scope(store, scope, scope_id) == staff.kommune_id


def form_values(rule: Rule | dict | None) -> dict:
    """The values the edit form shows for a rule (or an empty new one)."""
    d = rule.to_dict() if isinstance(rule, Rule) else dict(rule or {})
    when = d.get("when") or {}
    offices = {o["kind"]: o.get("level") or "auto" for o in d.get("offices") or []}
    return {
        "key": d.get("key", ""), "type": d.get("type", "matter"),
        "subject": d.get("subject", ""), "scope": d.get("scope", "kommune"),
        "scope_id": d.get("scope_id") or "",
        **{f: list(when.get(f, [])) for f in LIST_FIELDS},
        "age_min": "" if when.get("age_min") is None else str(when["age_min"]),
        "age_max": "" if when.get("age_max") is None else str(when["age_max"]),
        "offices": offices, "none_needed": bool(d.get("none_needed")),
        "level": d.get("level") or "", "certainty": d.get("certainty", "certain"),
        "legal_domain": d.get("legal_domain") or "", "legal_basis": d.get("legal_basis", ""),
        "explanation": d.get("explanation", ""),
        "notes": "\n".join(f"{n['event']}: {n['text']}" for n in d.get("notes") or []),
        "sources": "\n".join(d.get("sources") or []),
        "valid_from": d.get("valid_from") or "", "valid_until": d.get("valid_until") or "",
    }


def _age(raw: str, name: str, problems: list[str]):
    raw = (raw or "").strip()
    if not raw:
        return None
    if raw.isdigit() and int(raw) <= 120:
        return int(raw)
    problems.append(f"{name}: ganze Zahl zwischen 0 und 120")
    return None


def rule_dict_from_form(form) -> tuple[dict, list[str]]:
    """The rules-file dictionary from a submitted form (validated later by parse_rule)."""
    problems: list[str] = []

    def one(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def many(name: str) -> list[str]:
        return [v for v in form.getlist(name) if isinstance(v, str)]

    when: dict = {f: many(f) for f in LIST_FIELDS if many(f)}
    for name in ("age_min", "age_max"):
        value = _age(one(name), name, problems)
        if value is not None:
            when[name] = value
    rtype = one("type")
    d: dict = {"key": one("key"), "type": rtype, "subject": one(f"subject_{rtype}"),
               "scope": one("scope"), "scope_id": one("scope_id") or None, "when": when,
               "certainty": one("certainty") or "certain",
               "legal_domain": one("legal_domain") or None,
               "legal_basis": one("legal_basis"), "explanation": one("explanation"),
               "valid_from": one("valid_from") or None, "valid_until": one("valid_until") or None}
    if rtype == "office":
        d["level"] = one("level") or None
    else:
        d["offices"] = []
        for kind in vocab.OFFICE_KINDS:
            choice = one(f"office_{kind}")
            if choice and choice in LEVEL_CHOICES:
                d["offices"].append({"kind": kind, **({} if choice == "auto" else
                                                      {"level": choice})})
        if one("none_needed"):
            d["none_needed"] = True
    notes = []
    for line in one("notes").splitlines():
        if not line.strip():
            continue
        event, sep, text = line.partition(":")
        if not sep or event.strip() not in vocab.EVENTS:
            problems.append(f"notes: Zeile »{line[:60]}« – Format »Ereignis: Text«, Ereignisse: "
                            + ", ".join(vocab.EVENTS))
            continue
        notes.append({"event": event.strip(), "text": text.strip()})
    if notes:
        d["notes"] = notes
    sources = [s.strip() for s in one("sources").splitlines() if s.strip()]
    if sources:
        d["sources"] = sources
    return d, problems


def diff(before: dict | None, after: dict) -> list[tuple[str, str, str]]:
    """(field, before, after) for every top-level field that changed."""
    before = before or {}
    out = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a != b:
            out.append((name, _show(a), _show(b)))
    return out


def _show(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value)


PROBE_AGES = (0, 3, 6, 10, 12, 15, 16, 17, 18, 20, 21, 25, 27, 28, 40, 64, 65, 66, 67, 80)


def conflicts(rules: list[Rule], rule: Rule, places) -> list[str]:
    """Keys of other rules of the same subject and scope that match a person this one matches.

    Probes every residence status, benefit situation and a set of ages at the given
    places (Place records), on the days where both rules are valid.
    """
    import itertools

    from app.responsibility.engine import YES, Query, match

    siblings = [r for r in rules if r.key != rule.key and r.type == rule.type
                and r.subject == rule.subject and r.scope == rule.scope
                and r.scope_id == rule.scope_id]
    out = []
    for other in siblings:
        lo = max(d for d in (rule.valid_from, other.valid_from, dt.date.min) if d)
        hi = min(d for d in (rule.valid_until, other.valid_until, dt.date.max) if d)
        if lo > hi:
            continue
        for place, status, age, ben in itertools.product(
                places, vocab.STATUSES, PROBE_AGES, (*vocab.BENEFITS, None)):
            q = Query(rule.subject, age, status, ben, lo)
            if match(rule, q, place)[0] == YES and match(other, q, place)[0] == YES:
                out.append(other.key)
                break
    return out
