"""What the lookup pages show: parsed form input, the answer as template data, form options.

Shared by the volunteer page and API (`app.responsibility.routes`) and the staff lookup
(`app.rules.routes`); the volunteer browse page uses `form_options` too.
"""

from __future__ import annotations

from fastapi import Request

from app.cards import card
from app.i18n import gettext as _
from app.responsibility import vocab
from app.responsibility.lookup import Result
from app.responsibility.offices import carrier_name


def parse_age(raw: str | None) -> tuple[int | None, bool]:
    """(age, ok): empty is fine, anything but 0–120 is not."""
    if raw is None or not raw.strip():
        return None, True
    raw = raw.strip()
    if raw.isdigit() and int(raw) <= 120:
        return int(raw), True
    return None, False


def conditions_de(when: dict) -> list[str]:
    """A rule's conditions in German words (for case managers)."""
    names = {"statuses": ("Status", vocab.STATUSES),
             "not_statuses": ("nicht Status", vocab.STATUSES),
             "benefits": ("Leistung", vocab.BENEFITS),
             "not_benefits": ("nicht Leistung", vocab.BENEFITS)}
    out = []
    for key, (label, table) in names.items():
        if key in when:
            out.append(f"{label}: " + "; ".join(table[c].de for c in when[key]))
    if "age_min" in when or "age_max" in when:
        lo, hi = when.get("age_min"), when.get("age_max")
        out.append(f"Alter {lo}–{hi}" if lo is not None and hi is not None
                   else f"Alter ab {lo}" if lo is not None else f"Alter bis {hi}")
    for key, label in (("kommune_kind", "Kommune"), ("gemeinde_status", "Gemeinde"),
                       ("not_gemeinde_status", "nicht Gemeinde")):
        if key in when:
            out.append(f"{label}: " + ", ".join(when[key]))
    return out


def view(result: Result, lang: str) -> dict:
    """What the templates show: labels translated, offices as cards."""
    d = result.decision
    answers = []
    for i, a in enumerate(d.answers):
        offices = []
        for j, od in enumerate(a.offices):
            offices.append({
                "kind": od.kind,
                "label": _(vocab.OFFICE_KINDS[od.kind].label),
                "de": vocab.OFFICE_KINDS[od.kind].de,
                "carrier": carrier_name(od.level, d.place),
                "level": od.level,
                "certain": od.certain,
                "rule": od.rule,
                "cards": [card(o, lang) for o in result.entries.get((i, j), [])],
            })
        domain = vocab.LEGAL_DOMAINS.get(a.rule.legal_domain or "")
        answers.append({
            "rule": a.rule,
            "conditions_de": conditions_de(a.rule.when),
            "domain": _(domain.label) if domain else None,
            "domain_de": domain.de if domain else None,
            "offices": offices,
            "notes": [{"label": _(vocab.EVENTS[n.event].label), "de": vocab.EVENTS[n.event].de,
                       "text": n.text} for n in a.rule.notes],
        })
    changes = []
    for c in result.changes:
        later = c.decision
        changes.append({
            "event": c.event,
            "label": _(vocab.EVENTS[c.event].label),
            "de": vocab.EVENTS[c.event].de,
            "age": c.age,
            "certain": later.certain,
            "none_needed": any(a.rule.none_needed for a in later.answers),
            "offices": [_(vocab.OFFICE_KINDS[o.kind].label) for a in later.answers
                        for o in a.offices],
            "offices_de": [vocab.OFFICE_KINDS[o.kind].de for a in later.answers
                           for o in a.offices],
            "domains_de": sorted({a.rule.legal_domain for a in later.answers
                                  if a.rule.legal_domain}),
        })
    return {
        "certain": d.certain,
        "reasons": [_(vocab.REASONS[r].label) for r in d.reasons],
        "reasons_de": [vocab.REASONS[r].de for r in d.reasons],
        "outcome": d.outcome,
        "answers": answers,
        "next": changes,
        "case_management": [card(o, lang) for o in result.case_management],
        "place": d.place,
        "query": d.query,
    }


def form_options(store, kommune: str | None) -> dict:
    kommunen = store.kommunen()
    known = {k.id for k in kommunen}
    chosen = kommune if kommune in known else (kommunen[0].id if kommunen else None)
    gemeinden = store.gemeinden(chosen) if chosen else []
    return {"kommunen": kommunen, "kommune": chosen, "gemeinden": gemeinden}


def directory_offers(request: Request) -> list | None:
    """The offers the search engine holds in memory (None: read them from the store)."""
    engine = getattr(request.app.state.services, "engine", None)
    offers = getattr(engine, "offers", None)
    return [o for o in offers.values() if o.office_kind] if offers else None
