"""Referral figures for the Koordinierungsstelle: how many warm referrals came in per
month, where they stand now, and how long people waited for the first contact.

Only counts and a median leave this module, read from the referral rows' status and
timestamps (never a name, contact or message). Referrals are grouped by the month
they were received; the status rows partition that month's total, so the table is
protected like the search tables (primary and secondary suppression, k). A month's
median wait is shown only when at least k referrals of it had a first contact.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

from sqlalchemy import select

from app.analytics.protect import Protected, protect
from app.referrals import workflow
from app.referrals.models import Referral
from directory.db import as_utc

#: rows of the table: where the referrals of a month stand now
ROWS = ("waiting", "in_contact", "not_reached", "closed", "withdrawn")


def stage(status: str) -> str:
    if status == "neu":
        return "waiting"
    if status == "nicht_erreicht":
        return "not_reached"
    if status == "zurueckgezogen":
        return "withdrawn"
    if status in workflow.CLOSED:
        return "closed"
    return "in_contact"


def referral_figures(store, kommune: str | None, months: list[dt.date], k: int,
                     complete: bool) -> tuple[Protected, list[float | None]]:
    """The protected status table (ROWS x months) and the median days to first contact."""
    start = dt.datetime.combine(months[0], dt.time(), dt.UTC)
    last = months[-1]
    end = dt.datetime(last.year + (last.month == 12), last.month % 12 + 1, 1, tzinfo=dt.UTC)
    query = select(Referral.created_at, Referral.first_contact_at, Referral.status).where(
        Referral.created_at >= start, Referral.created_at < end)
    if kommune is not None:
        query = query.where(Referral.kommune_id == kommune)
    index = {m: i for i, m in enumerate(months)}
    counts = [Counter() for _ in months]
    waits: list[list[float]] = [[] for _ in months]
    with store.session() as s:
        for created, first_contact, status in s.execute(query):
            created = as_utc(created)
            i = index.get(dt.date(created.year, created.month, 1))
            if i is None:
                continue
            counts[i][stage(status)] += 1
            if first_contact is not None:
                waits[i].append((as_utc(first_contact) - created).total_seconds() / 86400)
    grid = [[counts[m][row] for m in range(len(months))] for row in ROWS]
    medians = [round(statistics.median(w), 1) if len(w) >= k else None for w in waits]
    return protect(grid, k, row_totals=complete), medians
