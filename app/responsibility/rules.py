"""Rules as data: the `Rule` record, its validation, and the rules file format.

A rule says: for this *subject* (a matter, or an office kind for "who runs
this office here"), in this *scope* (all of NRW, one Kommune, one Gemeinde),
*when* the person and the place meet these conditions, *then* these offices
are responsible (or none is needed), on this legal basis, valid from/until.
The same dictionary shape is used by the shipped defaults, the rules file
export/import, the database and the editor form; `parse_rule` checks it
strictly and names every problem in German (the editors' language).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from app.responsibility import vocab

FORMAT = "kim-lotse-rules/1"
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,79}$")
LIST_CONDITIONS = {
    "statuses": vocab.STATUSES, "not_statuses": vocab.STATUSES,
    "benefits": vocab.BENEFITS, "not_benefits": vocab.BENEFITS,
    "gemeinde_status": vocab.GEMEINDE_STATUSES, "not_gemeinde_status": vocab.GEMEINDE_STATUSES,
    "kommune_kind": vocab.KOMMUNE_KINDS,
}
TEXT_LIMIT = 4000


class RuleError(ValueError):
    """A rule (or rules file) that cannot be used; `problems` lists what is wrong."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class OfficeSpec:
    kind: str
    level: str | None = None  # None: the carrier rules (or the kind's default) decide


@dataclass(frozen=True)
class Note:
    event: str
    text: str


@dataclass(frozen=True)
class Rule:
    key: str
    type: str  # "matter" | "office"
    subject: str  # a matter code, or an office kind code for type "office"
    scope: str = "nrw"  # "nrw" | "kommune" | "gemeinde"
    scope_id: str | None = None
    when: dict = field(default_factory=dict)
    offices: tuple[OfficeSpec, ...] = ()  # type "matter"
    level: str | None = None  # type "office": where this office sits for matching places
    none_needed: bool = False
    certainty: str = "certain"
    legal_domain: str | None = None
    legal_basis: str = ""
    explanation: str = ""
    notes: tuple[Note, ...] = ()
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    sources: tuple[str, ...] = ()

    @property
    def specificity(self) -> int:
        return vocab.SCOPES.index(self.scope)

    def valid_on(self, day: dt.date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_until is None or day <= self.valid_until))

    def to_dict(self) -> dict:
        """The rules-file shape (stable key order, no empty optional fields)."""
        d: dict = {"key": self.key, "type": self.type, "subject": self.subject,
                   "scope": self.scope}
        if self.scope_id:
            d["scope_id"] = self.scope_id
        if self.when:
            d["when"] = {k: self.when[k] for k in sorted(self.when)}
        if self.type == "matter":
            d["offices"] = [
                {"kind": o.kind, **({"level": o.level} if o.level else {})} for o in self.offices
            ]
            if self.none_needed:
                d["none_needed"] = True
        else:
            d["level"] = self.level
        d["certainty"] = self.certainty
        if self.legal_domain:
            d["legal_domain"] = self.legal_domain
        d["legal_basis"] = self.legal_basis
        d["explanation"] = self.explanation
        if self.notes:
            d["notes"] = [{"event": n.event, "text": n.text} for n in self.notes]
        d["valid_from"] = self.valid_from.isoformat() if self.valid_from else None
        d["valid_until"] = self.valid_until.isoformat() if self.valid_until else None
        if self.sources:
            d["sources"] = list(self.sources)
        return d


