"""The interface-problem counts of `app.sensors` for the Koordinierungsstelle's figures.

Two tables over the months of a view: reports per office and reports per
problem. Both add up to the same month totals, so they are protected
together (`protect_all`: primary and secondary suppression with k, the
shared month totals hidden alike); a state-wide view sums every Kommune.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import func, select

from app.analytics.protect import Protected, protect_all
from app.sensors.models import InterfaceReport
from app.sensors.report import OFFICES, PROBLEMS

TABLES = {"interfaces_office": OFFICES, "interfaces_problem": PROBLEMS}


def interface_figures(store, kommune: str | None, months: list[dt.date], k: int,
                      complete: bool) -> dict[str, tuple[list[str], Protected]]:
    """{table key: (row codes, protected rows x months)} for the months of a view."""
    if not months:
        return {}
    index = {m: i for i, m in enumerate(months)}
    by_office: dict[str, Counter] = {o: Counter() for o in OFFICES}
    by_problem: dict[str, Counter] = {p: Counter() for p in PROBLEMS}
    q = (select(InterfaceReport.month, InterfaceReport.office, InterfaceReport.problem,
                func.sum(InterfaceReport.count))
         .where(InterfaceReport.month >= months[0], InterfaceReport.month <= months[-1])
         .group_by(InterfaceReport.month, InterfaceReport.office, InterfaceReport.problem))
    if kommune is not None:
        q = q.where(InterfaceReport.kommune_id == kommune)
    with store.session() as s:
        for month, office, problem, n in s.execute(q):
            i = index.get(month)
            if i is None or office not in by_office or problem not in by_problem:
                continue
            by_office[office][i] += int(n)
            by_problem[problem][i] += int(n)
    width = len(months)
    grids: dict[str, Sequence[Sequence[int]]] = {
        "interfaces_office": [[by_office[o][c] for c in range(width)] for o in OFFICES],
        "interfaces_problem": [[by_problem[p][c] for c in range(width)] for p in PROBLEMS]}
    protected = protect_all(grids, k, row_totals=complete)
    return {key: (list(TABLES[key]), protected[key]) for key in TABLES}
