"""The state editors' side of the pre-check's law rules: who may change them, the form in and
out, the preview of an edit (which shipped scenarios change their result) and the history.

Permissions: the law is the same in every Kommune, so only state-wide staff with the
editor or admin role change it; the editors of a Kommune (and coordinators) read the
rules and their history. The form is plain HTML (no JavaScript needed); `params` is
edited as JSON, everything else field by field; validation is `law.parse_rule` plus the
whole set (`repository.validate_set`), its messages in the staff member's language.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from app.i18n import staff_gettext as _s
from app.precheck import repository, scenarios
from app.precheck.law import LawError, LawRule, parse_rule
from directory.store import Store

SOURCE_NUMBERS = ("absatz", "satz", "nummer")


def may_edit(staff) -> bool:
    """Only a state-level (Land) editor or administrator changes the law rules."""
    return staff.state_wide and staff.has("editor", "admin")


def form_values(data: dict | None) -> dict:
    """The values the edit form shows for a rule's file dictionary (or a new rule)."""
    d = dict(data or {})
    src = d.get("source") or {}
    return {
        "id": d.get("id", ""), "path": d.get("path", "25b"), "check": d.get("check", "office"),
        "title_de": d.get("title_de", ""),
        "params": json.dumps(d.get("params") or {}, ensure_ascii=False),
        "source_law": src.get("law", "AufenthG"), "source_paragraph": src.get("paragraph", ""),
        **{f"source_{k}": "" if src.get(k) is None else str(src[k]) for k in SOURCE_NUMBERS},
        "source_url": src.get("url", ""),
        "valid_from": d.get("valid_from") or "", "valid_until": d.get("valid_until") or "",
        "checked": bool(d.get("checked")), "checked_on": d.get("checked_on") or "",
        "checked_how": d.get("checked_how", ""), "note": d.get("note", ""),
        "documents": list(d.get("documents") or []),
    }


def rule_dict_from_form(form, rule_id: str | None) -> tuple[dict, list[str]]:
    """The rules-file dictionary from a submitted form (validated by `parse_rule` after)."""
    problems: list[str] = []

    def one(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    try:
        params = json.loads(one("params") or "{}")
    except json.JSONDecodeError:
        problems.append(_s("Parameters: not valid JSON, e.g. {\"years\": 5}."))
        params = {}
    source: dict = {"law": one("source_law"), "paragraph": one("source_paragraph")}
    for key in SOURCE_NUMBERS:
        raw = one(f"source_{key}")
        if raw:
            source[key] = int(raw) if raw.isdigit() else raw  # parse_rule names a bad one
    source["url"] = one("source_url")
    data = {
        "id": rule_id if rule_id is not None else one("id"), "path": one("path"),
        "check": one("check"), "params": params, "source": source,
        "valid_from": one("valid_from") or None, "valid_until": one("valid_until") or None,
        "title_de": one("title_de"),
        "documents": [v for v in form.getlist("documents") if isinstance(v, str)],
        "checked": bool(one("checked")), "checked_on": one("checked_on") or None,
        "checked_how": one("checked_how"), "note": one("note"),
    }
    return data, problems


def check(store: Store, data: dict, problems: list[str]) -> tuple[LawRule | None, list[str],
                                                                   list[scenarios.Changed]]:
    """The rule, every problem found (the rule alone, then with the whole set), and the
    scenarios whose result the change would alter (empty when it is not valid)."""
    rule, found = parse_rule(data)
    problems = problems + found
    if rule is None or problems:
        return None, problems, []
    before = repository.current_rules(store)
    after = repository.merged(before, [rule])
    try:
        repository.validate_set(after)
    except LawError as exc:
        return None, problems + exc.problems, []
    start = repository.model_start()
    also = rule.valid_from if rule.valid_from >= start else None
    return rule, [], scenarios.changes(before, after, also_on=also)


def versions(history) -> list[dict]:
    """History rows, newest first, each with its diff against the version before."""
    rows = list(history)
    return [{"h": h, "diff": repository.diff(rows[i + 1].data if i + 1 < len(rows) else None,
                                             h.data)} for i, h in enumerate(rows)]


def names(store: Store, items: list[dict]) -> dict[str, str]:
    """User ids in the history -> user names (staff only ever see names, never ids)."""
    from app.staff.models import StaffUser

    ids = {v["h"].changed_by for v in items if v["h"].changed_by}
    if not ids:
        return {}
    with store.session() as s:
        return dict(s.execute(select(StaffUser.id, StaffUser.username)
                              .where(StaffUser.id.in_(ids))).all())


def in_force_on(raw: str | None) -> dt.date:
    """The day the list marks the rules in force for (today if none or not a date)."""
    try:
        day = dt.date.fromisoformat(raw or "")
    except ValueError:
        return dt.date.today()
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31) else dt.date.today()