def _date(value, name: str, problems: list[str]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{name}: kein Datum im Format JJJJ-MM-TT ({value!r})")
        return None


def _text(data: dict, name: str, problems: list[str], required: bool = False) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.append(f"{name}: muss Text sein")
        return ""
    value = value.strip()
    if required and not value:
        problems.append(f"{name}: fehlt")
    if len(value) > TEXT_LIMIT:
        problems.append(f"{name}: zu lang (höchstens {TEXT_LIMIT} Zeichen)")
    return value


def _conditions(when, problems: list[str]) -> dict:
    if when in (None, ""):
        return {}
    if not isinstance(when, dict):
        problems.append("when: muss ein Objekt sein")
        return {}
    out: dict = {}
    for name, value in when.items():
        if name in LIST_CONDITIONS:
            if not isinstance(value, list) or not value:
                problems.append(f"when.{name}: muss eine nicht leere Liste sein")
                continue
            unknown = [v for v in value if v not in LIST_CONDITIONS[name]]
            if unknown:
                problems.append(f"when.{name}: unbekannte Werte {unknown}")
                continue
            out[name] = sorted(set(value))
        elif name in ("age_min", "age_max"):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
                problems.append(f"when.{name}: ganze Zahl zwischen 0 und 120")
                continue
            out[name] = value
        else:
            problems.append(f"when: unbekannte Bedingung {name!r}")
    if out.get("age_min", 0) > out.get("age_max", 120):
        problems.append("when: age_min ist größer als age_max")
    for positive in ("statuses", "benefits", "gemeinde_status"):
        both = set(out.get(positive, ())) & set(out.get("not_" + positive, ()))
        if both:
            problems.append(f"when: {sorted(both)} zugleich in {positive} und not_{positive}")
    return out


def parse_rule(data: dict) -> Rule:
    """Validate one rule dictionary; raises RuleError with every problem found."""
    if not isinstance(data, dict):
        raise RuleError(["Regel: muss ein Objekt sein"])
    problems: list[str] = []
    known = {"key", "type", "subject", "scope", "scope_id", "when", "offices", "level",
             "none_needed", "certainty", "legal_domain", "legal_basis", "explanation", "notes",
             "valid_from", "valid_until", "sources"}
    extra = sorted(set(data) - known)
    if extra:
        problems.append(f"unbekannte Felder {extra}")
    key = data.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        problems.append("key: 2–80 Zeichen aus a–z, 0–9, Punkt, Binde- und Unterstrich")
        key = str(key)
    rtype = data.get("type")
    if rtype not in vocab.RULE_TYPES:
        problems.append(f"type: 'matter' oder 'office' (nicht {rtype!r})")
    subject = data.get("subject")
    if rtype == "matter" and subject not in vocab.MATTERS:
        problems.append(f"subject: unbekanntes Anliegen {subject!r}")
    if rtype == "office" and subject not in vocab.OFFICE_KINDS:
        problems.append(f"subject: unbekannte Stellenart {subject!r}")
    scope = data.get("scope", "nrw")
    scope_id = data.get("scope_id") or None
    if scope not in vocab.SCOPES:
        problems.append(f"scope: 'nrw', 'kommune' oder 'gemeinde' (nicht {scope!r})")
    elif scope == "nrw" and scope_id:
        problems.append("scope_id: bei scope 'nrw' leer lassen")
    elif scope != "nrw" and (not isinstance(scope_id, str) or not 1 <= len(scope_id) <= 40):
        problems.append("scope_id: Kommune- bzw. Gemeinde-Kennung fehlt")
    when = _conditions(data.get("when"), problems)
    offices: list[OfficeSpec] = []
    level = data.get("level")
    none_needed = bool(data.get("none_needed", False))
    if rtype == "matter":
        raw = data.get("offices") or []
        if not isinstance(raw, list):
            problems.append("offices: muss eine Liste sein")
            raw = []
        for o in raw:
            o = {"kind": o} if isinstance(o, str) else o
            if not isinstance(o, dict) or o.get("kind") not in vocab.OFFICE_KINDS:
                problems.append(f"offices: unbekannte Stellenart {o!r}")
                continue
            if o.get("level") not in (None, *vocab.LEVELS) or set(o) - {"kind", "level"}:
                problems.append(f"offices: ungültige Angabe {o!r}")
                continue
            offices.append(OfficeSpec(o["kind"], o.get("level")))
        if not offices and not none_needed:
            problems.append("offices: mindestens eine Stelle, oder none_needed")
        if level is not None:
            problems.append("level: nur bei Regeln vom Typ 'office'")
    elif rtype == "office":
        if level not in vocab.LEVELS:
            problems.append(f"level: eines von {list(vocab.LEVELS)}")
        if data.get("offices") or none_needed:
            problems.append("offices/none_needed: nur bei Regeln vom Typ 'matter'")
    certainty = data.get("certainty", "certain")
    if certainty not in vocab.CERTAINTIES:
        problems.append("certainty: 'certain' oder 'varies'")
    legal_domain = data.get("legal_domain") or None
    if legal_domain is not None and legal_domain not in vocab.LEGAL_DOMAINS:
        problems.append(f"legal_domain: unbekannt {legal_domain!r}")
    legal_basis = _text(data, "legal_basis", problems, required=True)
    explanation = _text(data, "explanation", problems, required=True)
    notes: list[Note] = []
    for n in data.get("notes") or []:
        if (not isinstance(n, dict) or n.get("event") not in vocab.EVENTS
                or not isinstance(n.get("text"), str) or not n["text"].strip()
                or set(n) - {"event", "text"}):
            problems.append(f"notes: ungültiger Eintrag {n!r}")
            continue
        notes.append(Note(n["event"], n["text"].strip()[:TEXT_LIMIT]))
    valid_from = _date(data.get("valid_from"), "valid_from", problems)
    valid_until = _date(data.get("valid_until"), "valid_until", problems)
    if valid_from and valid_until and valid_until < valid_from:
        problems.append("valid_until liegt vor valid_from")
    sources = data.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        problems.append("sources: Liste von Texten")
        sources = []
    if problems:
        raise RuleError([f"{key}: {p}" for p in problems])
    return Rule(
        key=key, type=rtype, subject=subject, scope=scope, scope_id=scope_id, when=when,
        offices=tuple(offices), level=level if rtype == "office" else None,
        none_needed=none_needed, certainty=certainty, legal_domain=legal_domain,
        legal_basis=legal_basis, explanation=explanation, notes=tuple(notes),
        valid_from=valid_from, valid_until=valid_until, sources=tuple(sources),
    )


def parse_rules_file(data: dict) -> list[Rule]:
    """A whole rules file (`{"format": ..., "rules": [...]}`); keys must be unique."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RuleError([f"Regeldatei: 'format' muss {FORMAT!r} sein"])
    raw = data.get("rules")
    if not isinstance(raw, list):
        raise RuleError(["Regeldatei: 'rules' muss eine Liste sein"])
    rules, problems, seen = [], [], set()
    for item in raw:
        try:
            rule = parse_rule(item)
        except RuleError as exc:
            problems.extend(exc.problems)
            continue
        if rule.key in seen:
            problems.append(f"{rule.key}: Schlüssel doppelt")
        seen.add(rule.key)
        rules.append(rule)
    if problems:
        raise RuleError(problems)
    return rules


def rules_file(rules: list[Rule], **meta) -> dict:
    """The export shape: format marker, metadata, rules sorted by key."""
    return {"format": FORMAT, **meta, "rules": [r.to_dict() for r in sorted(rules, key=_order)]}


def _order(rule: Rule) -> tuple:
    return (rule.type, rule.subject, rule.specificity, rule.scope_id or "", rule.key)
