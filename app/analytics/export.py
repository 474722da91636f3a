"""CSV export of a view's tables and of the gap report, safe to open in a spreadsheet.

Every cell is written as it is shown on the page (hidden counts as "<5"); a
cell that a spreadsheet would run as a formula (starting with = + - @, a tab
or a carriage return) is prefixed with an apostrophe (CWE-1236).
"""

from __future__ import annotations

import csv
import io

from app.analytics import labels
from app.analytics.figures import View
from app.analytics.themes import GapReport
from app.i18n import staff_gettext as _s

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _write(rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutral(v) for v in row])
    return out.getvalue()


def view_csv(view: View, kommunen: dict[str, str]) -> str:
    """One block per table: title, month header, rows, month totals (and year totals)."""
    rows: list[list[object]] = []
    months = [labels.column(view, m) for m in view.months]
    year_total = [_s("Year")] if view.complete else []
    for key, table in view.tables.items():
        p = table.protected
        rows.append([labels.title(key)])
        rows.append(["", *months, *year_total])
        for i, row_key in enumerate(table.rows):
            tail = [str(p.row_totals[i])] if p.row_totals is not None else []
            rows.append([labels.row(key, row_key, kommunen), *map(str, p.cells[i]), *tail])
        total_tail = [str(p.total)] if p.total is not None else []
        rows.append([_s("Total"), *map(str, p.column_totals), *total_tail])
        rows.append([])
    if view.answered_share:
        rows.append([_s("Share answered confidently"), *(_pct(x) for x in view.answered_share)])
    if view.first_contact_days:
        rows.append([_s("Median days from a referral to the first contact"),
                     *("–" if x is None else x for x in view.first_contact_days)])
    return _write(rows)


def gap_csv(report: GapReport) -> str:
    rows: list[list[object]] = [[_s("Theme"), _s("Questions"), _s("Languages"), _s("Months"),
                                 _s("Examples")]]
    for n, theme in enumerate(report.themes, 1):
        langs = "; ".join(f"{labels.language(code)}: {cell}" for code, cell in theme.languages)
        if theme.other_languages is not None:
            langs += ("; " if langs else "") + f"{_s('Other languages')}: {theme.other_languages}"
        months = "; ".join(f"{labels.month(m)}: {cell}" for m, cell in theme.months)
        rows.append([n, theme.size, langs, months, " | ".join(text for _, text in theme.examples)])
    return _write(rows)


def _pct(x: float | None) -> str:
    return "" if x is None else f"{round(x * 100)} %"
