"""The case managers' inbox in the query layer: scoped reads and guarded changes.

Every function takes the `Staff` and filters with `scope.referral_filter`:
only case managers of the referral's Kommune see it; anybody else gets None
(-> 404), guessed ids included (PRIV-12, SEC-08). Changes check the
workflow and the row version (`Conflict` -> 409, SEC-09), bump the version
and are audited (PRIV-13). The list carries no free text (PRIV-14).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from app.casework import casefile
from app.casework.models import CLOSE_REASONS
from app.keyring import keyring_of
from app.referrals import workflow
from app.referrals.models import Referral, ReferralNote, utcnow
from app.staff import audit
from app.staff.models import StaffUser
from app.staff.scope import referral_filter


class Conflict(ValueError):
    """A stale version or an illegal transition: 409."""


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    topic: str | None = None
    language: str | None = None
    assigned: str | None = None  # "me" | "none" | None
    older_than_days: int | None = None


def _scoped(staff):
    return select(Referral).where(referral_filter(staff, Referral.kommune_id))


#: Rows per page of the inbox and the lists (one more is read to know of a next page).
PAGE = 100


def listing(s, staff, f: Filters, page: int = 0) -> list[Referral]:
    q = (_scoped(staff).order_by(Referral.created_at.desc(), Referral.id)
         .limit(PAGE + 1).offset(page * PAGE))
    if f.status:
        q = q.where(Referral.status == f.status)
    else:
        q = q.where(Referral.status != "zurueckgezogen")
    if f.language:
        q = q.where(Referral.language == f.language)
    if f.assigned == "me":
        q = q.where(Referral.assigned_to == staff.id)
    elif f.assigned == "none":
        q = q.where(Referral.assigned_to.is_(None))
    if f.older_than_days:
        q = q.where(Referral.created_at < utcnow() - dt.timedelta(days=f.older_than_days))
    rows = list(s.scalars(q))
    if f.topic:  # topics are a JSON list: filtered here, portable to every database
        rows = [r for r in rows if f.topic in (r.topics or ())]
    audit.record(s, staff, "referral.list", "referral", None)
    return rows


def get(s, staff, referral_id: str) -> Referral | None:
    return s.scalar(_scoped(staff).where(Referral.id == referral_id))


def personal(s, ref: Referral) -> dict[str, str | None]:
    keys = keyring_of(s)
    return {c: keys.decrypt("referral", ref.id, c, getattr(ref, c))
            for c in ("name", "contact", "message", "age", "on_behalf_name",
                      "on_behalf_contact", "residence_status")}


def notes(s, ref: Referral) -> list[dict]:
    keys = keyring_of(s)
    rows = s.execute(select(ReferralNote, StaffUser.display_name, StaffUser.username)
                     .join(StaffUser, StaffUser.id == ReferralNote.author_id)
                     .where(ReferralNote.referral_id == ref.id)
                     .order_by(ReferralNote.created_at))
    return [{"at": n.created_at, "author": name or user,
             "text": keys.decrypt("referral_note", n.id, "text", n.text)}
            for n, name, user in rows]


def case_managers(s, kommune_id: str) -> list[StaffUser]:
    users = s.scalars(select(StaffUser).where(StaffUser.kommune_id == kommune_id,
                                              StaffUser.active.is_(True))
                      .order_by(StaffUser.username))
    return [u for u in users if "case_manager" in (u.roles or ())]


def _guard(ref: Referral, version: int) -> None:
    if ref.version != version:
        raise Conflict("stale")


def _not_pending(s, ref: Referral) -> None:
    if casefile.pending_handover(s, ref) is not None:  # accept the hand-over first
        raise Conflict("pending")


def change_status(s, staff, ref: Referral, new: str, version: int, reason_code: str = "",
                  reason: str = "") -> None:
    """One step of the workflow, kept in the case's history; closing needs a reason and
    leaving a phase the Kommune's minimum documentation of it (`casefile.Incomplete`)."""
    _guard(ref, version)
    _not_pending(s, ref)
    try:
        workflow.check(ref.status, new)
    except workflow.IllegalTransition as exc:
        audit.record(s, staff, "referral.status", "referral", ref.id, "conflict")
        raise Conflict("transition") from exc
    if new == "abgeschlossen" and reason_code not in CLOSE_REASONS:
        raise Conflict("reason")
    lacking = casefile.missing(s, ref, ref.kommune_id)
    if lacking:
        raise casefile.Incomplete(lacking)
    casefile.record_phase(s, staff, ref, ref.status, new, reason_code or None, reason or None)
    ref.status = new
    ref.status_changed_at = utcnow()
    if new == "erstkontakt" and ref.first_contact_at is None:
        ref.first_contact_at = ref.status_changed_at  # for the anonymous figures
    ref.version += 1
    audit.record(s, staff, "referral.status", "referral", ref.id)


def reopen(s, staff, ref: Referral, reason: str, version: int) -> None:
    """A closed case opens again (Re-Assessment), with the reason in its history."""
    _guard(ref, version)
    if ref.status not in ("abgeschlossen", "nicht_erreicht") or not reason.strip():
        raise Conflict("reopen")
    casefile.record_phase(s, staff, ref, ref.status, "assessment", "reopened", reason.strip())
    ref.status = "assessment"
    ref.status_changed_at = utcnow()
    ref.version += 1
    audit.record(s, staff, "referral.reopen", "referral", ref.id)


def assign(s, staff, ref: Referral, user_id: str | None, version: int) -> None:
    _guard(ref, version)
    _not_pending(s, ref)
    if user_id and user_id not in {u.id for u in case_managers(s, ref.kommune_id)}:
        raise Conflict("assignee")
    ref.assigned_to = user_id or None
    ref.version += 1
    audit.record(s, staff, "referral.assign", "referral", ref.id)


def add_note(s, staff, ref: Referral, text: str) -> None:
    if ref.status == "zurueckgezogen":  # withdrawn: its personal data is gone, so no notes
        raise Conflict("withdrawn")
    _not_pending(s, ref)
    note = ReferralNote(referral_id=ref.id, author_id=staff.id, text="")
    s.add(note)
    s.flush()
    note.text = keyring_of(s).encrypt("referral_note", note.id, "text", text)
    audit.record(s, staff, "referral.note", "referral", ref.id)
