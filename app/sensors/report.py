"""What a case manager can report about an interface, and how a report is counted.

A report is two choices from fixed lists (`OFFICES`, `PROBLEMS`): no free
text, no person, no case id, no time finer than the month. `record` adds one
to the counter of (Kommune, current month, office, problem) in the caller's
transaction, as one UPDATE (no lost counts); a race on a new counter row
retries as an update.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.i18n import staff_gettext as _s
from app.sensors.models import InterfaceReport

OFFICES = ("auslaenderbehoerde", "jobcenter", "sozialamt", "jugendamt", "familienkasse", "bamf",
           "school", "language_course", "other")
PROBLEMS = ("waiting_time", "no_interpreter", "unclear_responsibility", "lost_documents",
            "not_reachable", "other")


def office_label(code: str) -> str:
    return {
        "auslaenderbehoerde": _s("Ausländerbehörde"),
        "jobcenter": _s("Jobcenter"),
        "sozialamt": _s("Sozialamt"),
        "jugendamt": _s("Jugendamt"),
        "familienkasse": _s("Familienkasse"),
        "bamf": _s("BAMF"),
        "school": _s("School"),
        "language_course": _s("Language course provider"),
        "other": _s("Other office"),
    }.get(code, code)


def problem_label(code: str) -> str:
    return {
        "waiting_time": _s("Long waiting time"),
        "no_interpreter": _s("No interpreter"),
        "unclear_responsibility": _s("Unclear who is responsible"),
        "lost_documents": _s("Documents lost"),
        "not_reachable": _s("Not reachable"),
        "other": _s("Other problem"),
    }.get(code, code)


def month_of(now: dt.datetime) -> dt.date:
    return dt.date(now.year, now.month, 1)


def record(s, kommune_id: str, office: str, problem: str, now: dt.datetime) -> None:
    """Count one report; raises ValueError for codes not on the lists."""
    if office not in OFFICES or problem not in PROBLEMS:
        raise ValueError("unknown office or problem")
    month = month_of(now)
    key = (InterfaceReport.kommune_id == kommune_id, InterfaceReport.month == month,
           InterfaceReport.office == office, InterfaceReport.problem == problem)
    bump = update(InterfaceReport).where(*key).values(count=InterfaceReport.count + 1)
    if s.execute(bump).rowcount:
        return
    try:
        with s.begin_nested():
            s.add(InterfaceReport(kommune_id=kommune_id, month=month, office=office,
                                  problem=problem, count=1))
    except IntegrityError:  # another request made the row meanwhile
        s.execute(bump)
