"""Retention that runs by itself (PRIV-10): referrals are deleted when their period ends.

Periods are settings, counted from the last status change:
`LOTSE_RETENTION_CLOSED_DAYS` (abgeschlossen, weitergeleitet, and the bare
rows of withdrawn referrals), `LOTSE_RETENTION_UNREACHED_DAYS` (nicht
erreicht) and `LOTSE_RETENTION_OPEN_DAYS` (every open phase: nobody has
touched the case for that long). Deletion removes the row and its notes
(`app.referrals.erasure`: secure_delete + WAL checkpoint, and a mark for the
crypto-shred of `app.referrals.shred`) and is audited as
actor "system". Sent notification mails go after 30 days. `app.jobs`
calls `run_once` every `LOTSE_JOBS_INTERVAL_SECONDS`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, or_, select

from app.referrals.erasure import checkpoint, delete_referral
from app.referrals.models import OutboxMail, Referral, utcnow
from app.referrals.workflow import OPEN
from app.staff import audit

#: Features with their own periods register `fn(session, settings, now) -> None` here
#: (the sender's hand-over records of `app.casework`).
PERIODS: list = []


def cutoffs(settings, now: dt.datetime) -> list[tuple[tuple[str, ...], dt.datetime]]:
    days = dt.timedelta(days=1)
    return [
        (("abgeschlossen", "weitergeleitet", "zurueckgezogen"),
         now - settings.retention_closed_days * days),
        (("nicht_erreicht",), now - settings.retention_unreached_days * days),
        (tuple(sorted(OPEN)), now - settings.retention_open_days * days),
    ]


def run_once(store, settings) -> int:
    """Delete every referral whose period has ended; returns how many."""
    now = utcnow()
    conditions = [(Referral.status.in_(statuses)) & (Referral.status_changed_at < cut)
                  for statuses, cut in cutoffs(settings, now)]
    removed = 0
    with store.session.begin() as s:
        for ref in s.scalars(select(Referral).where(or_(*conditions)).limit(500)):
            audit.record(s, "system", "referral.retention_delete", "referral", ref.id,
                         kommune_id=ref.kommune_id)
            delete_referral(s, ref)
            removed += 1
        s.execute(delete(OutboxMail).where(OutboxMail.sent_at < now - dt.timedelta(days=30)))
        for period in PERIODS:
            period(s, settings, now)
    if removed:
        checkpoint(store)
    return removed
