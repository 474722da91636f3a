"""The case file along the KIM phases: intake, assessment, Hilfeplan, linking, follow-ups.

Each function works on a referral the caller already fetched through the scoped
inbox (`app.casework.inbox.get`), writes rows tagged with the staff member's
Kommune, encrypts the personal text, and audits (PRIV-13). `view` decrypts the
file of the staff member's own team only (audited as `case.view`). Phase
changes go through `record_phase`, which keeps the history (who, when, from, to,
reason) and `missing`, the Kommune's minimum documentation (`CaseRequirement`).
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from app.casework.models import (
    AREAS,
    CaseAssessment,
    CaseEvent,
    CaseFile,
    CaseFollowUp,
    CaseGoal,
    CaseHandover,
    CaseLink,
    CasePrecheck,
    CaseRequirement,
)
from app.keyring import keyring_of
from app.referrals import erasure
from app.referrals.models import Referral, utcnow
from app.staff import audit

BERLIN = ZoneInfo("Europe/Berlin")
ROW_TABLES = (CaseFile, CaseAssessment, CaseGoal, CaseLink, CaseFollowUp, CaseEvent,
              CasePrecheck)


class Incomplete(ValueError):
    """The Kommune's minimum documentation for this phase is not filled yet (409)."""

    def __init__(self, fields: list[str]):
        super().__init__(", ".join(fields))
        self.fields = fields


def _enc(s, row, field: str, value: str | None) -> None:
    setattr(row, field, keyring_of(s).encrypt(row.__tablename__, row.id, field, value or None))


def _dec(s, row, field: str) -> str | None:
    return keyring_of(s).decrypt(row.__tablename__, row.id, field, getattr(row, field))


def _new(s, model, ref: Referral, staff, **fields):
    row = model(referral_id=ref.id, kommune_id=staff.kommune_id, **fields)
    s.add(row)
    s.flush()
    return row


def berlin_to_utc(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, BERLIN).astimezone(dt.UTC)


def end_of_today_utc(now: dt.datetime | None = None) -> dt.datetime:
    today = (now or utcnow()).astimezone(BERLIN).date()
    return berlin_to_utc(today + dt.timedelta(days=1), dt.time(0, 0))


# --- writes ---------------------------------------------------------------------------

def save_intake(s, staff, ref: Referral, text: str) -> None:
    row = s.scalar(select(CaseFile).where(CaseFile.referral_id == ref.id,
                                          CaseFile.kommune_id == staff.kommune_id))
    if row is None:
        row = _new(s, CaseFile, ref, staff)
    _enc(s, row, "intake", text)
    row.updated_at, row.updated_by = utcnow(), staff.id
    audit.record(s, staff, "case.intake", "referral", ref.id)


def save_assessment(s, staff, ref: Referral, areas: dict[str, str], kind: str) -> None:
    clean = {a: areas[a].strip() for a in AREAS if areas.get(a, "").strip()}
    row = _new(s, CaseAssessment, ref, staff, author_id=staff.id,
               kind="reassessment" if kind == "reassessment" else "assessment")
    _enc(s, row, "areas", json.dumps(clean, ensure_ascii=False))
    audit.record(s, staff, f"case.{row.kind}", "referral", ref.id)


def add_goal(s, staff, ref: Referral, goal: str, measure: str, who: str,
             due: dt.date | None, agreed: bool, agreed_on: dt.date | None) -> None:
    row = _new(s, CaseGoal, ref, staff, due=due, agreed=agreed,
               agreed_on=(agreed_on or utcnow().astimezone(BERLIN).date()) if agreed else None)
    for field, value in (("goal", goal), ("measure", measure), ("who", who)):
        _enc(s, row, field, value)
    audit.record(s, staff, "case.goal", "referral", ref.id)


def _own(s, model, row_id: str, ref: Referral, staff):
    row = s.get(model, row_id)
    if row is None or row.referral_id != ref.id or row.kommune_id != staff.kommune_id:
        return None
    return row


def goal_done(s, staff, ref: Referral, goal_id: str) -> bool:
    row = _own(s, CaseGoal, goal_id, ref, staff)
    if row is None:
        return False
    row.done = True
    audit.record(s, staff, "case.goal_done", "referral", ref.id)
    return True


def add_link(s, staff, ref: Referral, kind: str, offer_id: str | None, outcome: str,
             note: str) -> None:
    row = _new(s, CaseLink, ref, staff, kind=kind, offer_id=offer_id if kind == "offer" else None,
               outcome=outcome)
    _enc(s, row, "note", note)
    audit.record(s, staff, "case.link", "referral", ref.id)


def link_outcome(s, staff, ref: Referral, link_id: str, outcome: str) -> bool:
    row = _own(s, CaseLink, link_id, ref, staff)
    if row is None:
        return False
    row.outcome = outcome
    audit.record(s, staff, "case.link_outcome", "referral", ref.id)
    return True


def add_followup(s, staff, ref: Referral, kind: str, due_at: dt.datetime, note: str,
                 assigned_to: str | None) -> None:
    row = _new(s, CaseFollowUp, ref, staff, kind=kind, due_at=due_at,
               assigned_to=assigned_to or ref.assigned_to or staff.id)
    _enc(s, row, "note", note)
    audit.record(s, staff, "case.followup", "referral", ref.id)


def followup_done(s, staff, ref: Referral, followup_id: str) -> bool:
    row = _own(s, CaseFollowUp, followup_id, ref, staff)
    if row is None:
        return False
    row.done_at = utcnow()
    audit.record(s, staff, "case.followup_done", "referral", ref.id)
    return True


