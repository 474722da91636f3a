"""The figures of one view (a Kommune, or the whole state) for one calendar year.

The months still inside the event retention are shown, the running month too
(marked as running: its counts grow until it ends). A year's totals appear only
when all twelve of its months are complete, so no year total changes after it
has been shown. Every table of a view shares the month totals and is protected
together (`app.analytics.protect.protect_all`): counts from 1 to k-1 appear as
"<k", including in shares, charts and CSV; a zero is shown as 0 (nobody can be
identified by a count of nobody).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.analytics.interface_figures import interface_figures
from app.analytics.models import SearchEvent
from app.analytics.protect import Cell, Protected, protect_all, protect_column
from app.analytics.record import utcnow
from app.analytics.referral_figures import ROWS as REFERRAL_ROWS
from app.analytics.referral_figures import referral_figures
from app.analytics.writer import flush
from app.settings import UI_LANGUAGES
from directory import offer_lists, reference
from directory.models import Kommune

#: Languages a question can be detected in (`index.signals.detect_language`).
QUERY_LANGUAGES = ("de", "en", "ar", "fa", "tr", "uk", "ru", "ku", "ps", "ti", "ro", "bg", "fr",
                   "so")
UNANSWERED, OTHER, NONE = "_unanswered", "_other", "_none"


@dataclass
class Table:
    key: str
    rows: list[str]
    protected: Protected

    def row(self, key: str) -> list[Cell]:
        return self.protected.cells[self.rows.index(key)]


@dataclass
class View:
    kommune: str | None  # None = every Kommune (the state-wide sum)
    year: int
    months: list[dt.date]
    complete: bool  # all twelve months present and ended: year totals are shown
    k: int
    running: bool = False  # the last month is the running one (its counts still grow)
    tables: dict[str, Table] = field(default_factory=dict)
    answered_share: list[float | None] = field(default_factory=list)
    answered_share_year: float | None = None
    helped_share: list[float | None] = field(default_factory=list)
    stale: Cell | None = None
    stale_offers: list[tuple[str, dt.date | None]] = field(default_factory=list)
    kommunen: list[str] = field(default_factory=list)  # state view: rows of "kommunen"
    stale_by_kommune: list[Cell] = field(default_factory=list)
    stale_total: Cell | None = None
    first_contact_days: list[float | None] = field(default_factory=list)


def month_start(d: dt.date | dt.datetime) -> dt.date:
    return dt.date(d.year, d.month, 1)


def next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def event_cutoff(now: dt.datetime, event_days: int) -> dt.date:
    """The oldest month still kept: retention deletes a month's events once all of them
    are older than `event_days`, so every month from this one on is complete."""
    return month_start(now - dt.timedelta(days=event_days))


def available_months(year: int, now: dt.datetime, event_days: int) -> list[dt.date]:
    first_kept = event_cutoff(now, event_days)
    running = month_start(now)
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    return [m for m in months if first_kept <= m <= running]


def years(now: dt.datetime, event_days: int) -> list[int]:
    """Years with at least one month inside the retention (the running one counts), newest
    first."""
    first = event_cutoff(now, event_days)
    return [y for y in range(now.year, first.year - 1, -1)
            if available_months(y, now, event_days)]


def _counts(store, kommune: str | None, months: list[dt.date], *dims) -> dict[tuple, Counter]:
    """{dimension values: Counter(month index -> count)} for the events of the months."""
    out: dict[tuple, Counter] = {}
    if not months:
        return out
    start = dt.datetime.combine(months[0], dt.time(), dt.UTC)
    end = dt.datetime.combine(next_month(months[-1]), dt.time(), dt.UTC)
    index = {m: i for i, m in enumerate(months)}
    q = (select(SearchEvent.hour, *dims, func.count(SearchEvent.id))
         .where(SearchEvent.hour >= start, SearchEvent.hour < end)
         .group_by(SearchEvent.hour, *dims))
    if kommune is not None:
        q = q.where(SearchEvent.kommune_id == kommune)
    with store.session() as s:
        for hour, *rest in s.execute(q):
            *values, n = rest
            i = index.get(month_start(hour))
            if i is not None:
                out.setdefault(tuple(values), Counter())[i] += n
    return out


def _grid(rows: list[str], counts: dict[str, Counter], width: int) -> list[list[int]]:
    return [[counts.get(r, Counter())[c] for c in range(width)] for r in rows]


def _fold(counts: dict[tuple, Counter], key) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for values, counter in counts.items():
        out.setdefault(key(*values), Counter()).update(counter)
    return out


def _share(part: Cell, whole: Cell) -> float | None:
    if part.value is None or whole.value is None or not whole.value:
        return None
    return part.value / whole.value


def build(services, kommune: str | None, year: int, now: dt.datetime | None = None) -> View:
    """Every figure of one view, protected."""
    flush(services)  # events still on the writer queue count too
    settings, store = services.settings, services.store
    now = now or utcnow()
    k = settings.analytics_k
    months = available_months(year, now, settings.analytics_event_days)
    running = bool(months) and months[-1] == month_start(now)
    view = View(kommune, year, months, complete=len(months) == 12 and not running, k=k,
                running=running)
    width = len(months)
    topics = [t["code"] for t in reference.taxonomy()]
    ui = [*UI_LANGUAGES, OTHER, NONE]
    lang_rows = [*QUERY_LANGUAGES, OTHER]
    by_answer = _fold(
        _counts(store, kommune, months, SearchEvent.confident, SearchEvent.topic),
        lambda c, t: (t if t in topics else OTHER) if c else UNANSWERED)
    by_lang = _fold(_counts(store, kommune, months, SearchEvent.query_lang),
                    lambda x: x if x in QUERY_LANGUAGES else OTHER)
    by_ui = _fold(_counts(store, kommune, months, SearchEvent.ui_lang),
                  lambda x: NONE if x is None else (x if x in UI_LANGUAGES else OTHER))
    by_crisis = _fold(_counts(store, kommune, months, SearchEvent.crisis),
                      lambda x: "crisis" if x else "no_crisis")
    by_help = _fold(_counts(store, kommune, months, SearchEvent.helped),
                    lambda x: NONE if x is None else ("yes" if x else "no"))
    by_ref = _fold(_counts(store, kommune, months, SearchEvent.referral),
                   lambda x: "yes" if x else "no")
    total = Counter()
    for counter in by_lang.values():
        total.update(counter)
    rows = {
        "questions": ["questions"],
        "topics": [*topics, OTHER, UNANSWERED],
        "query_lang": lang_rows,
        "ui_lang": ui,
        "crisis": ["crisis", "no_crisis"],
        "helped": ["yes", "no", NONE],
        "referral": ["yes", "no"],
    }
    grids = {
        "questions": _grid(["questions"], {"questions": total}, width),
        "topics": _grid(rows["topics"], by_answer, width),
        "query_lang": _grid(lang_rows, by_lang, width),
        "ui_lang": _grid(ui, by_ui, width),
        "crisis": _grid(rows["crisis"], by_crisis, width),
        "helped": _grid(rows["helped"], by_help, width),
        "referral": _grid(rows["referral"], by_ref, width),
    }
    if kommune is None:
        ids = [kid for kid, in _kommunen(store)]
        by_kommune = _fold(_counts(store, None, months, SearchEvent.kommune_id),
                           lambda x: x or NONE)
        view.kommunen = [*ids, NONE]
        rows["kommunen"] = view.kommunen
        grids["kommunen"] = _grid(view.kommunen, by_kommune, width)
    protected = protect_all(grids, k, row_totals=view.complete) if width else {}
    view.tables = {name: Table(name, rows[name], p) for name, p in protected.items()}
    if width:
        totals = view.tables["questions"].protected.column_totals
        unanswered = view.tables["topics"].row(UNANSWERED)
        view.answered_share = [_answered(u, t) for u, t in zip(unanswered, totals, strict=True)]
        if view.complete:
            p = view.tables["topics"].protected
            view.answered_share_year = _answered(p.row_totals[-1], p.total)
        help_rows = view.tables["helped"]
        view.helped_share = [
            _helped(y, n) for y, n in zip(help_rows.row("yes"), help_rows.row("no"), strict=True)]
        table, view.first_contact_days = referral_figures(store, kommune, months, k,
                                                          view.complete)
        view.tables["referrals"] = Table("referrals", list(REFERRAL_ROWS), table)
        for key, (codes, grid) in interface_figures(store, kommune, months, k,
                                                    view.complete).items():
            view.tables[key] = Table(key, codes, grid)  # the case managers' reports
    _stale(view, services, now)
    return view


def _answered(unanswered: Cell, total: Cell) -> float | None:
    share = _share(unanswered, total)
    return None if share is None else 1 - share


def _helped(yes: Cell, no: Cell) -> float | None:
    if yes.value is None or no.value is None or not (yes.value + no.value):
        return None
    return yes.value / (yes.value + no.value)


def _kommunen(store) -> list[tuple[str]]:
    with store.session() as s:
        return list(s.execute(select(Kommune.id).order_by(Kommune.sample, Kommune.name)))


def _stale(view: View, services, now: dt.datetime) -> None:
    """Active offers not verified for `analytics_stale_days` (directory data, not personal)."""
    limit = now.date() - dt.timedelta(days=services.settings.analytics_stale_days)
    with services.store.session() as s:
        stale = offer_lists.unverified(s, limit, view.kommune)
    if view.kommune is not None:
        view.stale_offers = [(name, verified) for _, name, verified in stale]
        cells, _total = protect_column([len(stale)], view.k)
        view.stale = cells[0]
        return
    per = Counter(kid for kid, _, _ in stale)
    ids = view.kommunen or [kid for kid, in _kommunen(services.store)] + [NONE]
    view.kommunen = ids
    view.stale_by_kommune, view.stale_total = protect_column([per.get(i, 0) for i in ids], view.k)
