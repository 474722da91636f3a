"""The law as data: the `LawRule` record, the rules file, and its strict validation.

A rule is one requirement of one path (`25a`, `25b`, `stag10`) with its legal
source (law, paragraph, Absatz, Satz, Nummer), the day it took effect and,
where the law changed, the last day it was in force (inclusive). `checked`
says whether the date and content were confirmed against a page found, or come
from memory only (then `note` says so). `parse_rules_file` names every problem
in the staff member's language (German outside a request: the command line);
`load_rules` reads the shipped file `data/rules.json`, the default that seeds the store
(`app.precheck.repository`, which the pre-check reads).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from app.i18n import staff_gettext as _s

FORMAT = "kim-lotse-precheck-rules/1"
DATA = Path(__file__).parent / "data" / "rules.json"
PATHS = ("25a", "25b", "stag10")
LAWS = ("AufenthG", "StAG")
CHECKS = {
    "status": {"any_of", "min_months", "months_apply_to"},
    "min_years": {"years", "years_with_minor_child", "lawful"},
    "school": {"years"},
    "age_range": {"min", "below"},
    "office": set(),
    "livelihood": {"training_exempt", "mode", "family_exempt", "exception"},
    "identity": set(),
    "language": {"level"},
    "children_school": set(),
    "convictions": set(),
    "naturalisation_status": set(),
    "shortened": {"years", "needs", "discretion"},
    "civics": set(),
}
STATUSES = ("duldung", "gestattung", "permit", "permit_104c", "settlement", "none")
LEVELS = ("none", "A1", "A2", "B1", "B2", "C1", "C2")
DOCUMENTS = (
    "passport", "birth_certificate", "residence_document", "duldung_paper",
    "registration_certificate", "school_reports", "school_certificate", "training_contract",
    "employment_contract", "payslips", "rental_contract", "language_certificate",
    "integration_course_certificate", "civics_certificate", "children_school_certificates",
    "proof_of_engagement",
)
NEEDS = {"integration_course": bool, "special_integration": bool, "german_min": str,
         "livelihood": str}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,79}$")


class LawError(ValueError):
    """A rules file that is not valid; `problems` lists every finding in German."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Source:
    law: str
    paragraph: str
    absatz: int | None = None
    satz: int | None = None
    nummer: int | None = None
    url: str = ""

    def cite(self) -> str:
        """German citation, e.g. '§ 25a Abs. 1 Satz 1 Nr. 3 AufenthG'."""
        parts = [f"§ {self.paragraph}"]
        if self.absatz is not None:
            parts.append(f"Abs. {self.absatz}")
        if self.satz is not None:
            parts.append(f"Satz {self.satz}")
        if self.nummer is not None:
            parts.append(f"Nr. {self.nummer}")
        return " ".join(parts) + f" {self.law}"


@dataclass(frozen=True)
class LawRule:
    id: str
    path: str
    check: str
    source: Source
    valid_from: dt.date
    valid_until: dt.date | None
    title_de: str
    checked: bool
    checked_on: dt.date
    checked_how: str
    note: str = ""
    params: dict = field(default_factory=dict)
    documents: tuple[str, ...] = ()

    def in_force(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


def _date(raw, name: str, problems: list[str], where: str) -> dt.date | None:
    if not isinstance(raw, str):
        problems.append(_s("{where}: {name} is missing or not a date").format(
            where=where, name=name))
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(_s("{where}: {name} '{raw}' is not a date (YYYY-MM-DD)").format(
            where=where, name=name, raw=raw))
        return None


def _source(raw, problems: list[str], where: str) -> Source | None:
    if not isinstance(raw, dict) or raw.get("law") not in LAWS or not isinstance(
            raw.get("paragraph"), str) or not raw["paragraph"]:
        problems.append(_s("{where}: the legal source needs law ({laws}) and paragraph").format(
            where=where, laws=", ".join(LAWS)))
        return None
    numbers = {}
    for key in ("absatz", "satz", "nummer"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, int) or not 1 <= value <= 99):
            problems.append(_s("{where}: {key} must be a number from 1 to 99").format(
                where=where, key=key))
        numbers[key] = value if isinstance(value, int) else None
    url = raw.get("url", "")
    if not isinstance(url, str) or (url and not url.startswith("https://")):
        problems.append(_s("{where}: url must begin with https://").format(where=where))
        url = ""
    extra = set(raw) - {"law", "paragraph", "absatz", "satz", "nummer", "url"}
    if extra:
        problems.append(_s("{where}: unknown fields of the source: {fields}").format(
            where=where, fields=", ".join(sorted(extra))))
    return Source(raw["law"], raw["paragraph"], url=url, **numbers)


