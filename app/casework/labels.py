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
