"""Names of what the figures count, in the staff area's language (German or English)."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from app.analytics.figures import NONE, OTHER, UNANSWERED
from app.i18n import language_name, staff_language
from app.i18n import staff_gettext as _s
from app.sensors.report import office_label, problem_label
from directory import reference


def month(m: dt.date) -> str:
    return format_date(m, "MMM yyyy", locale=staff_language())


def column(view, m: dt.date) -> str:
    """A month as a column header; the running month says so (its counts still grow)."""
    if getattr(view, "running", False) and view.months and m == view.months[-1]:
        return _s("%(month)s (running month)") % {"month": month(m)}
    return month(m)


def month_short(m: dt.date) -> str:
    """The month alone (the year is in the chart's title)."""
    return format_date(m, "LLL", locale=staff_language())


def language(code: str) -> str:
    if code == OTHER:
        return _s("Other languages")
    if code == NONE:
        return _s("Not given (API)")
    if code.startswith("de-x-simple"):
        return _s("German (Einfache Sprache)")
    return language_name(code, staff_language())


def topic(code: str) -> str:
    if code == UNANSWERED:
        return _s("No confident answer")
    if code == OTHER:
        return _s("Other answers")
    return reference.topic_label(code, staff_language())


def row(table: str, key: str, kommunen: dict[str, str] | None = None) -> str:
    """The label of one row of one table of `app.analytics.figures`."""
    if table == "topics":
        return topic(key)
    if table in ("query_lang", "ui_lang"):
        return language(key)
    if table == "interfaces_office":
        return office_label(key)
    if table == "interfaces_problem":
        return problem_label(key)
    if table == "kommunen":
        return _s("No Kommune chosen") if key == NONE else (kommunen or {}).get(key, key)
    fixed = {
        "questions": _s("Questions"),
        "crisis": _s("Acute danger (crisis)"),
        "no_crisis": _s("No crisis"),
        "yes": _s("Yes"),
        "no": _s("No"),
        NONE: _s("No answer"),
    }
    if table == "referral":
        fixed = {"yes": _s("Referral followed"), "no": _s("No referral")}
    if table == "referrals":
        fixed = {
            "waiting": _s("Waiting for first contact"),
            "in_contact": _s("In case management"),
            "not_reached": _s("Could not be reached"),
            "closed": _s("Closed or handed on"),
            "withdrawn": _s("Withdrawn by the person"),
        }
    return fixed.get(key, key)


def title(table: str) -> str:
    return {
        "questions": _s("Questions per month"),
        "topics": _s("Questions per topic of the answer"),
        "query_lang": _s("Questions per language of the question"),
        "ui_lang": _s("Questions per language of the interface"),
        "crisis": _s("Questions that signalled acute danger"),
        "helped": _s("“Did this help?”"),
        "referral": _s("Answers followed by a referral"),
        "kommunen": _s("Questions per Kommune"),
        "referrals": _s("Warm referrals per month received, by where they stand now"),
        "interfaces_office": _s("Interface problems reported by case managers, per office"),
        "interfaces_problem": _s("Interface problems reported by case managers, per problem"),
    }.get(table, table)