def _params(check: str, params, problems: list[str], where: str) -> dict:
    if not isinstance(params, dict):
        problems.append(_s("{where}: params must be an object").format(where=where))
        return {}
    unknown = set(params) - CHECKS[check]
    if unknown:
        problems.append(_s("{where}: unknown parameters for {check}: {names}").format(
            where=where, check=check, names=", ".join(sorted(unknown))))
    for key in ("years", "years_with_minor_child", "min", "below", "min_months"):
        if key in params and (not isinstance(params[key], int) or not 0 <= params[key] <= 99):
            problems.append(_s("{where}: {key} must be a whole number from 0 to 99").format(
                where=where, key=key))
    if check in {"min_years", "school", "shortened"} and "years" not in params:
        problems.append(_s("{where}: {check} needs years").format(where=where, check=check))
    if "level" in params and params["level"] not in LEVELS:
        problems.append(_s("{where}: language level '{level}' unknown").format(
            where=where, level=params["level"]))
    if check == "status":
        states = params.get("any_of")
        if not isinstance(states, list) or not states or set(states) - set(STATUSES):
            problems.append(_s("{where}: any_of must name statuses out of {names}").format(
                where=where, names=", ".join(STATUSES)))
    if check == "shortened":
        needs = params.get("needs")
        if not isinstance(needs, dict) or not needs or any(
                k not in NEEDS or not isinstance(v, NEEDS[k]) for k, v in needs.items()):
            problems.append(_s("{where}: needs must name conditions out of {names}").format(
                where=where, names=", ".join(NEEDS)))
        elif needs.get("german_min", "B1") not in LEVELS:
            problems.append(_s("{where}: german_min unknown").format(where=where))
    return params


