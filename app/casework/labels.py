"""Staff-language labels of the case file's codes (areas, link kinds, outcomes, reasons)
and the Europe/Berlin time filter of the staff templates."""

from __future__ import annotations

import datetime as dt

from app.casework.casefile import BERLIN
from app.i18n import staff_gettext as _s
from directory.db import as_utc


def areas() -> dict[str, str]:
    return {"residence": _s("Residence status"), "language": _s("Language"),
            "education": _s("Education and recognition of qualifications"),
            "work": _s("Work"), "housing": _s("Housing"), "health": _s("Health"),
            "family": _s("Family and children"), "money": _s("Money and debts")}


def link_kinds() -> dict[str, str]:
    return {"offer": _s("Offer from the directory"),
            "jobcenter": _s("Jobcenter case management (SGB II)"),
            "jmd": _s("Jugendmigrationsdienst (JMD)"),
            "mbe": _s("Migrationsberatung für Erwachsene (MBE)"),
            "jugendamt": _s("Jugendamt (SGB VIII)")}


def outcomes() -> dict[str, str]:
    return {"open": _s("link outcome: open"), "contacted": _s("link outcome: contacted"),
            "accepted": _s("link outcome: taken up"), "waiting": _s("link outcome: waiting list"),
            "declined": _s("link outcome: declined"), "done": _s("link outcome: completed")}


def close_reasons() -> dict[str, str]:
    return {"goals_reached": _s("Goals reached"), "moved": _s("Person moved away"),
            "no_longer_needed": _s("Support no longer needed"),
            "not_reachable": _s("Person could not be reached"),
            "other_service": _s("Another service took over"),
            "other": _s("Other reason (see text)"),
            "reopened": _s("Reopened"), "handover_out": _s("Handed over to another Kommune"),
            "handover_in": _s("Hand-over accepted"),
            "handover_back": _s("Hand-over taken back")}


def requirable() -> dict[str, str]:
    return {"intake": _s("Intake notes"), "assessment": _s("An assessment"),
            "goal": _s("At least one goal"), "goal_agreed": _s("A goal agreed with the person"),
            "link": _s("At least one linking"), "followup": _s("A follow-up date")}


def berlin(value: dt.datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A UTC time as Europe/Berlin wall time (the staff area's only time zone)."""
    if value is None:
        return "–"
    return as_utc(value).astimezone(BERLIN).strftime(fmt)


def precheck_outcomes() -> dict[str, str]:
    return {"may_open": _s("case pre-check: may be open (the office decides)"),
            "unclear": _s("case pre-check: unclear, answers missing"),
            "missing": _s("case pre-check: not yet, requirements missing"),
            "closed": _s("case pre-check: not open by these answers")}


def precheck_form() -> dict:
    """Questions and choices of the pre-check in the case (staff wording)."""
    yes_no = [("yes", _s("yes")), ("no", _s("no"))]
    return {
        "yes_no": yes_no,
        "statuses": [("duldung", "Duldung"), ("gestattung", "Aufenthaltsgestattung"),
                     ("permit", "Aufenthaltserlaubnis"),
                     ("permit_104c", "Aufenthaltserlaubnis § 104c AufenthG"),
                     ("settlement", _s("case pre-check status: settlement permit, EU "
                                       "permanent residence or EU citizenship")),
                     ("none", _s("case pre-check status: none of these"))],
        "work": [("fulltime", _s("case pre-check work: full time")),
                 ("parttime", _s("case pre-check work: part time")),
                 ("none", _s("case pre-check work: none"))],
        "livelihood": [("own", _s("case pre-check livelihood: own income")),
                       ("partly", _s("case pre-check livelihood: partly benefits")),
                       ("benefits", _s("case pre-check livelihood: mainly benefits"))],
        "levels": [("none", _s("case pre-check: no German certificate yet"))]
                  + [(lv, lv) for lv in ("A1", "A2", "B1", "B2", "C1", "C2")],
        "months": [(str(m), f"{m:02d}") for m in range(1, 13)],
        "questions": {
            "age": _s("Age of the person (years)"),
            "arrived_year": _s("Year of arrival in Germany"),
            "arrived_month": _s("Month of arrival"),
            "uninterrupted": _s("Lived in Germany since then without a break, always with "
                                "permit, Gestattung or Duldung"),
            "status": _s("Current residence document"),
            "status_months": _s("Months with the current document"),
            "passport": _s("Passport or other proof of identity"),
            "school_years": _s("Years of school in Germany"),
            "degree_de": _s("School or vocational qualification from Germany or recognised"),
            "in_training": _s("In school, vocational training or studies now"),
            "work": _s("Works (pre-check question)"),
            "livelihood": _s("Livelihood (pre-check question)"),
            "german": _s("German: level of the last certificate"),
            "integration_course": _s("Integration course completed"),
            "civics_test": _s("Naturalisation test or 'Leben in Deutschland' passed"),
            "special_integration": _s("Special integration achievements"),
            "minor_children": _s("Children under 18 in the household"),
            "children_school": _s("All children of school age go to school"),
            "convictions": _s("Criminal convictions (the person may leave this open)"),
        },
    }
