"""Kommune scoping in the query layer (SEC-08, PRIV-12).

Every query of Kommune-bound data that a staff route runs goes through
these helpers, so a user of another Kommune gets "not found" (404), never
someone else's row:

    stmt = scoped(select(Referral), staff, Referral.kommune_id)
    ref = get_scoped(s, Referral, ref_id, staff)   # None -> raise 404

A state-wide user (`staff.kommune_id is None`, coordinator/admin only) sees
every Kommune. Referrals are stricter still: only case managers of the
Kommune read them (`referral_filter`), never editors or state-wide roles.
"""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy import Select, false, true
from sqlalchemy.orm import Session

from app.i18n import staff_gettext as _s


def kommune_filter(staff, column):
    """The SQL condition 'row belongs to the staff member's Kommune' (true for state-wide)."""
    if staff is None:
        return false()
    if staff.kommune_id is None:
        return true()
    return column == staff.kommune_id


def scoped(stmt: Select, staff, column) -> Select:
    return stmt.where(kommune_filter(staff, column))


def get_scoped(s: Session, model, object_id: str, staff, column_name: str = "kommune_id"):
    """The row with this id if it belongs to the staff member's Kommune, else None."""
    from sqlalchemy import select

    column = getattr(model, column_name)
    pk = model.__mapper__.primary_key[0]
    return s.scalar(scoped(select(model).where(pk == object_id), staff, column))


def get_or_404(s: Session, model, object_id: str, staff, column_name: str = "kommune_id"):
    row = get_scoped(s, model, object_id, staff, column_name)
    if row is None:
        raise HTTPException(404, _s("Not found."))
    return row


def referral_filter(staff, column):
    """Referrals: only case managers, only of their own Kommune (never state-wide)."""
    if staff is None or not staff.has("case_manager") or staff.kommune_id is None:
        return false()
    return column == staff.kommune_id
