"""Anonymous counts for the Koordinierungsstelle: pre-checks per month, which paths came
out open, how many led to a referral; shown only with k-anonymity (app.analytics.protect).

`record` stores one `PrecheckEvent` per pre-check run (a reload of the result does
not count again: the run's random id is kept as a digest until it expires);
`referral_followed` marks it when a referral was sent from its link; `figures`
builds the protected month tables of one Kommune (or all, for the state view).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from app.analytics.protect import Protected, protect_all
from app.precheck.models import PrecheckEvent

log = logging.getLogger("lotse.precheck")
PATH_COLUMNS = {"25a": "open_25a", "25b": "open_25b", "stag10": "open_stag10"}
OPEN = {"may_open", "unclear"}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def digest(run: str) -> str:
    return hashlib.sha256(run.encode()).hexdigest()


def record(services, run: str | None, kommune: str | None, outcomes: dict[str, str]) -> bool:
    """Count one pre-check result; False if analytics are off or this run was counted."""
    settings = services.settings
    if not run or not settings.analytics_enabled:
        return False
    now = utcnow()
    link = digest(run)
    try:
        with services.store.session.begin() as s:
            s.execute(update(PrecheckEvent).where(PrecheckEvent.link_until < now)
                      .values(link=None, link_until=None))
            if s.scalar(select(PrecheckEvent.id).where(PrecheckEvent.link == link)):
                return False
            s.add(PrecheckEvent(
                month=now.date().replace(day=1), kommune_id=kommune, referral=False,
                link=link, link_until=now + dt.timedelta(hours=settings.analytics_link_hours),
                **{col: outcomes.get(path) in OPEN for path, col in PATH_COLUMNS.items()}))
    except SQLAlchemyError as exc:
        log.warning("pre-check not counted: %s", type(exc).__name__)
        return False
    return True


def referral_followed(services, run: str | None) -> bool:
    """A referral was sent from the result of this run (REFERRAL_FOLLOWED hook)."""
    if not run or len(run) > 64 or not services.settings.analytics_enabled:
        return False
    try:
        with services.store.session.begin() as s:
            done = s.execute(update(PrecheckEvent).where(
                PrecheckEvent.link == digest(run), PrecheckEvent.link_until > utcnow())
                .values(referral=True))
            return bool(getattr(done, "rowcount", 0))
    except SQLAlchemyError as exc:
        log.warning("pre-check referral not counted: %s", type(exc).__name__)
        return False


def months_back(today: dt.date, n: int) -> list[dt.date]:
    first = today.replace(day=1)
    out = []
    for _ in range(n):
        out.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]


def figures(store, kommune: str | None, k: int, months: list[dt.date]
            ) -> dict[str, Protected]:
    """Per month: for every path open / not open, referral / none; protected together.
    `kommune=None` counts every Kommune (the state's view)."""
    counts: dict[dt.date, list[int]] = {m: [0, 0, 0, 0] for m in months}
    q = select(PrecheckEvent.month, PrecheckEvent.open_25a, PrecheckEvent.open_25b,
               PrecheckEvent.open_stag10, PrecheckEvent.referral).where(
        PrecheckEvent.month >= months[0])
    if kommune is not None:
        q = q.where(PrecheckEvent.kommune_id == kommune)
    with store.session() as s:
        for month, a, b, n, r in s.execute(q):
            if month in counts:
                row = counts[month]
                for i, flag in enumerate((a, b, n, r)):
                    row[i] += bool(flag)
    totals = {m: 0 for m in months}
    with store.session() as s:
        q2 = select(PrecheckEvent.month).where(PrecheckEvent.month >= months[0])
        if kommune is not None:
            q2 = q2.where(PrecheckEvent.kommune_id == kommune)
        for (month,) in s.execute(q2):
            if month in totals:
                totals[month] += 1
    tables: dict[str, Sequence[Sequence[int]]] = {}
    for i, name in enumerate(("25a", "25b", "stag10", "referral")):
        yes = [counts[m][i] for m in months]
        tables[name] = [yes, [totals[m] - y for m, y in zip(months, yes, strict=True)]]
    return protect_all(tables, k)
