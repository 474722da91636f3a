"""Team work: search by reference or name (blind index), caseloads, follow-ups due today.

All reads are scoped to the staff member's Kommune and carry no free text
(PRIV-14); searching is audited without the query text.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.casework.casefile import end_of_today_utc
from app.casework.models import CaseFollowUp
from app.referrals import blind, workflow
from app.referrals.models import Referral
from app.referrals.service import normalise_code
from app.staff import audit
from app.staff.scope import referral_filter


def search(s, staff, query: str) -> list[Referral]:
    q = (query or "").strip()
    if not q:
        return []
    scoped = select(Referral).where(referral_filter(staff, Referral.kommune_id))
    code = normalise_code(q)
    found = list(s.scalars(scoped.where(Referral.reference == code)))
    if not found and staff.kommune_id:
        ids = blind.find_ids(s, staff.kommune_id, q)
        if ids:
            found = list(s.scalars(scoped.where(Referral.id.in_(ids))
                                   .order_by(Referral.created_at.desc())))
    audit.record(s, staff, "referral.search", "referral", None)
    return found


def caseload(s, staff) -> dict[str | None, dict[str, int]]:
    """Open cases per case manager (None = nobody) and phase."""
    rows = s.execute(select(Referral.assigned_to, Referral.status, func.count())
                     .where(referral_filter(staff, Referral.kommune_id),
                            Referral.status.in_(sorted(workflow.OPEN | {"nicht_erreicht"})))
                     .group_by(Referral.assigned_to, Referral.status))
    out: dict[str | None, dict[str, int]] = {}
    for who, status, n in rows:
        out.setdefault(who, {})[status] = n
    return out


def due(s, staff, mine: bool = False, page: int = 0,
        size: int = 100) -> list[tuple[CaseFollowUp, Referral]]:
    """Open follow-ups and appointments due by the end of today (Europe/Berlin)."""
    q = (select(CaseFollowUp, Referral).join(Referral, Referral.id == CaseFollowUp.referral_id)
         .where(referral_filter(staff, Referral.kommune_id),
                CaseFollowUp.kommune_id == Referral.kommune_id,
                CaseFollowUp.done_at.is_(None), CaseFollowUp.due_at < end_of_today_utc())
         .order_by(CaseFollowUp.due_at, CaseFollowUp.id).limit(size + 1).offset(page * size))
    if mine:
        q = q.where(CaseFollowUp.assigned_to == staff.id)
    return [(f, r) for f, r in s.execute(q)]
