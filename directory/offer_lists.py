"""Lists of offers for the staff pages and the figures: a few columns of many offers.

The read model (`store.Offer`, made from the record by `offer_of`) is what pages and the
search show of an offer; reading it reads every child table. The staff offer list, the
list of offers due for a check and the analytics' count of unverified offers show a
handful of columns of up to some hundred offers, filtered by state, Kommune, name and
topic. They read those columns here, so nothing outside `directory/` reads the `Service`
table for a list. The caller's Kommune scoping (`app.staff.scope.kommune_filter`) comes
in as `scope`, a condition on the `kommune_id` column, so it stays the one helper that
decides what a staff member may see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from directory import editing
from directory.models import Attribute, Kommune, Service, TaxonomyTerm

#: the caller's condition on an offer's `kommune_id` column (SQL), e.g. the staff scope
Scope = Callable[[Any], Any]


@dataclass(frozen=True)
class ListedOffer:
    """One row of a staff list."""

    id: str
    name: str
    kommune_id: str | None
    kommune_name: str | None
    last_verified: dt.date | None
    temporarily_closed: bool
    languages: tuple[str, ...]  # its translations, sorted
    needs_review: int  # how many of them are marked for review


def _listed(svc: Service, kommune_name: str | None = None) -> ListedOffer:
    return ListedOffer(id=svc.id, name=svc.name, kommune_id=svc.kommune_id,
                       kommune_name=kommune_name, last_verified=svc.last_verified,
                       temporarily_closed=bool(svc.temporarily_closed),
                       languages=tuple(sorted(t.lang for t in svc.translations)),
                       needs_review=sum(bool(t.needs_review) for t in svc.translations))


def listed(session: Session, scope: Scope, *, status: str = "active", name: str = "",
           kommune: str | None = None, topic: str | None = None,
           limit: int = 200) -> tuple[int, list[ListedOffer]]:
    """Offers in `status` within `scope`, by name: (how many match, the first `limit`).
    `name` is a part of the name (any case); `kommune` the offer's Kommune or scope;
    `topic` a taxonomy code."""
    stmt = (select(Service, Kommune.name).outerjoin(Kommune, Kommune.id == Service.kommune_id)
            .options(selectinload(Service.translations))
            .where(scope(Service.kommune_id), Service.status == status))
    if name:
        stmt = stmt.where(func.lower(Service.name).contains(name.lower()))
    if kommune:
        stmt = stmt.where(or_(Service.kommune_id == kommune, Service.scope == kommune))
    if topic:
        stmt = stmt.where(Service.id.in_(
            select(Attribute.link_id).join(TaxonomyTerm).where(TaxonomyTerm.code == topic)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Service.name).limit(limit))
    return total, [_listed(svc, kname) for svc, kname in rows]


def stale(session: Session, day: dt.date, kommune_id: str | None, months: int, *,
          all_kommunen: bool = False, limit: int | None = None) -> list[ListedOffer]:
    """Active offers not verified for `months` before `day` (or never), oldest first
    (`editing.stale`): one Kommune's, or every Kommune's."""
    return [_listed(svc) for svc in editing.stale(session, day, kommune_id, months,
                                                  all_kommunen=all_kommunen, limit=limit)]


def stale_count(session: Session, day: dt.date, months: int, scope: Scope,
                kommune: str | None = None) -> int:
    """How many active offers within `scope` (and of `kommune`, if given) are stale."""
    stmt = select(func.count(Service.id)).where(editing.stale_condition(day, months),
                                               scope(Service.kommune_id))
    if kommune:
        stmt = stmt.where(Service.kommune_id == kommune)
    return session.scalar(stmt) or 0


def unverified(session: Session, before: dt.date,
               kommune: str | None = None) -> list[tuple[str | None, str, dt.date | None]]:
    """(Kommune, name, last verified) of the active local offers (not nationwide) verified
    before `before` or never, by that date and name; of one Kommune if given."""
    q = (select(Service.kommune_id, Service.name, Service.last_verified)
         .where(Service.status == "active", Service.scope != "national",
                or_(Service.last_verified.is_(None), Service.last_verified < before))
         .order_by(Service.last_verified, Service.name))
    if kommune is not None:
        q = q.where(Service.kommune_id == kommune)
    return [(kid, name, verified) for kid, name, verified in session.execute(q)]