def parse_rule(raw, index: int = 0) -> tuple[LawRule | None, list[str]]:
    """One rule from its dictionary, or None and the problems found."""
    problems: list[str] = []
    where = _s("Rule {number}").format(number=index + 1)
    if not isinstance(raw, dict):
        return None, [_s("{where}: not an object").format(where=where)]
    rid = raw.get("id")
    if not isinstance(rid, str) or not ID_RE.match(rid):
        problems.append(_s("{where}: id is missing or not valid").format(where=where))
    else:
        where = _s("Rule {id}").format(id=rid)
    if raw.get("path") not in PATHS:
        problems.append(_s("{where}: path must be one of {names}").format(
            where=where, names=", ".join(PATHS)))
    check = raw.get("check")
    if check not in CHECKS:
        problems.append(_s("{where}: check '{check}' unknown").format(where=where, check=check))
        check = "office"
    params = _params(check, raw.get("params", {}), problems, where)
    source = _source(raw.get("source"), problems, where)
    start = _date(raw.get("valid_from"), "valid_from", problems, where)
    end = None
    if raw.get("valid_until") is not None:
        end = _date(raw.get("valid_until"), "valid_until", problems, where)
        if start and end and end < start:
            problems.append(_s("{where}: valid_until lies before valid_from").format(where=where))
    checked_on = _date(raw.get("checked_on"), "checked_on", problems, where)
    if not isinstance(raw.get("checked"), bool):
        problems.append(_s("{where}: checked must be true or false").format(where=where))
    for key in ("title_de", "checked_how"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.append(_s("{where}: {key} is missing").format(where=where, key=key))
    note = raw.get("note", "")
    if not isinstance(note, str):
        problems.append(_s("{where}: note must be text").format(where=where))
    if raw.get("checked") is False and not (isinstance(note, str) and note.strip()):
        problems.append(_s("{where}: a rule not checked (checked: false) needs a note").format(
            where=where))
    docs = raw.get("documents", [])
    if not isinstance(docs, list) or set(docs) - set(DOCUMENTS):
        problems.append(_s("{where}: documents only out of {names}").format(
            where=where, names=", ".join(DOCUMENTS)))
        docs = []
    if problems or source is None or start is None or checked_on is None or not isinstance(
            rid, str):
        return None, problems
    return LawRule(id=rid, path=raw["path"], check=check, source=source, valid_from=start,
                   valid_until=end, title_de=raw["title_de"], checked=raw["checked"],
                   checked_on=checked_on, checked_how=raw["checked_how"], note=note,
                   params=params, documents=tuple(docs)), []


def _overlaps(rules: list[LawRule]) -> list[str]:
    """Two versions of one requirement (same path, check and source) may not overlap."""
    problems = []
    groups: dict[tuple, list[LawRule]] = {}
    for r in rules:
        if r.check != "shortened":
            groups.setdefault((r.path, r.check, r.source.cite()), []).append(r)
    for group in groups.values():
        group.sort(key=lambda r: r.valid_from)
        for a, b in zip(group, group[1:], strict=False):
            if a.valid_until is None or a.valid_until >= b.valid_from:
                problems.append(_s(
                    "Rules {a} and {b} are in force at the same time ({source}): {a} needs a "
                    "valid_until before {day}").format(a=a.id, b=b.id, source=b.source.cite(),
                                                       day=b.valid_from.isoformat()))
    return problems


def parse_rules_file(data) -> list[LawRule]:
    """Every rule of a rules file, or `LawError` with all problems."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise LawError([_s("Not a rules file of the format {format}").format(format=FORMAT)])
    raw = data.get("rules")
    if not isinstance(raw, list) or not raw:
        raise LawError([_s("rules is missing or empty")])
    problems: list[str] = []
    rules: list[LawRule] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        rule, found = parse_rule(item, i)
        problems += found
        if rule:
            if rule.id in seen:
                problems.append(_s("Rule {id}: id twice").format(id=rule.id))
            seen.add(rule.id)
            rules.append(rule)
    problems += _overlaps(rules)
    if problems:
        raise LawError(problems)
    return rules


def dump_rule(r: LawRule) -> dict:
    """The file shape of one rule (inverse of `parse_rule`)."""
    src = {"law": r.source.law, "paragraph": r.source.paragraph}
    for key in ("absatz", "satz", "nummer"):
        if getattr(r.source, key) is not None:
            src[key] = getattr(r.source, key)
    src["url"] = r.source.url
    return {"id": r.id, "path": r.path, "check": r.check, "params": r.params, "source": src,
            "valid_from": r.valid_from.isoformat(),
            "valid_until": r.valid_until.isoformat() if r.valid_until else None,
            "title_de": r.title_de, "documents": list(r.documents), "checked": r.checked,
            "checked_on": r.checked_on.isoformat(), "checked_how": r.checked_how,
            "note": r.note}


def dump_rules_file(rules: list[LawRule], model_start: dt.date) -> dict:
    return {"format": FORMAT, "version": 1, "model_start": model_start.isoformat(),
            "rules": [dump_rule(r) for r in rules]}


def read_file(path: Path) -> tuple[list[LawRule], dt.date]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LawError([_s("{path}: not readable or not JSON ({error})").format(
            path=path, error=exc)]) from exc
    rules = parse_rules_file(data)
    try:
        start = dt.date.fromisoformat(data.get("model_start", ""))
    except (TypeError, ValueError) as exc:
        raise LawError([_s("model_start is missing or not a date")]) from exc
    return rules, start


@lru_cache(maxsize=1)
def load_rules() -> tuple[tuple[LawRule, ...], dt.date]:
    """The shipped rules (validated once per process) and the first day they model."""
    rules, start = read_file(DATA)
    return tuple(rules), start
