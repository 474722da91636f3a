"""The pre-check of issue 18 inside a case (Baustein 2 <-> 3): prefill, run, keep, follow up.

`prefill` takes what the case file knows (the age the person gave, the residence
status and German level written in the latest assessment, the answers of the
case's last pre-check); the case manager confirms or completes them in the same
questions as the public pre-check. `run` applies `app.precheck.evaluate` by the
law in force today, keeps answers and result encrypted in `case_precheck` with
the day and the law's version date (the newest rule in force took effect then),
and creates a follow-up (Wiedervorlage) on the day the next period is reached
("in 7 months: 6 years"), unless an open one for that day exists. Reads and
writes are audited; rows carry the team's Kommune like every case row.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re

from sqlalchemy import select

from app.casework.casefile import _dec, _enc, _new, berlin_to_utc, pending_handover
from app.casework.inbox import Conflict, personal
from app.casework.models import CaseAssessment, CaseFollowUp, CasePrecheck
from app.i18n import staff_gettext as _s
from app.precheck import answers as questions
from app.precheck.evaluate import evaluate, rules_in_force
from app.precheck.repository import current
from app.referrals.models import Referral
from app.staff import audit

#: the questions asked in the case: all but the place (the case's Kommune is known)
FIELDS = tuple(f for f in questions.FIELDS if f not in ("kommune", "gemeinde"))
LEVEL_RE = re.compile(r"\b([ABC][12])\b")
STATUS_WORDS = (("104c", "permit_104c"), ("duldung", "duldung"), ("gestattung", "gestattung"),
                ("niederlassung", "settlement"), ("daueraufenthalt", "settlement"),
                ("aufenthaltserlaubnis", "permit"))


def add_months(day: dt.date, months: int) -> dt.date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year,
                                                                                    month)[1]))


def _rows(s, staff, ref: Referral) -> list[CasePrecheck]:
    return list(s.scalars(select(CasePrecheck).where(
        CasePrecheck.referral_id == ref.id, CasePrecheck.kommune_id == staff.kommune_id)
        .order_by(CasePrecheck.created_at.desc())))


def prefill(s, staff, ref: Referral) -> tuple[dict[str, str], dict[str, str]]:
    """The answers the case file gives, and per answer where it came from."""
    values: dict[str, str] = {}
    source: dict[str, str] = {}
    age = (personal(s, ref).get("age") or "").strip()
    if age.isdigit():
        values["age"], source["age"] = age, _s("age given in the referral")
    last = s.scalar(select(CaseAssessment).where(
        CaseAssessment.referral_id == ref.id, CaseAssessment.kommune_id == staff.kommune_id)
        .order_by(CaseAssessment.at.desc()).limit(1))
    if last is not None:
        areas = json.loads(_dec(s, last, "areas") or "{}")
        levels = LEVEL_RE.findall(areas.get("language", "").upper())
        if levels:
            values["german"] = max(levels)
            source["german"] = _s("from the assessment (language), please check")
        residence = areas.get("residence", "").lower()
        found = next((code for word, code in STATUS_WORDS if word in residence), None)
        if found:
            values["status"] = found
            source["status"] = _s("from the assessment (residence), please check")
    rows = _rows(s, staff, ref)
    if rows:
        earlier = json.loads(_dec(s, rows[0], "answers") or "{}")
        for k, v in earlier.items():
            if k in FIELDS and k not in values:
                values[k] = v
                source[k] = _s("from the pre-check of %(day)s") % {
                    "day": rows[0].on_date.strftime("%d.%m.%Y")}
    return values, source


def _next_period(results) -> tuple[int, str, str] | None:
    """(months, path, requirement) of the soonest period still to run on an open path."""
    soonest = None
    for path, r in results.items():
        if r.outcome == "closed":
            continue
        for f in r.findings:
            if f.state == "missing" and f.months_left and (soonest is None
                                                           or f.months_left < soonest[0]):
                soonest = (f.months_left, path, f.rule.title_de)
    return soonest


def run(s, staff, ref: Referral, values: dict[str, str], day: dt.date) -> CasePrecheck:
    if pending_handover(s, ref) is not None:  # accept the hand-over first
        raise Conflict("pending")
    values = {k: v for k, v in values.items() if k in FIELDS}
    rules = current(s)  # the law as the state editors keep it in the store
    results = evaluate(questions.to_answers(values, day), day, rules)
    law = max(r.valid_from for r in rules_in_force(day, rules))
    row = _new(s, CasePrecheck, ref, staff, on_date=day, law_as_of=law, author_id=staff.id)
    stored = {path: {"outcome": r.outcome,
                     "missing": [f.rule.title_de for f in r.findings
                                 if f.state in ("missing", "closed")],
                     "periods": [{"what": f.rule.title_de, "months": f.months_left,
                                  "on": add_months(day, f.months_left).isoformat()}
                                 for f in r.findings if f.state == "missing" and f.months_left],
                     "documents": r.documents}
              for path, r in results.items()}
    _enc(s, row, "answers", json.dumps(values, ensure_ascii=False))
    _enc(s, row, "result", json.dumps(stored, ensure_ascii=False))
    soon = _next_period(results)
    if soon is not None:
        months, path, what = soon
        due_at = berlin_to_utc(add_months(day, months), dt.time(9, 0))
        existing = s.scalar(select(CaseFollowUp.id).where(
            CaseFollowUp.referral_id == ref.id, CaseFollowUp.kommune_id == staff.kommune_id,
            CaseFollowUp.due_at == due_at, CaseFollowUp.done_at.is_(None)).limit(1))
        if existing is None:
            f = _new(s, CaseFollowUp, ref, staff, kind="followup", due_at=due_at,
                     assigned_to=ref.assigned_to or staff.id)
            _enc(s, f, "note", _s("Pre-check: in %(months)s months reached: %(what)s "
                                  "(%(path)s). Please run the pre-check again.")
                    % {"months": months, "what": what, "path": PATH_NAMES[path]})
            existing = f.id
        row.followup_id = existing
    audit.record(s, staff, "case.precheck", "referral", ref.id)
    return row


PATH_NAMES = {"25a": "§ 25a AufenthG", "25b": "§ 25b AufenthG", "stag10": "§ 10 StAG"}


def listing(s, staff, ref: Referral, audited: bool = True) -> list[dict]:
    """The case's pre-checks, newest first, decrypted (audited as `case.precheck_view`)."""
    out = []
    for row in _rows(s, staff, ref):
        result = json.loads(_dec(s, row, "result") or "{}")
        out.append({"id": row.id, "on_date": row.on_date, "law_as_of": row.law_as_of,
                    "at": row.created_at, "followup_id": row.followup_id,
                    "answers": json.loads(_dec(s, row, "answers") or "{}"),
                    "paths": [{"path": p, "name": PATH_NAMES[p], **r}
                              for p, r in result.items() if p in PATH_NAMES]})
    if audited and out:
        audit.record(s, staff, "case.precheck_view", "referral", ref.id)
    return out
