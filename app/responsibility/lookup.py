"""The lookup as the API and the pages use it: inputs checked, rules applied, entries found.

`lookup()` takes plain inputs (ids and codes), finds the place in the store,
decides with the rules in force, finds the directory entries for each
responsible office and for the KIM case management, and says what changes
next. `present()` turns the result into the JSON-able answer of
`GET /api/v1/responsibility`, labelled in the current UI language (German
explanations and legal references stay German).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from app.i18n import gettext as _
from app.responsibility import vocab
from app.responsibility.engine import Change, Decision, Place, Query, decide, next_changes
from app.responsibility.offices import carrier_name, entries
from app.responsibility.rules import Rule
from directory.models import Gemeinde
from directory.store import Offer, Store

BERLIN = ZoneInfo("Europe/Berlin")


class LookupInputError(ValueError):
    """An input that names nothing we know; `field` says which one."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def today() -> dt.date:
    return dt.datetime.now(BERLIN).date()


def find_place(store: Store, kommune: str | None, gemeinde: str | None) -> Place:
    """The place from a Gemeinde id (AGS) and/or a Kommune id; a kreisfreie Stadt is both."""
    g = None
    if gemeinde:
        with store.session() as s:
            g = s.get(Gemeinde, gemeinde)
        if g is None:
            raise LookupInputError("gemeinde", _("We do not know this town or municipality."))
        if kommune and kommune != g.kommune_id:
            raise LookupInputError("place",
                                   _("This town does not belong to the chosen Kommune."))
        kommune = g.kommune_id
    if not kommune:
        raise LookupInputError("kommune", _("Please choose a Kommune or a town."))
    k = store.kommune(kommune)
    if k is None:
        raise LookupInputError("kommune", _("Unknown Kommune."))
    members = store.gemeinden(k.id)
    if g is None and len(members) == 1:
        g = members[0]
    return Place(k.id, k.name, k.kind, g.id if g else None, g.name if g else None,
                 g.status if g else None, tuple(x.id for x in members))


def check_codes(matter: str, status: str | None, benefits: str | None) -> None:
    """Codes come from vocab (the API and the forms check them first): a bug otherwise."""
    for name, value, table in (("matter", matter, vocab.MATTERS),
                               ("status", status, vocab.STATUSES),
                               ("benefits", benefits, vocab.BENEFITS)):
        if (value is not None or name == "matter") and value not in table:
            raise LookupInputError(name, f"unknown {name} code {value!r}")


@dataclass
class Result:
    decision: Decision
    changes: list[Change]
    entries: dict[tuple[int, int], list[Offer]] = field(default_factory=dict)
    case_management: list[Offer] = field(default_factory=list)


def lookup(store: Store, rules: list[Rule], *, matter: str, kommune: str | None = None,
           gemeinde: str | None = None, age: int | None = None, status: str | None = None,
           benefits: str | None = None, day: dt.date | None = None,
           offers: list[Offer] | None = None) -> Result:
    """Who is responsible for this matter, for this person, here, on this day."""
    check_codes(matter, status, benefits)
    place = find_place(store, kommune, gemeinde)
    q = Query(matter, age, status, benefits, day or today())
    decision = decide(rules, q, place)
    result = Result(decision, next_changes(rules, decision))
    if offers is None:
        offers = [o for o in store.offers(place.kommune_id) if o.office_kind]
    for i, answer in enumerate(decision.answers):
        for j, office in enumerate(answer.offices):
            result.entries[(i, j)] = entries(offers, office.kind, office.level, place, q)
    result.case_management = entries(offers, "kim_case_management", "kommune", place, q)
    return result


# --- presentation -------------------------------------------------------------------


def term(table: dict[str, vocab.Term], code: str | None) -> dict | None:
    if code is None:
        return None
    t = table[code]
    return {"code": code, "label": _(t.label), "de": t.de}


def entry_json(o: Offer) -> dict:
    address = ", ".join(x for x in (o.street, " ".join(filter(None, (o.postal_code, o.city))))
                        if x)
    return {"id": o.id, "name": o.name, "organization": o.organization,
            "kommune": o.kommune_id, "phones": list(o.phones), "email": o.email,
            "address": address or None, "url": o.url}


def _offices_json(answer, result: Result, i: int, with_entries: bool = True) -> list[dict]:
    place = result.decision.place
    out = []
    for j, od in enumerate(answer.offices):
        item = {
            **term(vocab.OFFICE_KINDS, od.kind),
            "level": od.level,
            "carrier": carrier_name(od.level, place),
            "certain": od.certain,
            "rule": od.rule.key if od.rule else None,
            "legal_basis": od.rule.legal_basis if od.rule else None,
            "explanation": od.rule.explanation if od.rule else None,
        }
        if with_entries:
            item["entries"] = [entry_json(o) for o in result.entries.get((i, j), [])]
        out.append(item)
    return out


def present(result: Result) -> dict:
    """The JSON answer (labels in the current UI language)."""
    d = result.decision
    q, place = d.query, d.place
    answers = []
    for i, a in enumerate(d.answers):
        r = a.rule
        answers.append({
            "rule": r.key, "scope": r.scope, "scope_id": r.scope_id,
            "legal_domain": term(vocab.LEGAL_DOMAINS, r.legal_domain),
            "legal_basis": r.legal_basis, "explanation": r.explanation,
            "certainty": r.certainty, "none_needed": r.none_needed,
            "conditions": r.when,
            "valid_from": r.valid_from.isoformat() if r.valid_from else None,
            "valid_until": r.valid_until.isoformat() if r.valid_until else None,
            "notes": [{"event": n.event, "text": n.text} for n in r.notes],
            "offices": _offices_json(a, result, i),
        })
    changes = []
    for c in result.changes:
        later = c.decision
        changes.append({
            "event": term(vocab.EVENTS, c.event),
            "status": term(vocab.STATUSES, c.status),
            "age": c.age,
            "certain": later.certain,
            "answers": [{
                "rule": a.rule.key,
                "legal_domain": term(vocab.LEGAL_DOMAINS, a.rule.legal_domain),
                "none_needed": a.rule.none_needed,
                "offices": [term(vocab.OFFICE_KINDS, o.kind) for o in a.offices],
            } for a in later.answers],
        })
    return {
        "matter": term(vocab.MATTERS, q.matter),
        "date": q.day.isoformat(),
        "place": {
            "kommune": {"id": place.kommune_id, "name": place.kommune_name},
            "gemeinde": ({"id": place.gemeinde_id, "name": place.gemeinde_name,
                          "status": place.gemeinde_status} if place.gemeinde_id else None),
        },
        "input": {"age": q.age, "status": term(vocab.STATUSES, q.status),
                  "benefits": term(vocab.BENEFITS, q.benefits)},
        "certain": d.certain,
        "reasons": [term(vocab.REASONS, r) for r in d.reasons],
        "answers": answers,
        "next": changes,
        "case_management": [entry_json(o) for o in result.case_management],
    }
