"""The pre-check's questions: the steps, and reading the answers from a GET query.

Every answer travels in the query string (the pages work without JavaScript and
nothing is kept on the server); an answer that is missing, empty or not one of
the offered values counts as skipped. `parse` returns the `Answers` and the
fields that were given but not valid, so the page can ask again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from app.precheck.evaluate import Answers
from app.precheck.law import LEVELS, STATUSES

YES_NO = ("yes", "no")
WORK = ("fulltime", "parttime", "none")
LIVELIHOOD = ("own", "partly", "benefits")

#: the questions, a few per step; the last step asks for the place
STEPS: tuple[tuple[str, ...], ...] = (
    ("age", "arrived_year", "arrived_month", "uninterrupted"),
    ("status", "status_months", "passport"),
    ("school_years", "degree_de", "in_training", "work", "livelihood"),
    ("german", "integration_course", "civics_test", "special_integration"),
    ("minor_children", "children_school", "convictions"),
    ("kommune", "gemeinde"),
)
FIELDS = tuple(f for step in STEPS for f in step)
CHOICES: dict[str, tuple[str, ...]] = {
    "uninterrupted": YES_NO, "passport": YES_NO, "degree_de": YES_NO, "in_training": YES_NO,
    "integration_course": YES_NO, "civics_test": YES_NO, "special_integration": YES_NO,
    "minor_children": YES_NO, "children_school": YES_NO, "convictions": YES_NO,
    "status": STATUSES, "work": WORK, "livelihood": LIVELIHOOD, "german": LEVELS,
}
NUMBERS = {"age": (0, 120), "arrived_year": (1950, 2100), "arrived_month": (1, 12),
           "status_months": (0, 600), "school_years": (0, 20)}
MAX_TEXT = 40


def clean(query: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The known answers as strings (invalid ones dropped) and the names of invalid ones."""
    values: dict[str, str] = {}
    errors: list[str] = []
    for name in FIELDS:
        raw = (query.get(name) or "").strip()[:MAX_TEXT]
        if not raw:
            continue
        if name in CHOICES:
            if raw in CHOICES[name]:
                values[name] = raw
            else:
                errors.append(name)
        elif name in NUMBERS:
            low, high = NUMBERS[name]
            if raw.isdigit() and low <= int(raw) <= high:
                values[name] = str(int(raw))
            else:
                errors.append(name)
        else:  # kommune, gemeinde: checked against the store by the route
            values[name] = raw
    return values, errors


def _yes(values: dict[str, str], name: str) -> bool | None:
    v = values.get(name)
    return None if v is None else v == "yes"


def _int(values: dict[str, str], name: str) -> int | None:
    v = values.get(name)
    return int(v) if v is not None else None


def to_answers(values: dict[str, str], today: dt.date) -> Answers:
    arrived = None
    year = _int(values, "arrived_year")
    if year is not None and year <= today.year:
        month = _int(values, "arrived_month") or 1
        arrived = min(dt.date(year, month, 1), today)
    return Answers(
        age=_int(values, "age"), arrived=arrived, uninterrupted=_yes(values, "uninterrupted"),
        status=values.get("status"), status_months=_int(values, "status_months"),
        passport=_yes(values, "passport"), school_years=_int(values, "school_years"),
        degree_de=_yes(values, "degree_de"), in_training=_yes(values, "in_training"),
        work=values.get("work"), livelihood=values.get("livelihood"),
        german=values.get("german"), integration_course=_yes(values, "integration_course"),
        civics_test=_yes(values, "civics_test"),
        special_integration=_yes(values, "special_integration"),
        minor_children=_yes(values, "minor_children"),
        children_school=_yes(values, "children_school"), convictions=_yes(values, "convictions"),
    )
