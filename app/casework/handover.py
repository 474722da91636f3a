"""A hand-over to another Kommune that loses nothing, and can be taken back until accepted.

`send` moves the referral to the receiving Kommune's inbox as "neu" with a
pending `CaseHandover`: who sent it, why (encrypted), and the summary the
person agreed to (encrypted; stored only with that consent). Until the
receiver `accept`s, the sender can `take_back` (the referral returns in its
old phase) and the receiver sees only the hand-over panel, not the sender's
notes or file. On acceptance the sender's notes and case rows are deleted (the
case is no longer theirs); the sender keeps the record (reference, receiver,
sent, accepted), listed under the "Weitergeleitet" filter.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from app.casework import casefile
from app.casework.models import CaseHandover
from app.keyring import keyring_of
from app.referrals import blind, retention, workflow
from app.referrals.models import Referral, ReferralNote, utcnow
from app.staff import audit
from app.staff.models import StaffUser
from directory.models import Kommune


class Refused(ValueError):
    """Not possible in this state (409)."""


def send(s, staff, ref: Referral, kommune_id: str, reason: str, summary: str,
         consent: bool, version: int) -> CaseHandover:
    if ref.version != version:
        raise Refused("stale")
    if not kommune_id or kommune_id == ref.kommune_id or s.get(Kommune, kommune_id) is None:
        raise Refused("kommune")
    if ref.status in workflow.CLOSED or ref.status == "zurueckgezogen":
        raise Refused("closed")
    if not reason.strip() or casefile.pending_handover(s, ref) is not None:
        raise Refused("reason")
    h = CaseHandover(referral_id=ref.id, reference=ref.reference, from_kommune=ref.kommune_id,
                     to_kommune=kommune_id, from_status=ref.status, sender_id=staff.id,
                     summary_consent=bool(consent and summary.strip()))
    s.add(h)
    s.flush()
    keys = keyring_of(s)
    h.reason = keys.encrypt("case_handover", h.id, "reason", reason.strip())
    if h.summary_consent:
        h.summary = keys.encrypt("case_handover", h.id, "summary", summary.strip())
    casefile.record_phase(s, staff, ref, ref.status, "weitergeleitet", "handover_out", reason)
    old = ref.kommune_id
    ref.kommune_id = kommune_id
    ref.gemeinde_id = None  # a Gemeinde of the old Kommune
    ref.assigned_to = None
    ref.status = "neu"
    ref.status_changed_at = utcnow()
    ref.version += 1
    blind.move(s, ref.id, kommune_id)
    audit.record(s, staff, "referral.handover_out", "referral", ref.id, kommune_id=old)
    audit.record(s, staff, "referral.handover_in", "referral", ref.id, kommune_id=kommune_id)
    return h


def accept(s, staff, ref: Referral) -> None:
    h = casefile.pending_handover(s, ref)
    if h is None or h.to_kommune != staff.kommune_id:
        raise Refused("nothing pending")
    h.accepted_at, h.accepted_by = utcnow(), staff.id
    s.execute(delete(ReferralNote).where(ReferralNote.referral_id == ref.id))
    casefile.drop_team_rows(s, ref.id, h.from_kommune)
    casefile.record_phase(s, staff, ref, None, ref.status, "handover_in")
    ref.version += 1
    audit.record(s, staff, "referral.handover_accept", "referral", ref.id)


def get_sent(s, staff, handover_id: str) -> CaseHandover | None:
    """A hand-over this staff member's Kommune sent (else None -> 404)."""
    h = s.get(CaseHandover, handover_id)
    if h is None or staff.kommune_id is None or h.from_kommune != staff.kommune_id:
        return None
    return h


def take_back(s, staff, h: CaseHandover) -> None:
    if h.accepted_at is not None or h.taken_back_at is not None:
        raise Refused("accepted")
    ref = s.get(Referral, h.referral_id)
    if ref is None or ref.kommune_id != h.to_kommune or ref.status == "zurueckgezogen":
        raise Refused("gone")
    h.taken_back_at = utcnow()
    ref.kommune_id = h.from_kommune
    ref.status = h.from_status
    ref.status_changed_at = utcnow()
    ref.version += 1
    blind.move(s, ref.id, h.from_kommune)
    casefile.record_phase(s, staff, ref, "weitergeleitet", h.from_status, "handover_back")
    audit.record(s, staff, "referral.handover_back", "referral", ref.id)


def panel(s, h: CaseHandover) -> dict:
    """What the receiver sees: sender, Kommune, reason, the consented summary, times."""
    keys = keyring_of(s)
    sender = s.get(StaffUser, h.sender_id)
    frm = s.get(Kommune, h.from_kommune)
    return {"id": h.id, "from": frm.name if frm else h.from_kommune,
            "sender": (sender.display_name or sender.username) if sender else "–",
            "reason": keys.decrypt("case_handover", h.id, "reason", h.reason),
            "summary": keys.decrypt("case_handover", h.id, "summary", h.summary),
            "consent": h.summary_consent, "sent_at": h.sent_at, "accepted_at": h.accepted_at}


def sent_records(s, staff, page: int = 0, size: int = 100) -> list[dict]:
    """The sender's record of every hand-over (no personal data: reference, where, when)."""
    rows = s.execute(select(CaseHandover, Kommune.name)
                     .join(Kommune, Kommune.id == CaseHandover.to_kommune)
                     .where(CaseHandover.from_kommune == staff.kommune_id)
                     .order_by(CaseHandover.sent_at.desc(), CaseHandover.id)
                     .limit(size + 1).offset(page * size))
    return [{"id": h.id, "reference": h.reference, "to": name, "sent_at": h.sent_at,
             "accepted_at": h.accepted_at, "taken_back_at": h.taken_back_at}
            for h, name in rows]


def retain(s, settings, now: dt.datetime) -> None:
    """Sender records go with the closed-case period."""
    cut = now - dt.timedelta(days=settings.retention_closed_days)
    s.execute(delete(CaseHandover).where(CaseHandover.sent_at < cut))


retention.PERIODS.append(retain)
