"""The volunteer page `/responsibility`: the lookup as a plain form, in every UI language.

Works without JavaScript (GET form, whole page); htmx swaps only the answer.
Offices are shown as the directory's cards; German legal text is marked
`lang="de"` and offered "for the counter".
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from app.cards import card
from app.i18n import gettext as _
from app.responsibility import vocab
from app.responsibility.api import directory_offers
from app.responsibility.lookup import LookupInputError, Result, lookup
from app.responsibility.offices import carrier_name
from app.responsibility.repository import cached_rules
from app.web.rendering import render

router = APIRouter()


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


@router.get("/responsibility", include_in_schema=False)
def responsibility_page(
    request: Request,
    matter: str | None = Query(None, max_length=40),
    kommune: str | None = Query(None, max_length=60),
    gemeinde: str | None = Query(None, max_length=40),
    status: str | None = Query(None, max_length=40),
    benefits: str | None = Query(None, max_length=40),
    age: str | None = Query(None, max_length=10),
):
    services = request.app.state.services
    store = services.store
    lang = request.state.lang
    data = form_options(store, kommune)
    gemeinde_ids = {g.id for g in data["gemeinden"]}
    chosen_gemeinde = gemeinde if gemeinde in gemeinde_ids else None
    age_value, age_ok = parse_age(age)
    data.update({
        "matters": [(c, _(t.label)) for c, t in vocab.MATTERS.items()],
        "statuses": [(c, _(t.label)) for c, t in vocab.STATUSES.items()],
        "benefit_options": [(c, _(t.label)) for c, t in vocab.BENEFITS.items()],
        "matter": matter if matter in vocab.MATTERS else "",
        "gemeinde": chosen_gemeinde or "",
        "status": status if status in vocab.STATUSES else "",
        "benefits": benefits if benefits in vocab.BENEFITS else "",
        "age": age or "",
        "errors": [],
        "answer": None,
    })
    if not age_ok:
        data["errors"].append("age")
    if kommune and kommune != data["kommune"]:
        data["errors"].append("kommune")
    checks = (("matter", matter, vocab.MATTERS), ("status", status, vocab.STATUSES),
              ("benefits", benefits, vocab.BENEFITS))
    for name, value, table in checks:
        if value and value not in table:
            data["errors"].append(name)
    if data["matter"] and not data["errors"]:
        try:
            result = lookup(store, cached_rules(store), matter=data["matter"],
                            kommune=data["kommune"], gemeinde=chosen_gemeinde, age=age_value,
                            status=data["status"] or None, benefits=data["benefits"] or None,
                            offers=directory_offers(request))
        except LookupInputError as exc:
            data["errors"].append(exc.field)
        else:
            data["answer"] = view(result, lang)
    return render(request, "responsibility.html", data, block="answer")