def record_phase(s, staff, ref: Referral, old: str | None, new: str, reason_code: str | None
                 = None, reason: str | None = None, kommune_id: str | None = None) -> None:
    actor = staff if isinstance(staff, str) else staff.id  # "cli", "system" or a Staff
    row = CaseEvent(referral_id=ref.id, kommune_id=kommune_id or ref.kommune_id,
                    actor_id=actor, from_status=old, to_status=new, reason_code=reason_code)
    s.add(row)
    s.flush()
    _enc(s, row, "reason", reason)


# --- minimum documentation -----------------------------------------------------------

def requirements(s, kommune_id: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in s.scalars(select(CaseRequirement).where(CaseRequirement.kommune_id == kommune_id)):
        out.setdefault(r.phase, set()).add(r.field)
    return out


def set_requirements(s, staff, wanted: set[tuple[str, str]]) -> None:
    s.execute(delete(CaseRequirement).where(CaseRequirement.kommune_id == staff.kommune_id))
    for phase, field in sorted(wanted):
        s.add(CaseRequirement(kommune_id=staff.kommune_id, phase=phase, field=field))
    audit.record(s, staff, "case.requirements", "kommune", staff.kommune_id)


def _filled(s, ref: Referral, kommune_id: str) -> set[str]:
    def exists(model, *where) -> bool:
        return s.scalar(select(model.id).where(model.referral_id == ref.id,
                                               model.kommune_id == kommune_id, *where)
                        .limit(1)) is not None
    found = set()
    if exists(CaseFile, CaseFile.intake.is_not(None)):
        found.add("intake")
    if exists(CaseAssessment):
        found.add("assessment")
    if exists(CaseGoal):
        found.add("goal")
    if exists(CaseGoal, CaseGoal.agreed.is_(True)):
        found.add("goal_agreed")
    if exists(CaseLink):
        found.add("link")
    if exists(CaseFollowUp):
        found.add("followup")
    return found


def missing(s, ref: Referral, kommune_id: str) -> list[str]:
    """Fields the Kommune requires before a case leaves its current phase, still empty."""
    needed = requirements(s, kommune_id).get(ref.status, set())
    return sorted(needed - _filled(s, ref, kommune_id)) if needed else []


# --- reads ----------------------------------------------------------------------------

def pending_handover(s, ref: Referral) -> CaseHandover | None:
    return s.scalar(select(CaseHandover).where(
        CaseHandover.referral_id == ref.id, CaseHandover.to_kommune == ref.kommune_id,
        CaseHandover.accepted_at.is_(None),
        CaseHandover.taken_back_at.is_(None)).order_by(CaseHandover.sent_at.desc()).limit(1))


def view(s, staff, ref: Referral) -> dict:
    """The decrypted case file of the staff member's team (audited)."""
    k = staff.kommune_id

    def rows(model, order):
        return list(s.scalars(select(model).where(model.referral_id == ref.id,
                                                  model.kommune_id == k).order_by(order)))
    file = s.scalar(select(CaseFile).where(CaseFile.referral_id == ref.id,
                                           CaseFile.kommune_id == k))
    assessments = [{"kind": a.kind, "at": a.at, "areas": json.loads(_dec(s, a, "areas") or "{}")}
                   for a in rows(CaseAssessment, CaseAssessment.at)]
    goals = [{"id": g.id, "goal": _dec(s, g, "goal"), "measure": _dec(s, g, "measure"),
              "who": _dec(s, g, "who"), "due": g.due, "agreed": g.agreed,
              "agreed_on": g.agreed_on, "done": g.done}
             for g in rows(CaseGoal, CaseGoal.created_at)]
    links = [{"id": x.id, "kind": x.kind, "offer_id": x.offer_id, "outcome": x.outcome,
              "note": _dec(s, x, "note"), "at": x.created_at}
             for x in rows(CaseLink, CaseLink.created_at)]
    followups = [{"id": f.id, "kind": f.kind, "due_at": f.due_at, "done_at": f.done_at,
                  "note": _dec(s, f, "note"), "assigned_to": f.assigned_to}
                 for f in rows(CaseFollowUp, CaseFollowUp.due_at)]
    history = [{"at": e.at, "actor": e.actor_id, "from": e.from_status, "to": e.to_status,
                "reason_code": e.reason_code, "reason": _dec(s, e, "reason")}
               for e in rows(CaseEvent, CaseEvent.at)]
    audit.record(s, staff, "case.view", "referral", ref.id)
    return {"intake": _dec(s, file, "intake") if file else None,
            "assessment": assessments[-1] if assessments else None,
            "assessments": len(assessments), "goals": goals, "links": links,
            "followups": followups, "history": history, "missing": missing(s, ref, k)}


# --- erasure and retention -----------------------------------------------------------

def erase(s, referral_id: str) -> None:
    """The person's data goes: every case row; hand-over records keep only the bare facts."""
    for model in ROW_TABLES:
        s.execute(delete(model).where(model.referral_id == referral_id))
    for h in s.scalars(select(CaseHandover).where(CaseHandover.referral_id == referral_id)):
        h.reason = h.summary = None


def drop_team_rows(s, referral_id: str, kommune_id: str) -> None:
    """A team's own file of a case that left it (hand-over accepted)."""
    for model in ROW_TABLES:
        s.execute(delete(model).where(model.referral_id == referral_id,
                                      model.kommune_id == kommune_id))


erasure.ERASERS.append(erase)
