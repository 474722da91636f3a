"""The coordinator pages: figures, gap report, CSV and the printable Lenkungsgruppe report.

Role `coordinator` only. A coordinator bound to a Kommune sees that Kommune
(`/staff/figures/<kommune id>/...`); a state-wide coordinator sees the sum of
all Kommunen and the Kommunen side by side (`/staff/figures/land/...`). Any
other scope in the URL answers 404, as everywhere in the staff area. There is
no drill-down from the state view into one Kommune's monthly tables: two
separately protected views of the same counts would let hidden cells be
computed from their difference.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.analytics import charts, export, labels
from app.analytics.figures import UNANSWERED, View, build, years
from app.analytics.record import record_referral, utcnow
from app.analytics.themes import gap_report
from app.i18n import staff_gettext as _s
from app.referrals.routes import REFERRAL_FOLLOWED
from app.staff.auth import Staff, require_staff
from app.staff.web import render_staff
from app.web.deps import ServicesDep

router = APIRouter(include_in_schema=False)
REFERRAL_FOLLOWED.append(record_referral)  # a referral after an answer counts in the figures
LAND = "land"
coordinator = require_staff("coordinator")


def _scope(staff: Staff, scope: str) -> str | None:
    """The Kommune id of the view (None = state-wide), or 404 for anyone else's."""
    if staff.state_wide and scope == LAND:
        return None
    if not staff.state_wide and scope == staff.kommune_id:
        return scope
    raise HTTPException(404, _s("Not found."))


def _year(request: Request, year: int) -> int:
    if year not in years(utcnow(), request.app.state.settings.analytics_event_days):
        raise HTTPException(404, _s("Not found."))
    return year


def _kommune_names(request: Request) -> dict[str, str]:
    return {k.id: k.name for k in request.app.state.services.store.kommunen()}


def _charts(view: View, kommunen: dict[str, str]) -> list[charts.Chart]:
    if not view.months:
        return []
    months = [labels.month_short(m) for m in view.months]
    q = view.tables["questions"].protected
    out = [charts.columns("chart-questions", f"{labels.title('questions')} ({view.year})",
                          _s("Bar chart of the questions per month; the numbers are in the "
                             "table below it."), months, q.column_totals),
           charts.columns("chart-answered", f"{_s('Share answered confidently')} ({view.year})",
                          _s("Bar chart of the share of questions with a confident answer per "
                             "month; months with a hidden count have no bar."), months,
                          view.answered_share, percent=True)]
    referrals = view.tables.get("referrals")
    if referrals is not None:
        out.append(charts.columns(
            "chart-referrals", _s("Warm referrals received") + f" ({view.year})",
            _s("Bar chart of the referrals received per month; the numbers and where the "
               "referrals stand now are in the table below it."), months,
            referrals.protected.column_totals))
    for key in ("topics", "query_lang", "kommunen", "interfaces_office", "interfaces_problem"):
        table = view.tables.get(key)
        if table is None:
            continue
        p = table.protected
        if p.row_totals is not None:
            cells, when = p.row_totals, str(view.year)
        else:  # a year in progress: the newest month
            cells, when = [row[-1] for row in p.cells], labels.column(view, view.months[-1])
        names = [labels.row(key, r, kommunen) for r in table.rows]
        keep = [i for i, r in enumerate(table.rows) if key != "topics" or r != UNANSWERED]
        out.append(charts.rows(
            f"chart-{key}", f"{labels.title(key)} ({when})",
            _s("Horizontal bar chart; the numbers are in the table below it."),
            [names[i] for i in keep], [cells[i] for i in keep]))
    return out


def _figures_data(request: Request, staff: Staff, scope: str, year: int) -> dict:
    kommune = _scope(staff, scope)
    year = _year(request, year)
    view = build(request.app.state.services, kommune, year)
    names = _kommune_names(request)
    return {
        "view": view, "scope": scope, "year": year, "charts": _charts(view, names),
        "kommune_name": names.get(kommune) if kommune else None, "kommunen": names,
        "years": years(utcnow(), request.app.state.settings.analytics_event_days),
        "labels": labels, "generated": utcnow(),
    }


@router.get("/staff/figures")
def figures_home(staff: Staff = Depends(coordinator)):
    scope = LAND if staff.state_wide else staff.kommune_id
    return RedirectResponse(f"/staff/figures/{scope}/{_latest()}", status_code=303)


def _latest() -> int:
    return utcnow().year  # the running month is shown, so the current year always has one


@router.get("/staff/figures/{scope}/gaps")
def gaps(request: Request, services: ServicesDep, scope: str, staff: Staff = Depends(coordinator)):
    kommune = _scope(staff, scope)
    report = gap_report(services, kommune)
    return render_staff(request, staff, "analytics/gaps.html",
                        {"report": report, "scope": scope, "labels": labels,
                         "kommune_name": _kommune_names(request).get(kommune or "")})


@router.get("/staff/figures/{scope}/gaps.csv")
def gaps_csv(request: Request, services: ServicesDep,
             scope: str, staff: Staff = Depends(coordinator)):
    kommune = _scope(staff, scope)
    report = gap_report(services, kommune)
    return _csv(export.gap_csv(report), f"kim-lotse-gaps-{scope}.csv")


@router.get("/staff/figures/{scope}/{year}")
def figures(request: Request, scope: str, year: int, staff: Staff = Depends(coordinator)):
    return render_staff(request, staff, "analytics/figures.html",
                        _figures_data(request, staff, scope, year))


@router.get("/staff/figures/{scope}/{year}/figures.csv")
def figures_csv(request: Request, scope: str, year: int,
                staff: Staff = Depends(coordinator)):
    data = _figures_data(request, staff, scope, year)
    return _csv(export.view_csv(data["view"], data["kommunen"]),
                f"kim-lotse-figures-{scope}-{year}.csv")


@router.get("/staff/figures/{scope}/{year}/report")
def report(request: Request, services: ServicesDep,
           scope: str, year: int, staff: Staff = Depends(coordinator)):
    data = _figures_data(request, staff, scope, year)
    data["gaps"] = gap_report(services, _scope(staff, scope))
    return render_staff(request, staff, "analytics/report.html", data)


def _csv(text: str, filename: str) -> Response:
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })
